// A hand-written stand-in for generated CUDA model code:
//
//   x: float32 [s0] on cuda, s0 in [1, 1048576];   y = x + w   (w = 1.0, from the weights)
//
// init loads the kernel from embedded PTX through the support library's
// helpers (the driver JIT-compiles it for whatever GPU runs it); run launches
// it on the caller's stream. It cannot run on a machine without a GPU: there
// the tests check that loading it fails with a clear message.
#include <cstdio>

#include "aotc/model_abi.h"
#include "aotc_model.h"

namespace {

using namespace aotc_model;

// y[i] = x[i] + w[0], i < n.
constexpr char kPtx[] = R"(
.version 7.0
.target sm_52
.address_size 64

.visible .entry add_weight(
  .param .u64 px,
  .param .u64 py,
  .param .u64 pw,
  .param .u64 pn
)
{
  .reg .pred p;
  .reg .b32 r<5>;
  .reg .b64 rd<11>;
  .reg .f32 f<4>;

  ld.param.u64 rd1, [px];
  ld.param.u64 rd2, [py];
  ld.param.u64 rd3, [pw];
  ld.param.u64 rd4, [pn];
  mov.u32 r1, %ctaid.x;
  mov.u32 r2, %ntid.x;
  mov.u32 r3, %tid.x;
  mad.lo.s32 r4, r1, r2, r3;
  cvt.u64.u32 rd5, r4;
  setp.ge.u64 p, rd5, rd4;
  @p bra DONE;
  cvta.to.global.u64 rd6, rd1;
  cvta.to.global.u64 rd7, rd2;
  cvta.to.global.u64 rd8, rd3;
  shl.b64 rd9, rd5, 2;
  add.s64 rd10, rd6, rd9;
  ld.global.f32 f1, [rd10];
  ld.global.f32 f3, [rd8];
  add.f32 f2, f1, f3;
  add.s64 rd10, rd7, rd9;
  st.global.f32 [rd10], f2;
DONE:
  ret;
}
)";

constexpr CudaImage kImages[] = {{52, CudaImageKind::kPtx, kPtx, sizeof(kPtx)}};

constexpr DimSpec kN[] = {{DimKind::kLinear, 1, 0, 0, 0, "s0"}};
constexpr TensorSpec kInputs[] = {{"x", AOTC_C10_FLOAT32, 1, kN}};
constexpr TensorSpec kOutputs[] = {{"y", AOTC_C10_FLOAT32, 1, kN}};
constexpr SymbolSpec kSymbols[] = {{"s0", 1, 1 << 20}};
constexpr ConstantSpec kConstants[] = {{"w", "w", AOTC_C10_FLOAT32, 0, nullptr, 0, 4, false, 1}};

struct State {
  void* module = nullptr;
  void* kernel = nullptr;
};

int init(const InitContext* ctx, void** state, char* error, size_t error_size) {
  auto* s = new State();
  if (cuda_load_module(ctx, kImages, 1, &s->module, error, error_size) != 0 ||
      cuda_get_function(s->module, "add_weight", 0, &s->kernel, error, error_size) != 0) {
    cuda_unload_module(s->module);
    delete s;
    return 1;
  }
  *state = s;
  return 0;
}

void destroy(void* state) {
  auto* s = static_cast<State*>(state);
  cuda_unload_module(s->module);
  delete s;
}

uint64_t arena_bytes(const int64_t*) {
  return 256;
}

int run(const RunContext* ctx, char* error, size_t error_size) {
  const auto* s = static_cast<const State*>(ctx->state);
  const void* x = ctx->inputs[0];
  void* y = ctx->outputs[0];
  const void* w = ctx->weights;
  uint64_t n = static_cast<uint64_t>(ctx->symbols[0]);
  void* args[] = {&x, &y, &w, &n};
  const uint32_t blocks = static_cast<uint32_t>((n + 255) / 256);
  return cuda_launch(s->kernel, blocks, 1, 1, 256, 1, 1, 0, ctx->stream, args, 0, error, error_size);
}

const ModelSpec kSpec{
    kModelRtVersion,
    "cuda_add",
    AOTC_DEVICE_CUDA,
    1,
    kInputs,
    1,
    kOutputs,
    1,
    kSymbols,
    1,
    kConstants,
    nullptr,
    nullptr,
    "cuda_add.weights.bin",
    64,
    nullptr,
    arena_bytes,
    init,
    destroy,
    run,
};

}  // namespace

const aotc_model::ModelSpec& aotc_generated_model_spec() {
  return kSpec;
}

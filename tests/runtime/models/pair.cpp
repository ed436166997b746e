// A hand-written stand-in for generated model code with two inputs whose
// shapes share a symbol, a derived dimension and an expression output:
//
//   x: float32 [s0, 4], y: float32 [2*s0, s1]      s0 in [1, 32], s1 in [1, 8]
//   out:   float32 [s0]       out[i] = sum(x[i, :]) + y[2i, 0]
//   iota:  int64 [s0 + s1]    iota[k] = k + 100    (100 comes from init's state)
//
// No weights; init/destroy hold shared state; no call spec (the support
// library's default is used).
#include <cstdlib>

#include "aotc/model_abi.h"
#include "aotc_model.h"

namespace {

using namespace aotc_model;

constexpr DimSpec kX[] = {{DimKind::kLinear, 1, 0, 0, 0, "s0"},
                          {DimKind::kStatic, 4, 0, 0, 0, "4"}};
constexpr DimSpec kY[] = {{DimKind::kLinear, 2, 0, 0, 0, "2*s0"},
                          {DimKind::kLinear, 1, 1, 0, 0, "s1"}};
constexpr DimSpec kOut[] = {{DimKind::kLinear, 1, 0, 0, 0, "s0"}};
constexpr DimSpec kIota[] = {{DimKind::kExpr, 0, 0, 0, 0, "s0 + s1"}};
constexpr TensorSpec kInputs[] = {{"x", AOTC_C10_FLOAT32, 2, kX}, {"y", AOTC_C10_FLOAT32, 2, kY}};
constexpr TensorSpec kOutputs[] = {{"out", AOTC_C10_FLOAT32, 1, kOut},
                                   {"iota", AOTC_C10_INT64, 1, kIota}};
constexpr SymbolSpec kSymbols[] = {{"s0", 1, 32}, {"s1", 1, 8}};

int64_t eval_expr(int32_t expr, const int64_t* s) {
  return expr == 0 ? s[0] + s[1] : -1;
}

int init(const InitContext*, void** state, char*, size_t) {
  auto* base = static_cast<int64_t*>(std::malloc(sizeof(int64_t)));
  *base = 100;
  *state = base;
  return 0;
}

void destroy(void* state) {
  std::free(state);
}

int run(const RunContext* ctx, char* /*error*/, size_t /*error_size*/) {
  const int64_t s0 = ctx->symbols[0];
  const int64_t s1 = ctx->symbols[1];
  const auto* x = static_cast<const float*>(ctx->inputs[0]);
  const auto* y = static_cast<const float*>(ctx->inputs[1]);
  auto* out = static_cast<float*>(ctx->outputs[0]);
  auto* iota = static_cast<int64_t*>(ctx->outputs[1]);
  for (int64_t i = 0; i < s0; ++i) {
    out[i] = x[4 * i] + x[4 * i + 1] + x[4 * i + 2] + x[4 * i + 3] + y[2 * i * s1];
  }
  const int64_t base = *static_cast<const int64_t*>(ctx->state);
  for (int64_t k = 0; k < s0 + s1; ++k) iota[k] = base + k;
  return 0;
}

const ModelSpec kSpec{
    kModelRtVersion, "pair", AOTC_DEVICE_CPU, 2,       kInputs, 2,       kOutputs, 2,
    kSymbols,        0,      nullptr,         nullptr, nullptr, nullptr, 0,        eval_expr,
    nullptr,         init,   destroy,         run,
};

}  // namespace

const aotc_model::ModelSpec& aotc_generated_model_spec() {
  return kSpec;
}

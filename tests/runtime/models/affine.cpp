// A hand-written stand-in for generated model code, as `aotc compile` would
// emit it for
//
//   class Affine(nn.Module):            # x: float32 [s0, 4], s0 in [1, 64]
//       def forward(self, x):
//           y = self.scale * x + self.shift      # scale = 2, shift = 1
//           return y, y.sum(-1)
//
// The weights blob holds scale at offset 0 and shift at offset 64 (constants
// are 64-byte aligned). It uses what generated code uses: RunContext::weights,
// the arena (row sums are staged there), and parallel_for over rows.
#include <cstring>

#include "aotc/model_abi.h"
#include "aotc_model.h"

namespace {

using namespace aotc_model;

constexpr DimSpec kRowsByFour[] = {{DimKind::kLinear, 1, 0, 0, 0, "s0"},
                                   {DimKind::kStatic, 4, 0, 0, 0, "4"}};
constexpr DimSpec kRows[] = {{DimKind::kLinear, 1, 0, 0, 0, "s0"}};
constexpr TensorSpec kInputs[] = {{"x", AOTC_C10_FLOAT32, 2, kRowsByFour}};
constexpr TensorSpec kOutputs[] = {{"y", AOTC_C10_FLOAT32, 2, kRowsByFour},
                                   {"row_sum", AOTC_C10_FLOAT32, 1, kRows}};
constexpr SymbolSpec kSymbols[] = {{"s0", 1, 64}};
constexpr ConstantSpec kConstants[] = {
    {"scale", "affine.scale", AOTC_C10_FLOAT32, 0, nullptr, 0, 4, false, 1},
    {"shift", "affine.shift", AOTC_C10_FLOAT32, 0, nullptr, 64, 4, false, 2},
};

constexpr const char* kInSpec =
    R"([1, {"type": "builtins.tuple", "context": "null", "children_spec": [{"type": "builtins.tuple", )"
    R"("context": "null", "children_spec": [{"type": null, "context": null, "children_spec": []}]}, )"
    R"({"type": "builtins.dict", "context": "[]", "children_spec": []}]}])";
constexpr const char* kOutSpec =
    R"([1, {"type": "builtins.tuple", "context": "null", "children_spec": [{"type": null, "context": null, )"
    R"("children_spec": []}, {"type": null, "context": null, "children_spec": []}]}])";

struct Rows {
  const float* x;
  float* y;
  float* sums;
  float scale;
  float shift;
};

void rows(int64_t begin, int64_t end, void* arg) {
  const Rows& r = *static_cast<const Rows*>(arg);
  for (int64_t i = begin; i < end; ++i) {
    float sum = 0;
    for (int j = 0; j < 4; ++j) {
      const float v = r.scale * r.x[i * 4 + j] + r.shift;
      r.y[i * 4 + j] = v;
      sum += v;
    }
    r.sums[i] = sum;
  }
}

uint64_t arena_bytes(const int64_t* symbols) {
  return static_cast<uint64_t>(symbols[0]) * sizeof(float);
}

int run(const RunContext* ctx, char* /*error*/, size_t /*error_size*/) {
  const auto* w = static_cast<const unsigned char*>(ctx->weights);
  Rows r{static_cast<const float*>(ctx->inputs[0]), static_cast<float*>(ctx->outputs[0]),
         static_cast<float*>(ctx->arena), 0, 0};
  std::memcpy(&r.scale, w + kConstants[0].offset, sizeof(float));
  std::memcpy(&r.shift, w + kConstants[1].offset, sizeof(float));
  const int64_t n = ctx->symbols[0];
  ctx->parallel_for(n, 2, rows, &r);
  std::memcpy(ctx->outputs[1], ctx->arena, static_cast<size_t>(n) * sizeof(float));
  return 0;
}

const ModelSpec kSpec{
    kModelRtVersion,
    "affine",
    AOTC_DEVICE_CPU,
    1,
    kInputs,
    2,
    kOutputs,
    1,
    kSymbols,
    2,
    kConstants,
    kInSpec,
    kOutSpec,
    "affine.weights.bin",
    128,
    nullptr,
    arena_bytes,
    nullptr,
    nullptr,
    run,
};

}  // namespace

const aotc_model::ModelSpec& aotc_generated_model_spec() {
  return kSpec;
}

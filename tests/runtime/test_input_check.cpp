// The model support library's input checks and output shapes
// (runtime/model/InputCheck.h), on a hand-made spec: every refusal names the
// input, the dimension, what was expected and what was found.
#include <catch2/catch.hpp>

#include <climits>
#include <vector>

#include "InputCheck.h"
#include "aotc/model_abi.h"
#include "aotc_model.h"

using namespace aotc_model;
using aotc_model::rt::TensorView;

namespace {

// x: float32 [s77, 4]; mask: bool [1, 1, s77, s77]; idx: int64 [2*s77 + 1, s1, s1 // 2]
constexpr DimSpec kX[] = {{DimKind::kLinear, 1, 0, 0, 0, "s77"},
                          {DimKind::kStatic, 4, 0, 0, 0, "4"}};
constexpr DimSpec kMask[] = {{DimKind::kStatic, 1, 0, 0, 0, "1"},
                             {DimKind::kStatic, 1, 0, 0, 0, "1"},
                             {DimKind::kLinear, 1, 0, 0, 0, "s77"},
                             {DimKind::kLinear, 1, 0, 0, 0, "s77"}};
constexpr DimSpec kIdx[] = {{DimKind::kLinear, 2, 0, 1, 0, "2*s77 + 1"},
                            {DimKind::kLinear, 1, 1, 0, 0, "s1"},
                            {DimKind::kExpr, 0, 0, 0, 0, "s1 // 2"}};
constexpr TensorSpec kInputs[] = {{"x", AOTC_C10_FLOAT32, 2, kX},
                                  {"mask", AOTC_C10_BOOL, 4, kMask},
                                  {"idx", AOTC_C10_INT64, 3, kIdx}};
constexpr DimSpec kOut[] = {{DimKind::kLinear, 3, 1, -2, 0, nullptr},
                            {DimKind::kExpr, 1, 0, 0, 1, "s77 - s1"}};
constexpr TensorSpec kOutputs[] = {{"out", AOTC_C10_FLOAT32, 2, kOut}};
constexpr SymbolSpec kSymbols[] = {{"s77", 1, 1024}, {"s1", 2, INT64_MAX}};

int64_t eval(int32_t e, const int64_t* s) {
  return e == 0 ? s[1] / 2 : s[0] - s[1];
}
int run(const RunContext*, char*, size_t) {
  return 0;
}

ModelSpec spec() {
  ModelSpec s{};
  s.rt_version = kModelRtVersion;
  s.model_name = "t";
  s.device_type = AOTC_DEVICE_CPU;
  s.num_inputs = 3;
  s.inputs = kInputs;
  s.num_outputs = 1;
  s.outputs = kOutputs;
  s.num_symbols = 2;
  s.symbols = kSymbols;
  s.eval_expr = eval;
  s.run = run;
  return s;
}

// A view over shapes held by the test.
struct Input {
  int32_t dtype;
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;  // empty: contiguous
  int32_t device_type = AOTC_DEVICE_CPU;
  int32_t device_index = 0;
};

std::vector<int64_t> contiguous(const std::vector<int64_t>& sizes) {
  std::vector<int64_t> st(sizes.size());
  int64_t step = 1;
  for (size_t d = sizes.size(); d-- > 0;) {
    st[d] = step;
    step *= sizes[d];
  }
  return st;
}

std::string check(const ModelSpec& s, std::vector<Input> inputs,
                  std::vector<int64_t>* symbols_out = nullptr,
                  int32_t device_type = AOTC_DEVICE_CPU, int32_t device_index = 0) {
  std::vector<TensorView> views;
  for (Input& in : inputs) {
    if (in.strides.empty()) in.strides = contiguous(in.sizes);
    views.push_back({in.dtype, in.device_type, in.device_index,
                     static_cast<int64_t>(in.sizes.size()), in.sizes.data(), in.strides.data()});
  }
  std::vector<int64_t> symbols(s.num_symbols, -1);
  std::string r = aotc_model::rt::check_inputs(s, views.data(), views.size(), device_type,
                                               device_index, symbols.data());
  if (symbols_out != nullptr) *symbols_out = symbols;
  return r;
}

Input x(int64_t n, int64_t k = 4) {
  return {AOTC_C10_FLOAT32, {n, k}};
}
Input mask(int64_t a, int64_t b) {
  return {AOTC_C10_BOOL, {1, 1, a, b}};
}
Input idx(int64_t a, int64_t b, int64_t c) {
  return {AOTC_C10_INT64, {a, b, c}};
}

}  // namespace

TEST_CASE("valid inputs solve every symbol") {
  std::vector<int64_t> symbols;
  CHECK(check(spec(), {x(8), mask(8, 8), idx(17, 6, 3)}, &symbols) == "");
  CHECK(symbols == std::vector<int64_t>{8, 6});
  CHECK(check(spec(), {x(1), mask(1, 1), idx(3, 2, 1)}) == "");  // the lower bounds
  CHECK(check(spec(), {x(1024), mask(1024, 1024), idx(2049, 1000001, 500000)}) ==
        "");  // unbounded s1
}

TEST_CASE("refusals name the input, the dimension, the expectation and the value") {
  const ModelSpec s = spec();
  CHECK(check(s, {{AOTC_C10_FLOAT64, {8, 4}}, mask(8, 8), idx(17, 6, 3)}) ==
        "input 0 'x': expected dtype float32, got float64");
  CHECK(check(s, {{AOTC_C10_FLOAT32, {8, 4}}, {AOTC_C10_BOOL, {1, 8, 8}}, idx(17, 6, 3)}) ==
        "input 1 'mask': expected 4 dimensions, got 3");
  CHECK(check(s, {x(2000), mask(8, 8), idx(17, 6, 3)}) ==
        "input 0 'x': dimension 0 is 2000, outside the range [1, 1024] of symbol s77");
  CHECK(check(s, {x(0), mask(8, 8), idx(17, 6, 3)}) ==
        "input 0 'x': dimension 0 is 0, outside the range [1, 1024] of symbol s77");
  CHECK(check(s, {x(8, 5), mask(8, 8), idx(17, 6, 3)}) ==
        "input 0 'x': dimension 1 is 5, expected 4");
  CHECK(check(s, {x(8), mask(4, 4), idx(17, 6, 3)}) ==
        "input 1 'mask': dimension 2 is 4 but symbol s77 is 8 from input 0 'x' dimension 0");
  CHECK(check(s, {x(8), mask(8, 8), idx(18, 6, 3)}) ==
        "input 2 'idx': dimension 0 is 18 but symbol s77 is 8 from input 0 'x' dimension 0, so "
        "2*s77 + 1 must be 17");
  CHECK(check(s, {x(8), mask(8, 8), idx(17, 1, 0)}) ==
        "input 2 'idx': dimension 1 is 1, outside the range [2, inf] of symbol s1");
  CHECK(check(s, {x(8), mask(8, 8), idx(17, 6, 4)}) ==
        "input 2 'idx': dimension 2 is 4, expected s1 // 2 = 3");
  CHECK(check(s, {x(8), mask(8, 8)}) == "expected 3 inputs, got 2");
  CHECK(check(s, {x(8), mask(8, 8), idx(17, 6, 3), x(8)}) == "expected 3 inputs, got 4");
}

TEST_CASE("devices are checked, with the index for CUDA models") {
  ModelSpec s = spec();
  Input on_gpu = x(8);
  on_gpu.device_type = AOTC_DEVICE_CUDA;
  CHECK(check(s, {on_gpu, mask(8, 8), idx(17, 6, 3)}) ==
        "input 0 'x': is on cuda:0, but the model runs on cpu");
  s.device_type = AOTC_DEVICE_CUDA;
  Input m = mask(8, 8), i = idx(17, 6, 3);
  for (Input* in : {&m, &i}) {
    in->device_type = AOTC_DEVICE_CUDA;
    in->device_index = 1;
  }
  CHECK(check(s, {on_gpu, m, i}, nullptr, AOTC_DEVICE_CUDA, 1) ==
        "input 0 'x': is on cuda:0, but the model runs on cuda:1");
  on_gpu.device_index = 1;
  CHECK(check(s, {on_gpu, m, i}, nullptr, AOTC_DEVICE_CUDA, 1) == "");
}

TEST_CASE("layout: dense row-major, size-1 strides and empty tensors excepted") {
  const ModelSpec s = spec();
  Input transposed = x(8);
  transposed.strides = {1, 8};
  CHECK(check(s, {transposed, mask(8, 8), idx(17, 6, 3)}) ==
        "input 0 'x': is not contiguous (sizes [8, 4], strides [1, 8], expected strides [4, 1]); "
        "pass a "
        "contiguous tensor (x.contiguous())");
  Input odd_unit_strides = mask(8, 8);
  odd_unit_strides.strides = {999, 7, 8, 1};  // the size-1 dimensions' strides do not matter
  CHECK(check(s, {x(8), odd_unit_strides, idx(17, 6, 3)}) == "");
  Input sliced = x(8);
  sliced.strides = {8, 1};  // every other row of a wider tensor
  CHECK_THAT(check(s, {sliced, mask(8, 8), idx(17, 6, 3)}),
             Catch::StartsWith("input 0 'x': is not contiguous"));

  // An empty tensor has no layout to check.
  static constexpr DimSpec kE[] = {{DimKind::kLinear, 1, 0, 0, 0, "s0"},
                                   {DimKind::kStatic, 3, 0, 0, 0, "3"}};
  static constexpr TensorSpec kEIn[] = {{"e", AOTC_C10_FLOAT32, 2, kE}};
  static constexpr SymbolSpec kESym[] = {{"s0", 0, 10}};
  ModelSpec es = spec();
  es.num_inputs = 1;
  es.inputs = kEIn;
  es.num_symbols = 1;
  es.symbols = kESym;
  es.num_outputs = 0;
  CHECK(check(es, {{AOTC_C10_FLOAT32, {0, 3}, {0, 0}}}) == "");
}

TEST_CASE("a derived dimension that no symbol value produces") {
  static constexpr DimSpec kD[] = {{DimKind::kLinear, 2, 0, 1, 0, nullptr}};
  static constexpr TensorSpec kIn[] = {{"idx", AOTC_C10_INT64, 1, kD}};
  static constexpr SymbolSpec kSym[] = {{"s0", 1, 64}};
  ModelSpec s = spec();
  s.num_inputs = 1;
  s.inputs = kIn;
  s.num_symbols = 1;
  s.symbols = kSym;
  s.num_outputs = 0;
  CHECK(check(s, {{AOTC_C10_INT64, {16}}}) ==
        "input 0 'idx': dimension 0 is 16, which is not 2*s0 + 1 for any integer s0");
  CHECK(check(s, {{AOTC_C10_INT64, {201}}}) ==
        "input 0 'idx': dimension 0 is 201 (2*s0 + 1 with s0 = 100), outside the range [1, 64] of "
        "symbol s0");
  std::vector<int64_t> symbols;
  CHECK(check(s, {{AOTC_C10_INT64, {129}}}, &symbols) == "");
  CHECK(symbols[0] == 64);
}

TEST_CASE("output shapes follow the output specs") {
  const ModelSpec s = spec();
  const int64_t symbols[] = {10, 4};
  int64_t sizes[2] = {};
  CHECK(aotc_model::rt::output_sizes(s, 0, symbols, sizes) == "");
  CHECK(sizes[0] == 3 * 4 - 2);
  CHECK(sizes[1] == 10 - 4);
  const int64_t bad[] = {2, 4};
  CHECK(aotc_model::rt::output_sizes(s, 0, bad, sizes) ==
        "output 0 'out': dimension 1 (s77 - s1) evaluates to -2 for these inputs");
  CHECK(aotc_model::rt::dim_text(s, kOut[0]) == "3*s1 - 2");
}

TEST_CASE("validate_spec catches generator bugs") {
  CHECK(aotc_model::rt::validate_spec(spec()) == "");
  ModelSpec s = spec();
  s.rt_version = kModelRtVersion + 1;
  CHECK_THAT(aotc_model::rt::validate_spec(s),
             Catch::Contains("generated for model support library version"));
  s = spec();
  s.num_inputs = 1;  // s1 now appears only in the output
  CHECK(aotc_model::rt::validate_spec(s) ==
        "symbol s1 is not a plain (linear) dimension of any input, so the inputs cannot determine "
        "it");
  s = spec();
  s.eval_expr = nullptr;
  CHECK_THAT(aotc_model::rt::validate_spec(s), Catch::Contains("no eval_expr"));
  s = spec();
  s.weights_size = 64;
  CHECK(aotc_model::rt::validate_spec(s) == "the model has weights but no weights file name");
}

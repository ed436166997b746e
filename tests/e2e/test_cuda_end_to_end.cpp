// On a GPU: every fixture compiled for CUDA runs through aotc's runtime on the
// device and matches PyTorch's stored outputs (float32 without TF32 <= 1e-4,
// bfloat16 <= 2e-2), and sizes across each dynamic range match the reference
// evaluator. Inputs and outputs also cross between host and device.
#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>

#include "CudaCompileSupport.h"
#include "E2eSupport.h"
#include "Npy.h"
#include "codegen/Compiler.h"
#include "eval/Evaluator.h"

using namespace aotc;
using namespace aotc::e2e;

namespace {

std::vector<std::filesystem::path> cases_of(const std::string& model) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(testing::fixture(model)))
    if (e.is_directory() && e.path().filename().string().starts_with("case_")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

void check_fixture(const std::string& model, double tolerance) {
  auto package = compiled_fixture(model, "cuda");
  aotc::Model m = aotc::Model::load(package.string());
  REQUIRE(m.target() == "cuda");
  const Graph& graph = fixture_graph(model);
  double worst = 0;
  for (const auto& dir : cases_of(model)) {
    std::vector<aotc::Tensor> inputs;
    for (size_t i = 0; i < graph.inputs().size(); ++i) {
      auto t = testing::read_npy(dir / ("input_" + std::to_string(i) + ".npy"));
      REQUIRE(t.has_value());
      // Device inputs (outputs come back on the device).
      inputs.push_back(to_runtime(t->to(graph.inputs()[i]->dtype())).to(aotc::Device::cuda(0)));
    }
    auto outputs = m.run(inputs);
    for (size_t j = 0; j < outputs.size(); ++j) {
      CHECK(outputs[j].device().is_cuda());
      auto ref = testing::read_npy(dir / ("output_" + std::to_string(j) + ".npy"));
      REQUIRE(ref.has_value());
      double err = testing::relative_error(to_host(outputs[j]), *ref);
      worst = std::max(worst, err);
      INFO(model << " " << dir.filename().string() << " output " << j << ": relative error " << err);
      CHECK(err <= tolerance);
    }
  }
  // Host inputs at sizes across the dynamic ranges, against the evaluator.
  uint32_t seed = 11;
  for (const SymbolValues& sizes : sizes_to_test(graph)) {
    auto inputs = random_inputs(graph, sizes, seed++);
    auto expected = evaluate(graph, inputs);
    if (!expected) FAIL(expected.error().message);
    std::vector<aotc::Tensor> rt;
    for (const auto& t : inputs) rt.push_back(to_runtime(t));
    auto outputs = m.run(rt);
    for (size_t j = 0; j < outputs.size(); ++j) {
      double err = testing::relative_error(to_host(outputs[j]), (*expected)[j]);
      worst = std::max(worst, err);
      std::string desc;
      for (const auto& [s, v] : sizes) desc += s + "=" + std::to_string(v) + " ";
      INFO(model << " at " << desc << "output " << j << ": relative error vs the evaluator " << err);
      CHECK(err <= tolerance);
    }
  }
  std::printf("gpu %-14s worst relative error %.3g (tolerance %.0e)\n", model.c_str(), worst, tolerance);
}

}  // namespace

TEST_CASE("gpu: mlp") { check_fixture("mlp", 1e-4); }
TEST_CASE("gpu: mlp_core_aten") { check_fixture("mlp_core_aten", 1e-4); }
TEST_CASE("gpu: silu_mlp_bf16") { check_fixture("silu_mlp_bf16", 2e-2); }
TEST_CASE("gpu: small_cnn") { check_fixture("small_cnn", 1e-4); }
TEST_CASE("gpu: gpt_block") { check_fixture("gpt_block", 1e-4); }
TEST_CASE("gpu: resnet18") { check_fixture("resnet18", 1e-4); }

TEST_CASE("gpu: a convolution with a symbolic batch, each tile size the run picks, against the evaluator") {
  // 64 channels in and out: K = 576. At n = 1 and 2 the run takes 64x32
  // tiles (M <= 512), at 16 and 64 64x64, at 200 and 256 64x64 with 8x4 per
  // thread (two waves of tiles on 132 SMs): aotc_launch.h.
  auto graph = dynamic_conv_graph(64, 64);
  codegen::CompileOptions o;
  o.target = "cuda";
  o.archs = {"sm_90"};
  const auto package = scratch_dir() / "dynamic_conv_gpu.pt2";
  auto r = codegen::compile_graph(*graph, package, o);
  if (!r) FAIL(r.error().message);
  aotc::Model m = aotc::Model::load(package.string());
  double worst = 0;
  uint32_t seed = 3;
  for (int64_t n : {1, 2, 16, 64, 200, 256}) {
    auto inputs = random_inputs(*graph, {{"n", n}}, seed++);
    auto expected = evaluate(*graph, inputs);
    if (!expected) FAIL(expected.error().message);
    auto outputs = m.run({to_runtime(inputs[0])});
    const double err = testing::relative_error(to_host(outputs[0]), (*expected)[0]);
    worst = std::max(worst, err);
    INFO("n = " << n << ": relative error vs the evaluator " << err);
    CHECK(err <= 1e-4);
  }
  std::printf("gpu %-14s worst relative error %.3g (tolerance %.0e)\n", "dynamic_conv", worst, 1e-4);
}

TEST_CASE("gpu: an input that is not 16-byte aligned is copied to aligned memory, not read misaligned") {
  // A view one float into a device buffer, as x[1:] of a flat tensor gives:
  // the generated kernels read inputs 16 bytes at a time (a misaligned read
  // is a sticky CUDA fault), so the runtime stages such inputs.
  for (const auto& [model, shape] : {std::pair<std::string, std::vector<int64_t>>{"gpt_block", {1, 16, 256}},
                                     std::pair<std::string, std::vector<int64_t>>{"mlp", {8, 10}}}) {
    INFO(model);
    aotc::Model m = aotc::Model::load(compiled_fixture(model, "cuda").string());
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<float> values(static_cast<size_t>(n) + 1);
    std::mt19937 rng(29);
    std::normal_distribution<float> normal;
    for (auto& v : values) v = normal(rng);
    const aotc::Tensor flat = aotc::Tensor::from_vector(values).to(aotc::Device::cuda(0));
    void* shifted = static_cast<float*>(flat.data()) + 1;
    REQUIRE(reinterpret_cast<uintptr_t>(shifted) % 16 != 0);
    const aotc::Tensor misaligned =
        aotc::Tensor::borrow(shifted, aotc::ScalarType::Float32, shape, {}, aotc::Device::cuda(0));
    const std::vector<float> tail(values.begin() + 1, values.end());
    const aotc::Tensor aligned = aotc::Tensor::from_vector(tail, shape).to(aotc::Device::cuda(0));
    const HostTensor want = to_host(m.run({aligned})[0]);
    for (int rep = 0; rep < 3; ++rep) {  // eager, then graph capture and replay
      INFO("run " << rep);
      CHECK(testing::relative_error(to_host(m.run({misaligned})[0]), want) == 0.0);
    }
    CHECK(testing::relative_error(to_host(m.run({aligned})[0]), want) == 0.0);  // the context is fine
  }
}

TEST_CASE("gpu: a layer norm folded into its linear, against the evaluator, rows far from zero included") {
  // 256 -> 768 (aligned: 16-byte copies) with weight and bias; 30 -> 40
  // (4-byte copies) without. m from 1 to 512 covers the three tile shapes
  // and split K. Rows at an offset of 100 over a spread of 1, and of 3 over
  // 0.01, would lose digits if the mean were taken out after the product
  // instead of from each A value before it.
  struct Shape {
    int64_t k, n;
    bool affine;
  };
  for (const Shape sh : {Shape{256, 768, true}, Shape{30, 40, false}}) {
    auto graph = layer_norm_linear_graph(sh.k, sh.n, sh.affine);
    codegen::CompileOptions o;
    o.target = "cuda";
    o.archs = {"sm_90"};
    const auto package = scratch_dir() / ("layer_norm_fold_" + std::to_string(sh.k) + ".pt2");
    auto r = codegen::compile_graph(*graph, package, o);
    if (!r) FAIL(r.error().message);
    REQUIRE(r->kernels == 1);
    aotc::Model m = aotc::Model::load(package.string());
    double worst = 0;
    uint32_t seed = 17;
    for (int64_t rows : {1, 2, 16, 77, 128, 129, 300, 512}) {
      for (const auto& [offset, spread] : {std::pair{0.0, 1.0}, std::pair{100.0, 1.0}, std::pair{3.0, 0.01}}) {
        HostTensor x = HostTensor::zeros(DType::Float32, {rows, sh.k});
        std::mt19937 rng(seed++);
        std::normal_distribution<double> normal;
        for (int64_t i = 0; i < x.numel(); ++i) x.set(i, offset + spread * normal(rng));
        const std::vector<HostTensor> inputs{x};
        auto expected = evaluate(*graph, inputs);
        if (!expected) FAIL(expected.error().message);
        auto outputs = m.run({to_runtime(x)});
        const double err = testing::relative_error(to_host(outputs[0]), (*expected)[0]);
        worst = std::max(worst, err);
        INFO("k " << sh.k << ", m " << rows << ", offset " << offset << ", spread " << spread << ": " << err);
        CHECK(err <= 1e-4);
      }
    }
    std::printf("gpu %-14s worst relative error %.3g (tolerance %.0e)\n",
                ("ln_fold_k" + std::to_string(sh.k)).c_str(), worst, 1e-4);
  }
}

TEST_CASE("gpu: float32 attention of head dims 64, 128 and 80, causal or not, against the evaluator") {
  // Head dims 64 and 128 take attention_simt_keys, 80 attention_simt; lengths
  // from under one key slice to several steps of every warp.
  struct Case {
    int64_t heads, kv_heads, e;
    bool causal;
    const char* kernel;
  };
  for (const Case c : {Case{4, 4, 64, true, "attention_simt_keys<AttnSimtKeysE64>"},
                       Case{8, 2, 64, false, "attention_simt_keys<AttnSimtKeysE64>"},
                       Case{2, 2, 128, true, "attention_simt_keys<AttnSimtKeysE128>"},
                       Case{4, 2, 128, false, "attention_simt_keys<AttnSimtKeysE128>"},
                       Case{2, 2, 80, true, "attention_simt<AttnSimt<80, 96>>"}}) {
    auto graph = attention_graph(c.heads, c.kv_heads, c.e, c.causal);
    codegen::CompileOptions o;
    o.target = "cuda";
    o.archs = {"sm_90"};
    const std::string name = "attention_h" + std::to_string(c.heads) + "_kv" + std::to_string(c.kv_heads) + "_e" +
                             std::to_string(c.e) + (c.causal ? "_causal" : "_full");
    const auto package = scratch_dir() / (name + ".pt2");
    auto r = codegen::compile_graph(*graph, package, o);
    if (!r) FAIL(r.error().message);
    REQUIRE(r->kernels == 1);
    CHECK(kernels_of(package)["scaled_dot_product_attention"]["kernel"] == c.kernel);
    aotc::Model m = aotc::Model::load(package.string());
    double worst = 0;
    uint32_t seed = 31;
    for (int64_t l : {1, 7, 16, 17, 100, 257, 600}) {
      std::vector<HostTensor> inputs;
      for (int64_t h : {c.heads, c.kv_heads, c.kv_heads}) {
        HostTensor t = HostTensor::zeros(DType::Float32, {1, h, l, c.e});
        std::mt19937 rng(seed++);
        std::normal_distribution<double> normal;
        for (int64_t i = 0; i < t.numel(); ++i) t.set(i, normal(rng));
        inputs.push_back(std::move(t));
      }
      auto expected = evaluate(*graph, inputs);
      if (!expected) FAIL(expected.error().message);
      auto outputs = m.run({to_runtime(inputs[0]), to_runtime(inputs[1]), to_runtime(inputs[2])});
      const double err = testing::relative_error(to_host(outputs[0]), (*expected)[0]);
      worst = std::max(worst, err);
      INFO(name << ", l " << l << ": " << err);
      CHECK(err <= 1e-4);
    }
    std::printf("gpu %-28s worst relative error %.3g (tolerance %.0e)\n", name.c_str(), worst, 1e-4);
  }
}

TEST_CASE("gpu: float32 linears with K split inside the block, at every size the heuristic tells apart") {
  // M symbolic: 16x32 tiles with K split between two thread groups up to
  // M = 128 and where 64x64 tiles would leave SMs idle, 32x64 tiles with K
  // split in the block, or 64x64 tiles, picked at run time by M (N 768 and
  // 256, K 256 and 1024: gpt_block's qkv and second MLP linear).
  struct Case {
    int64_t n, k;
  };
  for (const Case c : {Case{768, 256}, Case{256, 1024}, Case{256, 256}}) {
    auto graph = linear_graph(0, c.n, c.k);
    codegen::CompileOptions o;
    o.target = "cuda";
    o.archs = {"sm_90"};
    const std::string name = "linear_n" + std::to_string(c.n) + "_k" + std::to_string(c.k);
    const auto package = scratch_dir() / (name + ".pt2");
    auto r = codegen::compile_graph(*graph, package, o);
    if (!r) FAIL(r.error().message);
    CHECK(kernels_of(package)["linear"]["kernel"] ==
          "gemm_simt_linear<SimtLinearNarrowK> | gemm_simt_linear<SimtLinearWideSplit> | "
          "gemm_simt_linear<SimtLinearMedium>");
    aotc::Model m = aotc::Model::load(package.string());
    double worst = 0;
    uint32_t seed = 57;
    for (int64_t rows : {1, 16, 77, 128, 129, 200, 333, 512, 1024}) {
      HostTensor x = HostTensor::zeros(DType::Float32, {rows, c.k});
      std::mt19937 rng(seed++);
      std::normal_distribution<double> normal;
      for (int64_t i = 0; i < x.numel(); ++i) x.set(i, normal(rng));
      const std::vector<HostTensor> inputs{x};
      auto expected = evaluate(*graph, inputs);
      if (!expected) FAIL(expected.error().message);
      auto outputs = m.run({to_runtime(inputs[0])});
      const double err = testing::relative_error(to_host(outputs[0]), (*expected)[0]);
      worst = std::max(worst, err);
      INFO(name << ", m " << rows << ": " << err);
      CHECK(err <= 1e-5);
    }
    std::printf("gpu %-28s worst relative error %.3g (tolerance %.0e)\n", name.c_str(), worst, 1e-5);
  }
}

namespace {

// CUDA graph replay gives the same results as kernel-by-kernel launches, on
// repeated runs (replays), after a change of sizes (a new capture) and back.
void check_graphs(const std::string& model, const std::vector<std::vector<int64_t>>& shapes,
                  aotc::LoadOptions::CudaGraphs mode) {
  auto package = compiled_fixture(model, "cuda");
  aotc::LoadOptions eager;
  eager.cuda_graphs = aotc::LoadOptions::CudaGraphs::kNever;
  aotc::Model plain = aotc::Model::load(package.string(), eager);
  aotc::LoadOptions o;
  o.cuda_graphs = mode;
  aotc::Model graphs = aotc::Model::load(package.string(), o);
  const Graph& graph = fixture_graph(model);
  uint32_t seed = 101;
  for (int round = 0; round < 2; ++round) {
    for (const auto& shape : shapes) {
      HostTensor h = HostTensor::zeros(graph.inputs()[0]->dtype(), shape);
      std::mt19937 rng(seed++);
      std::normal_distribution<double> normal;
      for (int64_t k = 0; k < h.numel(); ++k) h.set(k, normal(rng));
      aotc::Tensor x = to_runtime(h).to(aotc::Device::cuda(0));
      auto want = plain.run({x});
      for (int rep = 0; rep < 3; ++rep) {
        auto got = graphs.run({x});
        for (size_t j = 0; j < got.size(); ++j) {
          double err = testing::relative_error(to_host(got[j]), to_host(want[j]));
          INFO(model << " round " << round << " rep " << rep << " output " << j);
          CHECK(err == 0.0);
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("gpu: CUDA graph replay (gpt_block, dynamic sequence)") {
  check_graphs("gpt_block", {{1, 16, 256}, {1, 77, 256}}, aotc::LoadOptions::CudaGraphs::kAlways);
  check_graphs("gpt_block", {{1, 16, 256}, {1, 77, 256}}, aotc::LoadOptions::CudaGraphs::kAuto);
}
TEST_CASE("gpu: CUDA graph replay (small_cnn)") {
  check_graphs("small_cnn", {{2, 3, 32, 32}, {5, 3, 32, 32}}, aotc::LoadOptions::CudaGraphs::kAlways);
  check_graphs("small_cnn", {{2, 3, 32, 32}, {5, 3, 32, 32}}, aotc::LoadOptions::CudaGraphs::kAuto);
}


namespace {

// Overwrites a device tensor in place (the runtime only copies into new
// tensors), through the driver on device 0's primary context.
void copy_to_device(const aotc::Tensor& dst, const aotc::Tensor& src) {
  using Init = int (*)(unsigned);
  using Retain = int (*)(void**, int);
  using Release = int (*)(int);
  using Push = int (*)(void*);
  using Pop = int (*)(void**);
  using HtoD = int (*)(unsigned long long, const void*, size_t);
  static void* lib = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  REQUIRE(lib != nullptr);
  auto sym = [](const char* name) {
    void* f = ::dlsym(lib, name);
    REQUIRE(f != nullptr);
    return f;
  };
  REQUIRE(src.nbytes() == dst.nbytes());
  REQUIRE(reinterpret_cast<Init>(sym("cuInit"))(0) == 0);
  void* ctx = nullptr;
  REQUIRE(reinterpret_cast<Retain>(sym("cuDevicePrimaryCtxRetain"))(&ctx, 0) == 0);
  REQUIRE(reinterpret_cast<Push>(sym("cuCtxPushCurrent_v2"))(ctx) == 0);
  const int rc = reinterpret_cast<HtoD>(sym("cuMemcpyHtoD_v2"))(
      reinterpret_cast<unsigned long long>(dst.data()), src.data(), src.nbytes());
  void* popped = nullptr;
  reinterpret_cast<Pop>(sym("cuCtxPopCurrent_v2"))(&popped);
  reinterpret_cast<Release>(sym("cuDevicePrimaryCtxRelease_v2"))(0);
  REQUIRE(rc == 0);
}

}  // namespace

TEST_CASE("gpu: automatic CUDA graphs read the input's current contents when they replay") {
  // The same input buffer, refilled before each run: once auto mode replays
  // (from the third run of this key), a graph that kept stale data or
  // addresses would give the previous run's result.
  auto package = compiled_fixture("mlp", "cuda");
  aotc::LoadOptions eager;
  eager.cuda_graphs = aotc::LoadOptions::CudaGraphs::kNever;
  aotc::Model plain = aotc::Model::load(package.string(), eager);
  aotc::Model automatic = aotc::Model::load(package.string());
  const Graph& graph = fixture_graph("mlp");
  aotc::Tensor x = aotc::Tensor::empty(aotc::ScalarType::Float32, {8, 10}, aotc::Device::cuda(0));
  std::optional<HostTensor> previous;
  for (uint32_t round = 0; round < 6; ++round) {
    HostTensor h = HostTensor::zeros(graph.inputs()[0]->dtype(), {8, 10});
    std::mt19937 rng(700 + round);
    std::normal_distribution<double> normal;
    for (int64_t k = 0; k < h.numel(); ++k) h.set(k, normal(rng));
    copy_to_device(x, to_runtime(h));
    auto want = to_host(plain.run({x})[0]);
    auto got = to_host(automatic.run({x})[0]);
    INFO("round " << round);
    CHECK(testing::relative_error(got, want) == 0.0);
    if (previous) CHECK(testing::relative_error(got, *previous) > 0.0);
    previous = std::move(got);
  }
}

TEST_CASE("gpu: programmatic dependent launch gives exactly what one-after-another launches give") {
  // On sm_90 each kernel may start while the one before it runs and waits
  // for it on the GPU; a kernel that touched memory before its wait would
  // race. AOTC_PDL=0 (read at load) launches the plain way. Bitwise equal:
  // the kernels are deterministic, split-K sums included.
  const std::vector<std::pair<std::string, std::vector<std::vector<int64_t>>>> models = {
      {"gpt_block", {{1, 16, 256}, {1, 77, 256}, {1, 512, 256}}},
      {"small_cnn", {{2, 3, 32, 32}, {5, 3, 32, 32}}},
      {"resnet18", {{2, 3, 224, 224}}}};
  for (const auto& [model, shapes] : models) {
    auto package = compiled_fixture(model, "cuda");
    aotc::LoadOptions eager;
    eager.cuda_graphs = aotc::LoadOptions::CudaGraphs::kNever;
    ::setenv("AOTC_PDL", "0", 1);
    aotc::Model plain = aotc::Model::load(package.string(), eager);
    ::unsetenv("AOTC_PDL");
    for (auto mode : {aotc::LoadOptions::CudaGraphs::kNever, aotc::LoadOptions::CudaGraphs::kAuto}) {
      aotc::LoadOptions o;
      o.cuda_graphs = mode;
      aotc::Model pdl = aotc::Model::load(package.string(), o);
      const Graph& graph = fixture_graph(model);
      uint32_t seed = 301;
      for (const auto& shape : shapes) {
        HostTensor h = HostTensor::zeros(graph.inputs()[0]->dtype(), shape);
        std::mt19937 rng(seed++);
        std::normal_distribution<double> normal;
        for (int64_t k = 0; k < h.numel(); ++k) h.set(k, normal(rng));
        // One device input, refilled before each run: a kernel that read
        // before its wait would see the previous run's intermediates.
        aotc::Tensor x = to_runtime(h).to(aotc::Device::cuda(0));
        for (int rep = 0; rep < 4; ++rep) {
          for (int64_t k = 0; k < h.numel(); ++k) h.set(k, normal(rng));
          copy_to_device(x, to_runtime(h));
          auto want = plain.run({x});
          auto got = pdl.run({x});
          for (size_t j = 0; j < got.size(); ++j) {
            INFO(model << " shape " << shape[0] << "x" << shape[1] << " rep " << rep << " graphs "
                       << (mode == aotc::LoadOptions::CudaGraphs::kAuto));
            CHECK(testing::relative_error(to_host(got[j]), to_host(want[j])) == 0.0);
          }
        }
      }
    }
  }
}

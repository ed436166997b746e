// End-to-end test support (see E2eSupport.h).
#include "E2eSupport.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>

#include <catch2/catch.hpp>

#include "Npy.h"
#include "codegen/Compiler.h"
#include "codegen/Tuning.h"
#include "frontend/Importer.h"
#include "ir/ShapeInference.h"

namespace aotc::e2e {

const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "aotc-e2e-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    std::filesystem::path p = ::mkdtemp(buf.data());
    ::setenv("AOTC_CACHE_DIR", (p / "cache").c_str(), 1);
    return p;
  }();
  return dir;
}

std::filesystem::path compiled_fixture(const std::string& model, const std::string& target) {
  static std::mutex mu;
  static std::map<std::string, std::filesystem::path> done;
  std::lock_guard<std::mutex> lock(mu);
  std::string key = model + "." + target;
  if (auto it = done.find(key); it != done.end()) return it->second;
  std::filesystem::path out = scratch_dir() / (key + ".pt2");
  codegen::CompileOptions o;
  o.target = target;
  // The GPU session runs these tests again with a cache that sends every
  // GEMM to cuBLASLt (scripts/gpu/session.sh, stage lt).
  if (const char* cache = std::getenv("AOTC_E2E_TUNING_CACHE"); cache != nullptr && *cache != '\0' && target == "cuda") {
    auto loaded = codegen::TuningCache::load(cache);
    if (!loaded) FAIL("AOTC_E2E_TUNING_CACHE: " << loaded.error().message);
    o.tuning = std::make_shared<codegen::TuningCache>(std::move(*loaded));
  }
  auto r = codegen::compile_package(testing::fixture(model + "/model.pt2"), out, o);
  if (!r) FAIL("compiling " << model << " for " << target << ": " << r.error().message);
  done[key] = out;
  return out;
}

const Graph& fixture_graph(const std::string& model) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Graph>> graphs;
  std::lock_guard<std::mutex> lock(mu);
  auto& g = graphs[model];
  if (!g) {
    auto program = load_program(testing::fixture(model + "/model.pt2"));
    if (!program) FAIL(program.error().message);
    auto graph = import_program(*program);
    if (!graph) FAIL(graph.error().message);
    g = std::move(*graph);
  }
  return *g;
}

namespace {

aotc::ScalarType runtime_type(DType t) { return static_cast<aotc::ScalarType>(c10_code(t)); }

}  // namespace

HostTensor to_host(const aotc::Tensor& t) {
  aotc::Tensor c = t.device().is_cuda() || !t.is_contiguous() ? t.to(aotc::Device::cpu()) : t;
  auto d = dtype_from_c10(static_cast<int32_t>(c.dtype()));
  REQUIRE(d.has_value());
  return HostTensor::from_bytes(*d, c.sizes(), c.data());
}

aotc::Tensor to_runtime(const HostTensor& t) {
  aotc::Tensor r = aotc::Tensor::empty(runtime_type(t.dtype()), t.shape());
  if (t.nbytes()) std::memcpy(r.data(), t.data(), t.nbytes());
  return r;
}

std::vector<HostTensor> random_inputs(const Graph& graph, const SymbolValues& symbols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<HostTensor> out;
  for (const Value* in : graph.inputs()) {
    std::vector<int64_t> shape;
    for (const auto& d : in->shape()) {
      auto v = d.evaluate(symbols);
      REQUIRE(v.has_value());
      shape.push_back(*v);
    }
    HostTensor t = HostTensor::zeros(in->dtype(), shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.set(i, normal(rng));
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<SymbolValues> sizes_to_test(const Graph& graph) {
  std::vector<SymbolValues> out;
  if (graph.symbols().empty()) return out;
  for (int which = 0; which < 3; ++which) {
    SymbolValues v;
    for (const auto& [name, range] : graph.symbols()) {
      int64_t lo = range.min.value_or(1), hi = range.max.value_or(lo + 64);
      lo = std::max<int64_t>(lo, 1);
      v[name] = which == 0 ? lo : which == 1 ? hi : lo + (hi - lo) * 2 / 5 + 1;
    }
    out.push_back(v);
  }
  return out;
}

std::unique_ptr<Graph> dynamic_conv_graph(int64_t in_c, int64_t out_c) {
  auto g = std::make_unique<Graph>();
  g->add_symbol("n", {1, 256});
  Value* x = g->add_input("x", {DType::Float32, {SymExpr::symbol("n"), SymExpr(in_c), SymExpr(12), SymExpr(12)}});
  HostTensor w = HostTensor::zeros(DType::Float32, {out_c, in_c, 3, 3});
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> d(-0.2, 0.2);
  for (int64_t i = 0; i < w.numel(); ++i) w.set(i, d(rng));
  HostTensor b = HostTensor::zeros(DType::Float32, {out_c});
  for (int64_t i = 0; i < b.numel(); ++i) b.set(i, d(rng));
  Value* wv = g->add_constant("w", "conv.weight", std::move(w));
  Value* bv = g->add_constant("b", "conv.bias", std::move(b));
  auto conv = build_node(*g, OpId::Convolution, {x, wv, bv},
                         {{"stride", std::vector<int64_t>{1, 1}}, {"padding", std::vector<int64_t>{1, 1}},
                          {"dilation", std::vector<int64_t>{1, 1}}, {"output_padding", std::vector<int64_t>{0, 0}}});
  if (!conv) FAIL(conv.error().message);
  auto relu = build_node(*g, OpId::Relu, {(*conv)->result()}, {});
  if (!relu) FAIL(relu.error().message);
  g->add_output((*relu)->result());
  return g;
}

std::unique_ptr<Graph> layer_norm_linear_graph(int64_t k, int64_t n, bool affine, NormReaders readers) {
  auto g = std::make_unique<Graph>();
  g->add_symbol("m", {1, 512});
  Value* x = g->add_input("x", {DType::Float32, {SymExpr::symbol("m"), SymExpr(k)}});
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> d(-0.3, 0.3);
  auto random = [&](std::vector<int64_t> shape, double base) {
    HostTensor t = HostTensor::zeros(DType::Float32, std::move(shape));
    for (int64_t i = 0; i < t.numel(); ++i) t.set(i, base + d(rng));
    return t;
  };
  Value* gamma = affine ? g->add_constant("ln_w", "ln.weight", random({k}, 1.0)) : nullptr;
  Value* beta = affine ? g->add_constant("ln_b", "ln.bias", random({k}, 0.0)) : nullptr;
  auto ln = build_node(*g, OpId::LayerNorm, {x, gamma, beta}, {{"normalized_ndim", int64_t{1}}, {"eps", 1e-5}});
  if (!ln) FAIL(ln.error().message);
  auto linear = [&](const std::string& name) {
    Value* w = g->add_constant(name + "_w", name + ".weight", random({n, k}, 0.0));
    Value* b = g->add_constant(name + "_b", name + ".bias", random({n}, 0.0));
    auto l = build_node(*g, OpId::Linear, {(*ln)->result(), w, b}, {});
    if (!l) FAIL(l.error().message);
    g->add_output((*l)->result());
  };
  linear("fc");
  if (readers == NormReaders::kAlsoSecondLinear) linear("fc2");
  if (readers == NormReaders::kAlsoOutput) g->add_output((*ln)->result());
  return g;
}

std::unique_ptr<Graph> attention_graph(int64_t heads, int64_t kv_heads, int64_t e, bool causal) {
  auto g = std::make_unique<Graph>();
  g->add_symbol("l", {1, 1024});
  const SymExpr l = SymExpr::symbol("l");
  Value* q = g->add_input("q", {DType::Float32, {SymExpr(1), SymExpr(heads), l, SymExpr(e)}});
  Value* k = g->add_input("k", {DType::Float32, {SymExpr(1), SymExpr(kv_heads), l, SymExpr(e)}});
  Value* v = g->add_input("v", {DType::Float32, {SymExpr(1), SymExpr(kv_heads), l, SymExpr(e)}});
  auto a = build_node(*g, OpId::Sdpa, {q, k, v, nullptr}, {{"is_causal", causal}, {"enable_gqa", kv_heads != heads}});
  if (!a) FAIL(a.error().message);
  g->add_output((*a)->result());
  return g;
}

std::unique_ptr<Graph> linear_graph(int64_t m, int64_t n, int64_t k) {
  auto g = std::make_unique<Graph>();
  SymExpr rows(m);
  if (m == 0) {
    g->add_symbol("m", {1, 1024});
    rows = SymExpr::symbol("m");
  }
  Value* x = g->add_input("x", {DType::Float32, {rows, SymExpr(k)}});
  std::mt19937 rng(7);
  std::normal_distribution<double> d(0.0, 1.0 / std::sqrt(static_cast<double>(k)));
  auto random = [&](std::vector<int64_t> shape) {
    HostTensor t = HostTensor::zeros(DType::Float32, std::move(shape));
    for (int64_t i = 0; i < t.numel(); ++i) t.set(i, d(rng));
    return t;
  };
  Value* w = g->add_constant("fc_w", "fc.weight", random({n, k}));
  Value* b = g->add_constant("fc_b", "fc.bias", random({n}));
  auto l = build_node(*g, OpId::Linear, {x, w, b}, {});
  if (!l) FAIL(l.error().message);
  g->add_output((*l)->result());
  return g;
}

}  // namespace aotc::e2e

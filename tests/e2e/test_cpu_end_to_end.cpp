// Every fixture compiled for the CPU target, loaded by aotc's runtime and run:
// each stored case matches PyTorch (relative error <= 1e-4 float32, 2e-2
// bfloat16), and sizes across each dynamic range (both ends and a middle value)
// match the reference evaluator.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <thread>

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
  auto package = compiled_fixture(model);
  aotc::Model m = aotc::Model::load(package.string());
  const Graph& graph = fixture_graph(model);
  for (const auto& dir : cases_of(model)) {
    std::vector<aotc::Tensor> inputs;
    for (size_t i = 0; i < graph.inputs().size(); ++i) {
      auto t = testing::read_npy(dir / ("input_" + std::to_string(i) + ".npy"));
      REQUIRE(t.has_value());
      inputs.push_back(to_runtime(t->to(graph.inputs()[i]->dtype())));
    }
    auto outputs = m.run(inputs);
    REQUIRE(outputs.size() == graph.outputs().size());
    for (size_t j = 0; j < outputs.size(); ++j) {
      auto ref = testing::read_npy(dir / ("output_" + std::to_string(j) + ".npy"));
      REQUIRE(ref.has_value());
      HostTensor got = to_host(outputs[j]);
      REQUIRE(got.shape() == ref->shape());
      double err = testing::relative_error(got, *ref);
      INFO(model << " " << dir.filename().string() << " output " << j << ": relative error " << err);
      CHECK(err <= tolerance);
    }
  }
  // Other sizes in the dynamic ranges, against the reference evaluator.
  uint32_t seed = 7;
  for (const SymbolValues& sizes : sizes_to_test(graph)) {
    auto inputs = random_inputs(graph, sizes, seed++);
    auto expected = evaluate(graph, inputs);
    if (!expected) FAIL(expected.error().message);
    std::vector<aotc::Tensor> rt;
    for (const auto& t : inputs) rt.push_back(to_runtime(t));
    auto outputs = m.run(rt);
    for (size_t j = 0; j < outputs.size(); ++j) {
      double err = testing::relative_error(to_host(outputs[j]), (*expected)[j]);
      std::string desc;
      for (const auto& [s, v] : sizes) desc += s + "=" + std::to_string(v) + " ";
      INFO(model << " at " << desc << "output " << j << ": relative error vs the evaluator " << err);
      CHECK(err <= tolerance);
    }
  }
}

}  // namespace

TEST_CASE("cpu: mlp") { check_fixture("mlp", 1e-4); }
TEST_CASE("cpu: mlp_core_aten") { check_fixture("mlp_core_aten", 1e-4); }
TEST_CASE("cpu: silu_mlp_bf16") { check_fixture("silu_mlp_bf16", 2e-2); }
TEST_CASE("cpu: small_cnn") { check_fixture("small_cnn", 1e-4); }
TEST_CASE("cpu: gpt_block") { check_fixture("gpt_block", 1e-4); }
TEST_CASE("cpu: resnet18") { check_fixture("resnet18", 1e-4); }

TEST_CASE("cpu: one loaded model serves concurrent callers") {
  aotc::Model m = aotc::Model::load(compiled_fixture("gpt_block").string());
  const Graph& graph = fixture_graph("gpt_block");
  std::vector<std::thread> threads;
  std::vector<double> errors(6, 1.0);
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      SymbolValues sizes{{"s27", 5 + 40 * t}};
      auto inputs = random_inputs(graph, sizes, 100 + static_cast<uint32_t>(t));
      auto expected = evaluate(graph, inputs);
      std::vector<aotc::Tensor> rt;
      for (const auto& x : inputs) rt.push_back(to_runtime(x));
      for (int rep = 0; rep < 3; ++rep) {
        auto out = m.run(rt);
        errors[static_cast<size_t>(t)] = std::max(rep == 0 ? 0.0 : errors[static_cast<size_t>(t)],
                                                  testing::relative_error(to_host(out[0]), (*expected)[0]));
      }
    });
  }
  for (auto& th : threads) th.join();
  for (double e : errors) CHECK(e <= 1e-4);
}

TEST_CASE("cpu: compiling the same model twice gives a byte-identical package") {
  auto first = compiled_fixture("small_cnn");
  // Same file name (the package's root folder is named after it), another folder.
  std::filesystem::create_directories(scratch_dir() / "again");
  auto second = scratch_dir() / "again" / first.filename();
  // No cache: the host compiler itself must be deterministic too.
  const char* saved = std::getenv("AOTC_CACHE_DIR");
  std::string saved_value = saved ? saved : "";
  ::setenv("AOTC_CACHE_DIR", "off", 1);
  auto r = codegen::compile_package(testing::fixture("small_cnn/model.pt2"), second, {});
  ::setenv("AOTC_CACHE_DIR", saved_value.c_str(), 1);
  REQUIRE(r.has_value());
  CHECK_FALSE(r->cache_hit);
  auto read = [](const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  };
  std::string a = read(first), b = read(second);
  CHECK(a.size() == b.size());
  bool identical = a == b;
  CHECK(identical);
}

TEST_CASE("cpu: an unchanged model recompiles from the cache") {
  compiled_fixture("mlp");
  auto again = scratch_dir() / "mlp.cached.pt2";
  auto r = codegen::compile_package(testing::fixture("mlp/model.pt2"), again, {});
  REQUIRE(r.has_value());
  CHECK(r->cache_hit);
}

TEST_CASE("cpu: inputs are checked on every call, naming input and dimension") {
  aotc::Model m = aotc::Model::load(compiled_fixture("mlp").string());
  auto expect_error = [&](const std::vector<aotc::Tensor>& in, const std::string& fragment) {
    try {
      m.run(in);
      FAIL("the call was not refused; expected: " << fragment);
    } catch (const aotc::RuntimeError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(fragment) != std::string::npos);
    }
  };
  auto f32 = [](std::vector<int64_t> shape) { return aotc::Tensor::empty(aotc::ScalarType::Float32, shape); };
  expect_error({f32({2000, 10})}, "outside the range [1, 1024] of symbol s77");
  expect_error({f32({4, 11})}, "dimension 1");
  expect_error({f32({4})}, "expected 2 dimensions");
  expect_error({aotc::Tensor::empty(aotc::ScalarType::Float64, {4, 10})}, "expected dtype float32");
  expect_error({}, "input");
}

// On a GPU: every fixture compiled for CUDA runs through aotc's runtime on the
// device and matches PyTorch's stored outputs (float32 without TF32 <= 1e-4,
// bfloat16 <= 2e-2), and sizes across each dynamic range match the reference
// evaluator. Inputs and outputs also cross between host and device.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>

#include "E2eSupport.h"
#include "Npy.h"
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

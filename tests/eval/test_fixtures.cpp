// Every case of every shared fixture through the reference evaluator matches
// PyTorch's stored outputs: relative error <= 1e-5 (float32), <= 1e-2 (bfloat16).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>

#include "Npy.h"
#include "eval/Evaluator.h"
#include "frontend/Importer.h"

using namespace aotc;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> cases_of(const std::string& model) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(testing::fixture(model)))
    if (e.is_directory() && e.path().filename().string().starts_with("case_")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

void check_fixture(const std::string& model, double tolerance) {
  auto program = load_program(testing::fixture(model + "/model.pt2"));
  REQUIRE(program.has_value());
  auto graph = import_program(*program);
  if (!graph) FAIL(graph.error().message);
  auto cases = cases_of(model);
  REQUIRE(!cases.empty());
  for (const auto& dir : cases) {
    std::vector<HostTensor> inputs;
    for (size_t i = 0; i < (*graph)->inputs().size(); ++i) {
      auto t = testing::read_npy(dir / ("input_" + std::to_string(i) + ".npy"));
      REQUIRE(t.has_value());
      inputs.push_back(t->to((*graph)->inputs()[i]->dtype()));
    }
    auto start = std::chrono::steady_clock::now();
    auto outputs = evaluate(**graph, inputs);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!outputs) FAIL(outputs.error().message);
    for (size_t j = 0; j < outputs->size(); ++j) {
      auto ref = testing::read_npy(dir / ("output_" + std::to_string(j) + ".npy"));
      REQUIRE(ref.has_value());
      REQUIRE((*outputs)[j].shape() == ref->shape());
      double err = testing::relative_error((*outputs)[j], *ref);
      INFO(model << " " << dir.filename().string() << " output " << j << ": relative error " << err << " ("
                 << seconds << " s)");
      CHECK(err <= tolerance);
    }
  }
}

}  // namespace

TEST_CASE("fixture mlp matches PyTorch") { check_fixture("mlp", 1e-5); }
TEST_CASE("fixture mlp_core_aten matches PyTorch") { check_fixture("mlp_core_aten", 1e-5); }
TEST_CASE("fixture silu_mlp_bf16 matches PyTorch") { check_fixture("silu_mlp_bf16", 1e-2); }
TEST_CASE("fixture small_cnn matches PyTorch") { check_fixture("small_cnn", 1e-5); }
TEST_CASE("fixture gpt_block matches PyTorch") { check_fixture("gpt_block", 1e-5); }
TEST_CASE("fixture resnet18 matches PyTorch") { check_fixture("resnet18", 1e-5); }

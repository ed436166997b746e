// Every shared fixture imports into a verified graph whose signature matches info.json.
#include <catch2/catch.hpp>

#include <filesystem>

#include "frontend/Importer.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

using namespace aotc;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<Graph> import_fixture(const std::string& name, const std::string& file = "model.pt2") {
  auto program = load_program(fs::path(AOTC_FIXTURES_DIR) / name / file,
                              file == "model.json" ? std::optional<fs::path>(fs::path(AOTC_FIXTURES_DIR) / name / "model.pt2")
                                                   : std::nullopt);
  if (!program) FAIL(program.error().message);
  auto graph = import_program(*program);
  if (!graph) FAIL(graph.error().message);
  REQUIRE(verify(**graph));
  return std::move(*graph);
}

size_t count(const Graph& g, OpId op) {
  size_t n = 0;
  for (const auto& node : g.nodes()) n += node->op() == op;
  return n;
}

}  // namespace

TEST_CASE("mlp imports with its dynamic batch") {
  auto g = import_fixture("mlp");
  REQUIRE(g->inputs().size() == 1);
  CHECK(g->inputs()[0]->type().to_string() == "float32[s77, 10]");
  CHECK(g->symbols().at("s77") == SymbolRange{1, 1024});
  REQUIRE(g->outputs().size() == 1);
  CHECK(g->outputs()[0]->type().to_string() == "float32[s77, 1]");
  CHECK(count(*g, OpId::Linear) == 2);
  CHECK(count(*g, OpId::Constant) == 4);
  CHECK_FALSE(g->in_spec.empty());
}

TEST_CASE("the same program from model.json with --weights gives the same graph") {
  auto a = import_fixture("mlp");
  auto b = import_fixture("mlp", "model.json");
  CHECK(print_graph(*a) == print_graph(*b));
}

TEST_CASE("mlp_core_aten: addmm decomposes onto matmul + add") {
  auto g = import_fixture("mlp_core_aten");
  CHECK(count(*g, OpId::Matmul) == 2);
  CHECK(count(*g, OpId::Permute) == 2);
  CHECK(g->outputs()[0]->type().to_string() == "float32[s77, 1]");
}

TEST_CASE("silu_mlp_bf16 keeps bfloat16") {
  auto g = import_fixture("silu_mlp_bf16");
  CHECK(g->inputs()[0]->type().to_string() == "bfloat16[s77, 128]");
  CHECK(g->outputs()[0]->type().to_string() == "bfloat16[s77, 128]");
  CHECK(count(*g, OpId::Silu) == 1);
}

TEST_CASE("small_cnn: conv, batch norm, pools, log_softmax") {
  auto g = import_fixture("small_cnn");
  CHECK(g->inputs()[0]->type().to_string() == "float32[s77, 3, 32, 32]");
  CHECK(count(*g, OpId::Convolution) == 2);
  CHECK(count(*g, OpId::BatchNorm) == 2);
  CHECK(count(*g, OpId::MaxPool) == 1);
  CHECK(count(*g, OpId::AdaptiveAvgPool) == 1);
  CHECK(count(*g, OpId::LogSoftmax) == 1);
  CHECK(g->outputs()[0]->type().to_string() == "float32[s77, 10]");
}

TEST_CASE("gpt_block: symbolic sequence length through split, view and attention") {
  auto g = import_fixture("gpt_block");
  CHECK(g->inputs()[0]->type().to_string() == "float32[1, s27, 256]");
  CHECK(g->symbols().at("s27") == SymbolRange{2, 512});
  CHECK(count(*g, OpId::Sdpa) == 1);
  CHECK(count(*g, OpId::LayerNorm) == 2);
  CHECK(count(*g, OpId::Slice) == 3);  // split into q, k, v
  CHECK(g->outputs()[0]->type().to_string() == "float32[1, s27, 256]");
}

TEST_CASE("resnet18: in-place relu_ and add_ are functionalized") {
  auto g = import_fixture("resnet18");
  CHECK(count(*g, OpId::Convolution) == 20);
  CHECK(count(*g, OpId::Relu) == 17);
  CHECK(count(*g, OpId::Add) == 8);
  CHECK(g->outputs()[0]->type().to_string() == "float32[2, 1000]");
}

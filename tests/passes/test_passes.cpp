// Graph passes: each pass on small graphs (what it rewrites and what it leaves
// alone), and the whole pipeline checked for equivalence on the fixtures with
// the reference evaluator.
#include <catch2/catch.hpp>

#include <random>

#include "Npy.h"
#include "eval/Evaluator.h"
#include "frontend/Importer.h"
#include "ir/Printer.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"
#include "passes/EliminateDeadCode.h"
#include "passes/FoldBatchNorm.h"
#include "passes/FoldConstants.h"
#include "passes/Pipeline.h"
#include "passes/SimplifyViews.h"

using namespace aotc;

namespace {

Node* must(Expected<Node*> n) {
  if (!n) FAIL(n.error().message);
  return *n;
}

HostTensor random_tensor(DType t, std::vector<int64_t> shape, uint32_t seed, double lo = -1, double hi = 1) {
  HostTensor x = HostTensor::zeros(t, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  for (int64_t i = 0; i < x.numel(); ++i) x.set(i, d(rng));
  return x;
}

size_t count(const Graph& g, OpId op) {
  size_t n = 0;
  for (const auto& node : g.nodes()) n += node->op() == op;
  return n;
}

std::vector<HostTensor> run(const Graph& g, const std::vector<HostTensor>& in) {
  auto out = evaluate(g, in);
  if (!out) FAIL(out.error().message);
  return *out;
}

}  // namespace

TEST_CASE("dead code: unused nodes go, inputs and outputs stay") {
  Graph g;
  Value* x = g.add_input("x", {DType::Float32, {SymExpr(4)}});
  Value* unused_in = g.add_input("y", {DType::Float32, {SymExpr(4)}});
  Node* a = must(build_node(g, OpId::Relu, {x}, {}));
  must(build_node(g, OpId::Exp, {a->result()}, {}));  // dead
  g.add_constant("w", "w", HostTensor::zeros(DType::Float32, {4}));  // dead
  g.add_output(a->result());
  auto changed = eliminate_dead_code(g);
  REQUIRE(changed);
  CHECK(*changed);
  CHECK(g.num_nodes() == 3);  // x, y, relu
  CHECK(g.inputs().size() == 2);
  (void)unused_in;
  auto again = eliminate_dead_code(g);
  CHECK_FALSE(*again);  // does not change a clean graph
  REQUIRE(verify(g));
}

TEST_CASE("view simplification collapses chains and drops identities") {
  Graph g;
  Value* x = g.add_input("x", {DType::Float32, {SymExpr(2), SymExpr(3), SymExpr(4)}});
  Node* r1 = must(build_node(g, OpId::Reshape, {x}, {{"shape", std::vector<SymExpr>{SymExpr(6), SymExpr(4)}}}));
  Node* r2 = must(build_node(g, OpId::Reshape, {r1->result()}, {{"shape", std::vector<SymExpr>{SymExpr(24)}}}));
  Node* p1 = must(build_node(g, OpId::Permute, {x}, {{"dims", std::vector<int64_t>{2, 0, 1}}}));
  Node* p2 = must(build_node(g, OpId::Permute, {p1->result()}, {{"dims", std::vector<int64_t>{1, 2, 0}}}));  // identity overall
  Node* c = must(build_node(g, OpId::Cast, {x}, {}, DType::Float32));
  Node* sum = must(build_node(g, OpId::Add, {p2->result(), c->result()}, {}));
  g.add_output(r2->result());
  g.add_output(sum->result());
  std::vector<HostTensor> in = {random_tensor(DType::Float32, {2, 3, 4}, 1)};
  auto before = run(g, in);
  REQUIRE(*simplify_views(g));
  REQUIRE(*eliminate_dead_code(g));
  REQUIRE(verify(g));
  CHECK(count(g, OpId::Reshape) == 1);
  CHECK(count(g, OpId::Permute) == 0);
  CHECK(count(g, OpId::Cast) == 0);
  auto after = run(g, in);
  for (size_t i = 0; i < before.size(); ++i) CHECK(testing::relative_error(after[i], before[i]) == 0.0);
  CHECK_FALSE(*simplify_views(g));  // nothing left to do
}

TEST_CASE("batch norm folds into the preceding convolution") {
  Graph g;
  g.add_symbol("n", {1, 8});
  SymExpr n = SymExpr::symbol("n");
  Value* x = g.add_input("x", {DType::Float32, {n, SymExpr(3), SymExpr(8), SymExpr(8)}});
  Value* w = g.add_constant("w", "conv.weight", random_tensor(DType::Float32, {4, 3, 3, 3}, 2));
  Value* b = g.add_constant("b", "conv.bias", random_tensor(DType::Float32, {4}, 3));
  Node* conv = must(build_node(g, OpId::Convolution, {x, w, b},
                               {{"stride", std::vector<int64_t>{1, 1}}, {"padding", std::vector<int64_t>{1, 1}},
                                {"dilation", std::vector<int64_t>{1, 1}}, {"output_padding", std::vector<int64_t>{0, 0}}}));
  Value* gamma = g.add_constant("g", "bn.weight", random_tensor(DType::Float32, {4}, 4, 0.5, 1.5));
  Value* beta = g.add_constant("be", "bn.bias", random_tensor(DType::Float32, {4}, 5));
  Value* mean = g.add_constant("m", "bn.running_mean", random_tensor(DType::Float32, {4}, 6));
  Value* var = g.add_constant("v", "bn.running_var", random_tensor(DType::Float32, {4}, 7, 0.5, 2.0));
  Node* bn = must(build_node(g, OpId::BatchNorm, {conv->result(), gamma, beta, mean, var}, {{"eps", 1e-5}}));
  Node* relu = must(build_node(g, OpId::Relu, {bn->result()}, {}));
  g.add_output(relu->result());
  std::vector<HostTensor> in = {random_tensor(DType::Float32, {2, 3, 8, 8}, 8)};
  auto before = run(g, in);
  REQUIRE(*fold_batch_norm(g));
  REQUIRE(*eliminate_dead_code(g));
  REQUIRE(verify(g));
  CHECK(count(g, OpId::BatchNorm) == 0);
  CHECK(count(g, OpId::Convolution) == 1);
  CHECK(count(g, OpId::Constant) == 2);  // folded weight and bias only
  auto after = run(g, in);
  CHECK(testing::relative_error(after[0], before[0]) < 1e-6);
  CHECK_FALSE(*fold_batch_norm(g));
}

TEST_CASE("a batch norm without a foldable producer becomes scale and shift") {
  Graph g;
  Value* x = g.add_input("x", {DType::Float32, {SymExpr(2), SymExpr(4), SymExpr(5)}});
  Value* mean = g.add_constant("m", "bn.running_mean", random_tensor(DType::Float32, {4}, 1));
  Value* var = g.add_constant("v", "bn.running_var", random_tensor(DType::Float32, {4}, 2, 0.5, 2.0));
  Node* bn = must(build_node(g, OpId::BatchNorm, {x, nullptr, nullptr, mean, var}, {{"eps", 1e-3}}));
  g.add_output(bn->result());
  std::vector<HostTensor> in = {random_tensor(DType::Float32, {2, 4, 5}, 3)};
  auto before = run(g, in);
  REQUIRE(*fold_batch_norm(g));
  REQUIRE(*eliminate_dead_code(g));
  REQUIRE(verify(g));
  CHECK(count(g, OpId::BatchNorm) == 0);
  CHECK(count(g, OpId::Mul) == 1);
  CHECK(count(g, OpId::Add) == 1);
  CHECK(testing::relative_error(run(g, in)[0], before[0]) < 1e-6);
}

TEST_CASE("constant folding moves weight layout changes to compile time") {
  Graph g;
  g.add_symbol("s", {1, 16});
  Value* x = g.add_input("x", {DType::Float32, {SymExpr::symbol("s"), SymExpr(5)}});
  Value* w = g.add_constant("w", "fc.weight", random_tensor(DType::Float32, {3, 5}, 1));
  Node* t = must(build_node(g, OpId::Permute, {w}, {{"dims", std::vector<int64_t>{1, 0}}}));
  Node* mm = must(build_node(g, OpId::Matmul, {x, t->result()}, {}));
  Node* ex = must(build_node(g, OpId::Exp, {x}, {}));  // not constant: stays
  g.add_output(mm->result());
  g.add_output(ex->result());
  std::vector<HostTensor> in = {random_tensor(DType::Float32, {4, 5}, 2)};
  auto before = run(g, in);
  REQUIRE(*fold_constants(g));
  REQUIRE(*eliminate_dead_code(g));
  REQUIRE(verify(g));
  CHECK(count(g, OpId::Permute) == 0);
  CHECK(count(g, OpId::Exp) == 1);
  auto after = run(g, in);
  for (size_t i = 0; i < 2; ++i) CHECK(testing::relative_error(after[i], before[i]) == 0.0);
  CHECK_FALSE(*fold_constants(g));
}

TEST_CASE("constant folding leaves broadcasts of small constants alone") {
  Graph g;
  Value* w = g.add_constant("w", "w", random_tensor(DType::Float32, {1}, 1));
  Node* e = must(build_node(g, OpId::Expand, {w}, {{"shape", std::vector<SymExpr>{SymExpr(4096), SymExpr(1)}}}));
  g.add_output(e->result());
  CHECK_FALSE(*fold_constants(g));
}

namespace {

void check_pipeline_equivalence(const std::string& model, double tolerance) {
  auto program = load_program(testing::fixture(model + "/model.pt2"));
  REQUIRE(program.has_value());
  auto graph = import_program(*program);
  REQUIRE(graph.has_value());
  std::vector<HostTensor> in;
  for (size_t i = 0; i < (*graph)->inputs().size(); ++i) {
    auto t = testing::read_npy(testing::fixture(model + "/case_0/input_" + std::to_string(i) + ".npy"));
    REQUIRE(t.has_value());
    in.push_back(t->to((*graph)->inputs()[i]->dtype()));
  }
  auto before = run(**graph, in);
  auto records = run_pipeline(**graph);
  if (!records) FAIL(records.error().message);
  auto after = run(**graph, in);
  for (size_t i = 0; i < before.size(); ++i) {
    double err = testing::relative_error(after[i], before[i]);
    INFO(model << " output " << i << " differs by " << err << " after the pipeline");
    CHECK(err <= tolerance);
  }
}

}  // namespace

TEST_CASE("the pipeline preserves every fixture's function") {
  check_pipeline_equivalence("mlp", 1e-6);
  check_pipeline_equivalence("mlp_core_aten", 1e-6);
  check_pipeline_equivalence("silu_mlp_bf16", 1e-2);
  check_pipeline_equivalence("small_cnn", 1e-5);
  check_pipeline_equivalence("gpt_block", 1e-6);
}

TEST_CASE("resnet18 after the pipeline: batch norms folded, same function") {
  auto program = load_program(testing::fixture("resnet18/model.pt2"));
  REQUIRE(program.has_value());
  auto graph = import_program(*program);
  REQUIRE(graph.has_value());
  REQUIRE(run_pipeline(**graph).has_value());
  CHECK(count(**graph, OpId::BatchNorm) == 0);
  CHECK(count(**graph, OpId::Convolution) == 20);
  check_pipeline_equivalence("resnet18", 1e-5);
}

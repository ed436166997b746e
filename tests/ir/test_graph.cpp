// Graph construction, use lists, rewrites, shape inference, printing, verification.
#include <catch2/catch.hpp>

#include "ir/Graph.h"
#include "ir/Printer.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"

using namespace aotc;

namespace {

TensorType f32(Shape s) { return TensorType{DType::Float32, std::move(s)}; }

Node* must(Expected<Node*> n) {
  if (!n) FAIL(n.error().message);
  return *n;
}

}  // namespace

TEST_CASE("build, infer, print and verify a small graph") {
  Graph g("mlp");
  g.add_symbol("s0", {1, 1024});
  SymExpr s0 = SymExpr::symbol("s0");
  Value* x = g.add_input("x", f32({s0, 10}));
  Value* w = g.add_constant("w", "fc.weight", HostTensor::zeros(DType::Float32, {16, 10}));
  Value* b = g.add_constant("b", "fc.bias", HostTensor::zeros(DType::Float32, {16}));
  Node* lin = must(build_node(g, OpId::Linear, {x, w, b}, {}));
  CHECK(lin->result()->type() == f32({s0, 16}));
  Node* relu = must(build_node(g, OpId::Relu, {lin->result()}, {}));
  Node* sum = must(build_node(g, OpId::Sum, {relu->result()}, {{"dims", std::vector<int64_t>{1}}}));
  g.add_output(sum->result());
  REQUIRE(verify(g));
  CHECK(print_graph(g) ==
        "graph mlp {\n"
        "  symbol s0 in [1, 1024]\n"
        "  %x: float32[s0, 10] = input()\n"
        "  %w: float32[16, 10] = constant() {fqn=\"fc.weight\"}\n"
        "  %b: float32[16] = constant() {fqn=\"fc.bias\"}\n"
        "  %linear: float32[s0, 16] = linear(%x, %w, %b)\n"
        "  %relu: float32[s0, 16] = relu(%linear)\n"
        "  %sum: float32[s0] = sum(%relu) {dims=[1]}\n"
        "  return %sum\n"
        "}\n");

  // Rewrite: replace relu by sigmoid, then erase relu.
  Node* sig = must(build_node(g, OpId::Sigmoid, {lin->result()}, {}, std::nullopt, "", sum));
  relu->result()->replace_all_uses_with(sig->result());
  CHECK_FALSE(relu->result()->has_uses());
  g.erase(relu);
  CHECK(sum->operand(0) == sig->result());
  CHECK(lin->result()->uses().size() == 1);
  REQUIRE(verify(g));
}

TEST_CASE("output uses are tracked through replace_all_uses_with") {
  Graph g;
  Value* x = g.add_input("x", f32({4}));
  Node* a = must(build_node(g, OpId::Neg, {x}, {}));
  Node* b = must(build_node(g, OpId::Abs, {x}, {}));
  g.add_output(a->result());
  g.add_output(a->result());
  CHECK(a->result()->is_output());
  a->result()->replace_all_uses_with(b->result());
  CHECK(g.outputs()[0] == b->result());
  CHECK(g.outputs()[1] == b->result());
  CHECK_FALSE(a->result()->has_uses());
  g.erase(a);
  REQUIRE(verify(g));
}

TEST_CASE("shape inference errors name the op and the problem") {
  Graph g;
  Value* a = g.add_input("a", f32({3, 4}));
  Value* b = g.add_input("b", f32({5, 6}));
  auto mm = build_node(g, OpId::Matmul, {a, b}, {});
  REQUIRE_FALSE(mm.has_value());
  CHECK(mm.error().message.find("inner dimensions differ: 4 vs 5") != std::string::npos);
  auto add = build_node(g, OpId::Add, {a, b}, {});
  REQUIRE_FALSE(add.has_value());
  CHECK(add.error().message.find("cannot broadcast") != std::string::npos);
  CHECK(g.num_nodes() == 2);  // failed builds leave nothing behind
}

TEST_CASE("elementwise promotion and predicates") {
  Graph g;
  Value* i = g.add_input("i", TensorType{DType::Int32, {SymExpr(3)}});
  Value* half = must(build_node(g, OpId::Scalar, {}, {{"value", Scalar::from_float(0.5)}}, DType::Float64))->result();
  Node* mul = must(build_node(g, OpId::Mul, {i, half}, {}));
  CHECK(mul->result()->dtype() == DType::Float32);
  Node* lt = must(build_node(g, OpId::Lt, {i, half}, {}));
  CHECK(lt->result()->dtype() == DType::Bool);
  CHECK(elementwise_compute_type(*lt) == DType::Float32);
  Node* ex = must(build_node(g, OpId::Exp, {i}, {}));
  CHECK(ex->result()->dtype() == DType::Float32);
  REQUIRE(verify(g));
}

TEST_CASE("conv and pool shapes with a dynamic batch") {
  Graph g;
  g.add_symbol("n", {1, 64});
  SymExpr n = SymExpr::symbol("n");
  Value* x = g.add_input("x", f32({n, 3, 32, 32}));
  Value* w = g.add_constant("w", "w", HostTensor::zeros(DType::Float32, {16, 3, 3, 3}));
  Node* conv = must(build_node(g, OpId::Convolution, {x, w, nullptr},
                               {{"stride", std::vector<int64_t>{2, 2}},
                                {"padding", std::vector<int64_t>{1, 1}},
                                {"dilation", std::vector<int64_t>{1, 1}},
                                {"output_padding", std::vector<int64_t>{0, 0}}}));
  CHECK(conv->result()->type() == f32({n, 16, 16, 16}));
  Node* pool = must(build_node(g, OpId::MaxPool, {conv->result()},
                               {{"kernel_size", std::vector<int64_t>{3, 3}},
                                {"stride", std::vector<int64_t>{2, 2}},
                                {"padding", std::vector<int64_t>{1, 1}},
                                {"dilation", std::vector<int64_t>{1, 1}}}));
  CHECK(pool->result()->type() == f32({n, 16, 8, 8}));
  REQUIRE(verify(g));
}

TEST_CASE("verifier catches a wrong recorded type") {
  Graph g;
  Value* x = g.add_input("x", f32({4}));
  Node* n = g.create(OpId::Neg, {x}, {}, {f32({5})});
  g.add_output(n->result());
  auto st = verify(g);
  REQUIRE_FALSE(st);
  CHECK(st.error().message.find("has type float32[5], its op gives float32[4]") != std::string::npos);
}

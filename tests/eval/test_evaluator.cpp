// The evaluator's driver: binding symbols from input shapes (and its error
// messages), evaluate_node's operand checks, and a whole small model with a
// dynamic batch against PyTorch's outputs.
#include "eval_test_util.h"
#include "torch_reference.h"

using namespace aotc;
using namespace aotc::eval_test;

namespace {

Node* must(Expected<Node*> n) {
  if (!n) FAIL(n.error().message);
  return *n;
}

std::string bind_error(const Graph& g, std::vector<HostTensor> inputs) {
  auto r = bind_symbols(g, inputs);
  REQUIRE_FALSE(r.has_value());
  return r.error().message;
}

}  // namespace

TEST_CASE("bind_symbols solves bare and linear symbols and checks the rest") {
  Graph g;
  g.add_symbol("s0", {1, 1024});
  g.add_symbol("s1", {2, 16});
  const SymExpr s0 = SymExpr::symbol("s0"), s1 = SymExpr::symbol("s1");
  g.add_input("x", TensorType{DType::Float32, {s0, 4}});
  g.add_input("y", TensorType{DType::Float32, {2 * s1 + 1, s0}});
  g.add_input("z", TensorType{DType::Int64, {s0 * s1}});
  std::vector<HostTensor> ok = {HostTensor::zeros(DType::Float32, {3, 4}),
                                HostTensor::zeros(DType::Float32, {9, 3}),
                                HostTensor::zeros(DType::Int64, {12})};
  auto values = bind_symbols(g, ok);
  REQUIRE(values);
  CHECK(values->at("s0") == 3);
  CHECK(values->at("s1") == 4);

  SECTION("input count") {
    CHECK(bind_error(g, {ok[0]}) == "graph 'model' takes 3 input(s), got 1");
  }
  SECTION("dtype") {
    CHECK(bind_error(g, {HostTensor::zeros(DType::Float64, {3, 4}), ok[1], ok[2]}) ==
          "input 0 'x': dtype is float64, expected float32");
  }
  SECTION("rank") {
    CHECK(bind_error(g, {HostTensor::zeros(DType::Float32, {3}), ok[1], ok[2]}) ==
          "input 0 'x': has 1 dimension(s) [3], expected 2 ([s0, 4])");
  }
  SECTION("static dimension") {
    CHECK(bind_error(g, {HostTensor::zeros(DType::Float32, {3, 5}), ok[1], ok[2]}) ==
          "input 0 'x': dimension 1 is 5, expected 4");
  }
  SECTION("range of a bare symbol") {
    CHECK(bind_error(g, {HostTensor::zeros(DType::Float32, {2000, 4}), ok[1], ok[2]}) ==
          "input 0 'x': dimension 0 is 2000, outside the range [1, 1024] of symbol s0");
  }
  SECTION("range of a linear symbol") {
    CHECK(bind_error(g, {ok[0], HostTensor::zeros(DType::Float32, {3, 3}), ok[2]}) ==
          "input 1 'y': dimension 0 is 3 (= 2*s1 + 1 with s1 = 1), outside the range [2, 16] of "
          "symbol s1");
  }
  SECTION("not of the linear form") {
    CHECK(bind_error(g, {ok[0], HostTensor::zeros(DType::Float32, {10, 3}), ok[2]}) ==
          "input 1 'y': dimension 0 is 10, which is not of the form 2*s1 + 1");
  }
  SECTION("inconsistent across inputs") {
    CHECK(bind_error(g, {ok[0], HostTensor::zeros(DType::Float32, {9, 5}), ok[2]}) ==
          "input 1 'y': dimension 1 is 5, which makes symbol s0 = 5, but input 0 'x' dimension 0 "
          "made it 3");
  }
  SECTION("a product of symbols is checked once they are bound") {
    CHECK(bind_error(g, {ok[0], ok[1], HostTensor::zeros(DType::Int64, {13})}) ==
          "input 2 'z': dimension 0 is 13, expected s0*s1 = 12");
  }
}

TEST_CASE("a symbol no input dimension binds is an error, not a guess") {
  Graph g;
  g.add_symbol("s0", {1, 8});
  g.add_symbol("s1", {1, 8});
  const SymExpr s0 = SymExpr::symbol("s0"), s1 = SymExpr::symbol("s1");
  g.add_input("x", TensorType{DType::Float32, {s0 * s1}});
  std::string msg = bind_error(g, {HostTensor::zeros(DType::Float32, {4})});
  CHECK(msg.find("input 0 'x': dimension 0 is 4") != std::string::npos);
  CHECK(msg.find("not bound") != std::string::npos);
}

TEST_CASE("evaluate_node checks its operands and names the node") {
  Graph g;
  Value* a = g.add_input("a", TensorType{DType::Float32, {2, 3}});
  Value* b = g.add_input("b", TensorType{DType::Float32, {3}});
  Node* add = must(build_node(g, OpId::Add, {a, b}, {}, std::nullopt, "my_add"));
  const HostTensor ta = HostTensor::zeros(DType::Float32, {2, 3});
  const HostTensor tb = HostTensor::zeros(DType::Float32, {4});
  std::vector<const HostTensor*> ops = {&ta, &tb};
  auto r = evaluate_node(*add, ops, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().message ==
        "add (node 'my_add'): operand 1 'other' has shape [4], the graph says [3] = [3]");

  const HostTensor tc = HostTensor::zeros(DType::Int32, {3});
  ops = {&ta, &tc};
  r = evaluate_node(*add, ops, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().message ==
        "add (node 'my_add'): operand 1 'other' has dtype int32, the graph says float32");

  ops = {&ta};
  r = evaluate_node(*add, ops, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("got 1 operands") != std::string::npos);

  auto in = evaluate_node(*a->node(), {}, {});
  REQUIRE_FALSE(in);
  CHECK(in.error().message.find("input (node 'a')") != std::string::npos);

  const HostTensor good = tensor(DType::Float32, {3}, {1, 2, 3});
  ops = {&ta, &good};
  r = evaluate_node(*add, ops, {});
  REQUIRE(r);
  check_close(*r, {2, 3}, {1, 2, 3, 1, 2, 3});
}

TEST_CASE("evaluate_node needs every symbol of a symbolic shape") {
  Graph g;
  g.add_symbol("s0", {1, 8});
  Value* x = g.add_input("x", TensorType{DType::Float32, {SymExpr::symbol("s0")}});
  Node* neg = must(build_node(g, OpId::Neg, {x}, {}));
  const HostTensor t = HostTensor::zeros(DType::Float32, {3});
  std::vector<const HostTensor*> ops = {&t};
  auto r = evaluate_node(*neg, ops, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("s0, which are not bound") != std::string::npos);
  auto ok = evaluate_node(*neg, ops, {{"s0", 3}});
  REQUIRE(ok);
}

TEST_CASE("a Linear-ReLU-Linear-Sigmoid model with a dynamic batch matches PyTorch") {
  Graph g("mlp");
  g.add_symbol("s77", {1, 1024});
  const SymExpr batch = SymExpr::symbol("s77");
  Value* x = g.add_input("x", TensorType{DType::Float64, {batch, 6}});
  Value* w1 = g.add_constant("w1", "fc1.weight", det({8, 6}, 71));
  Value* b1 = g.add_constant("b1", "fc1.bias", det({8}, 72));
  Value* w2 = g.add_constant("w2", "fc2.weight", det({3, 8}, 73));
  Value* b2 = g.add_constant("b2", "fc2.bias", det({3}, 74));
  Node* l1 = must(build_node(g, OpId::Linear, {x, w1, b1}, {}));
  Node* relu = must(build_node(g, OpId::Relu, {l1->result()}, {}));
  Node* l2 = must(build_node(g, OpId::Linear, {relu->result(), w2, b2}, {}));
  Node* sig = must(build_node(g, OpId::Sigmoid, {l2->result()}, {}));
  g.add_output(sig->result());
  g.add_output(l1->result());  // an intermediate output stays alive
  REQUIRE(verify(g));
  for (auto [n, want] : {std::pair{int64_t{1}, &torch_ref::mlp_batch1},
                         std::pair{int64_t{5}, &torch_ref::mlp_batch5}}) {
    std::vector<HostTensor> inputs = {det({n, 6}, 70)};
    auto out = evaluate(g, inputs);
    REQUIRE(out);
    REQUIRE(out->size() == 2);
    check_close((*out)[0], {n, 3}, *want);
    CHECK((*out)[1].shape() == ints({n, 8}));
  }
  std::vector<HostTensor> too_big = {det({1025, 6}, 70)};
  auto err = evaluate(g, too_big);
  REQUIRE_FALSE(err);
  CHECK(err.error().message ==
        "input 0 'x': dimension 0 is 1025, outside the range [1, 1024] of symbol s77");
}

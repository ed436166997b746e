// Views, data movement and source ops of the reference evaluator, by hand and
// against PyTorch's values (torch_reference.h).
#include "eval_test_util.h"
#include "torch_reference.h"

using namespace aotc;
using namespace aotc::eval_test;

namespace {

// 0, 1, 2, ... in `dtype`.
HostTensor iota(DType dtype, std::vector<int64_t> shape) {
  HostTensor t = HostTensor::zeros(dtype, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.set_int(i, i);
  return t;
}

Node* must(Expected<Node*> n) {
  if (!n) FAIL(n.error().message);
  return *n;
}

}  // namespace

TEST_CASE("reshape, permute, expand") {
  const HostTensor x = iota(DType::Int32, {2, 3});
  HostTensor r = run_op(OpId::Reshape, {x}, {{"shape", syms({3, 1, 2})}});
  CHECK(r.shape() == ints({3, 1, 2}));
  CHECK(ints_of(r) == ints({0, 1, 2, 3, 4, 5}));
  CHECK(ints_of(run_op(OpId::Permute, {x}, {{"dims", ints({1, 0})}})) == ints({0, 3, 1, 4, 2, 5}));
  check_close(run_op(OpId::Permute, {det({2, 3, 4}, 62)}, {{"dims", ints({2, 0, 1})}}), {4, 2, 3},
              torch_ref::permute_201, 0, 0);
  HostTensor e = run_op(OpId::Expand, {iota(DType::Int64, {3, 1})}, {{"shape", syms({2, 3, 2})}});
  CHECK(e.shape() == ints({2, 3, 2}));
  CHECK(ints_of(e) == ints({0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2}));
}

TEST_CASE("slice and select, with symbolic bounds") {
  const HostTensor x = iota(DType::Float32, {10});
  HostTensor s = run_op(
      OpId::Slice, {x},
      {{"dim", int64_t{0}}, {"start", SymExpr(2)}, {"end", SymExpr(9)}, {"step", int64_t{3}}});
  check_close(s, {3}, {2, 5, 8});
  const HostTensor m = iota(DType::Int64, {2, 3});
  CHECK(ints_of(run_op(OpId::Select, {m}, {{"dim", int64_t{1}}, {"index", SymExpr(2)}})) ==
        ints({2, 5}));
  CHECK(ints_of(run_op(OpId::Select, {m}, {{"dim", int64_t{0}}, {"index", SymExpr(1)}})) ==
        ints({3, 4, 5}));

  // x[:, 1 : s0 - 1] on x: [2, s0], evaluated at s0 = 5; then reshape to [2 * (s0 - 2)].
  Graph g;
  g.add_symbol("s0", {3, 100});
  const SymExpr s0 = SymExpr::symbol("s0");
  Value* in = g.add_input("x", TensorType{DType::Int64, {2, s0}});
  Node* sl = must(build_node(g, OpId::Slice, {in},
                             {{"dim", int64_t{1}}, {"start", SymExpr(1)}, {"end", s0 - 1}}));
  Node* rs = must(build_node(g, OpId::Reshape, {sl->result()},
                             {{"shape", std::vector<SymExpr>{2 * (s0 - 2)}}}));
  g.add_output(rs->result());
  REQUIRE(verify(g));
  std::vector<HostTensor> inputs = {iota(DType::Int64, {2, 5})};
  auto out = evaluate(g, inputs);
  REQUIRE(out);
  CHECK((*out)[0].shape() == ints({6}));
  CHECK(ints_of((*out)[0]) == ints({1, 2, 3, 6, 7, 8}));
}

TEST_CASE("cat promotes and concatenates") {
  const HostTensor a = itensor(DType::Int32, {2, 1}, {1, 2});
  const HostTensor b = tensor(DType::Float32, {2, 2}, {0.5, 1.5, 2.5, 3.5});
  HostTensor c = run_op(OpId::Cat, {a, b}, {{"dim", int64_t{1}}});
  CHECK(c.dtype() == DType::Float32);
  check_close(c, {2, 3}, {1, 0.5, 1.5, 2, 2.5, 3.5});
  HostTensor d = run_op(OpId::Cat, {iota(DType::Int64, {1, 2}), iota(DType::Int64, {2, 2})},
                        {{"dim", int64_t{0}}});
  CHECK(ints_of(d) == ints({0, 1, 0, 1, 2, 3}));
}

TEST_CASE("constant_pad: last dim first, negative pads crop") {
  const HostTensor x = tensor(DType::Float32, {4}, {1, 2, 3, 4});
  check_close(
      run_op(OpId::ConstantPad, {x}, {{"pad", syms({-1, 2})}, {"value", Scalar::from_int(9)}}), {5},
      {2, 3, 4, 9, 9});
  check_close(run_op(OpId::ConstantPad, {det({2, 3, 4}, 62)},
                     {{"pad", syms({1, -1, -1, 2})}, {"value", Scalar::from_float(0.5)}}),
              {2, 4, 4}, torch_ref::pad_mixed, 0, 0);
  HostTensor i =
      run_op(OpId::ConstantPad, {iota(DType::Int64, {1, 2})}, {{"pad", syms({0, 0, 1, 0})}});
  CHECK(i.shape() == ints({2, 2}));
  CHECK(ints_of(i) == ints({0, 0, 0, 1}));
}

TEST_CASE("embedding, index_select, gather") {
  const HostTensor w = tensor(DType::Float32, {4, 2}, {0, 1, 10, 11, 20, 21, 30, 31});
  const HostTensor idx = itensor(DType::Int64, {2, 2}, {3, 0, 1, 3});
  check_close(run_op(OpId::Embedding, {w, idx}), {2, 2, 2}, {30, 31, 0, 1, 10, 11, 30, 31});
  CHECK(run_op_error(OpId::Embedding, {w, itensor(DType::Int64, {1}, {4})})
            .find("index 4 is out of range for size 4") != std::string::npos);

  const HostTensor x = iota(DType::Int32, {3, 2});
  CHECK(ints_of(run_op(OpId::IndexSelect, {x, itensor(DType::Int32, {3}, {2, 0, 2})},
                       {{"dim", int64_t{0}}})) == ints({4, 5, 0, 1, 4, 5}));
  HostTensor cols =
      run_op(OpId::IndexSelect, {x, itensor(DType::Int64, {}, {1})}, {{"dim", int64_t{1}}});
  CHECK(cols.shape() == ints({3, 1}));
  CHECK(ints_of(cols) == ints({1, 3, 5}));
  CHECK(
      run_op_error(OpId::IndexSelect, {x, itensor(DType::Int64, {1}, {-1})}, {{"dim", int64_t{0}}})
          .find("out of range") != std::string::npos);

  HostTensor gi = HostTensor::zeros(DType::Int64, {2, 2, 4});
  for (int64_t i = 0; i < gi.numel(); ++i) gi.set_int(i, (i * 2) % 3);
  check_close(run_op(OpId::Gather, {det({2, 3, 4}, 62), gi}, {{"dim", int64_t{1}}}), {2, 2, 4},
              torch_ref::gather_1, 0, 0);
  const HostTensor small = iota(DType::Int64, {2, 2});
  CHECK(ints_of(run_op(OpId::Gather, {small, itensor(DType::Int64, {2, 1}, {1, 0})},
                       {{"dim", int64_t{1}}})) == ints({1, 2}));
  CHECK(
      run_op_error(OpId::Gather, {small, itensor(DType::Int64, {1, 1}, {2})}, {{"dim", int64_t{1}}})
          .find("index 2 is out of range for size 2") != std::string::npos);
}

TEST_CASE("tril and triu with a diagonal") {
  check_close(run_op(OpId::Tril, {det({2, 3, 4}, 62)}, {{"diagonal", int64_t{-1}}}), {2, 3, 4},
              torch_ref::tril_m1, 0, 0);
  check_close(run_op(OpId::Triu, {det({2, 3, 4}, 62)}, {{"diagonal", int64_t{1}}}), {2, 3, 4},
              torch_ref::triu_1, 0, 0);
  const HostTensor ones = itensor(DType::Bool, {3, 3}, {1, 1, 1, 1, 1, 1, 1, 1, 1});
  CHECK(ints_of(run_op(OpId::Tril, {ones})) == ints({1, 0, 0, 1, 1, 0, 1, 1, 1}));
  CHECK(ints_of(run_op(OpId::Triu, {ones}, {{"diagonal", int64_t{1}}})) ==
        ints({0, 1, 1, 0, 0, 1, 0, 0, 0}));
}

TEST_CASE("sources: constant, scalar, full, arange") {
  Graph g;
  Value* c = g.add_constant("c", "buf", itensor(DType::Int64, {2}, {7, 8}));
  Node* s =
      must(build_node(g, OpId::Scalar, {}, {{"value", Scalar::from_float(2.5)}}, DType::Float64));
  Node* full = must(build_node(g, OpId::Full, {},
                               {{"shape", syms({2, 2})}, {"value", Scalar::from_float(0.1)}},
                               DType::BFloat16));
  Node* ar = must(build_node(
      g, OpId::Arange, {},
      {{"length", SymExpr(4)}, {"start", Scalar::from_int(3)}, {"step", Scalar::from_int(-2)}},
      DType::Int64));
  Node* af = must(build_node(g, OpId::Arange, {},
                             {{"length", SymExpr(3)},
                              {"start", Scalar::from_float(0.5)},
                              {"step", Scalar::from_float(0.25)}},
                             DType::Float32));
  for (Value* v : {c, s->result(), full->result(), ar->result(), af->result()}) g.add_output(v);
  REQUIRE(verify(g));
  auto out = evaluate(g, {});
  REQUIRE(out);
  CHECK(ints_of((*out)[0]) == ints({7, 8}));
  check_close((*out)[1], {}, {2.5});
  CHECK((*out)[2].dtype() == DType::BFloat16);
  check_close((*out)[2], {2, 2}, {0.10009765625, 0.10009765625, 0.10009765625, 0.10009765625}, 0,
              0);
  CHECK(ints_of((*out)[3]) == ints({3, 1, -1, -3}));
  check_close((*out)[4], {3}, {0.5, 0.75, 1.0});
}

// Reductions and normalizations of the reference evaluator against PyTorch's
// values (torch_reference.h) and hand-computed cases.
#include <limits>

#include "eval_test_util.h"
#include "torch_reference.h"

using namespace aotc;
using namespace aotc::eval_test;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

NamedAttrs dims(std::vector<int64_t> d, bool keepdim = false) {
  return {{"dims", std::move(d)}, {"keepdim", keepdim}};
}
}  // namespace

TEST_CASE("reductions over dims match PyTorch") {
  namespace r = torch_ref;
  const HostTensor a = det({2, 3, 4}, 9);
  check_close(run_op(OpId::Sum, {a}, dims({0, 2})), {3}, r::sum_0_2);
  check_close(run_op(OpId::Mean, {a}, dims({1}, true)), {2, 1, 4}, r::mean_1_keep);
  check_close(run_op(OpId::Prod, {a}, dims({2})), {2, 3}, r::prod_2);
  check_close(run_op(OpId::Amax, {a}, dims({0, 1})), {4}, r::amax_0_1);
  check_close(run_op(OpId::Amin, {a}, dims({2}, true)), {2, 3, 1}, r::amin_2_keep);
  check_close(run_op(OpId::Var, {a}, {{"dims", ints({1})}, {"correction", 1.0}}), {2, 4}, r::var_1);
  check_close(run_op(OpId::Var, {a}, {{"dims", ints({0, 2})}, {"correction", 0.0}}), {3},
              r::var_0_2_c0);
  HostTensor am = run_op(OpId::Argmax, {a}, {{"dim", int64_t{1}}});
  CHECK(am.dtype() == DType::Int64);
  check_close(am, {2, 4}, r::argmax_1);
  check_close(run_op(OpId::Argmin, {a}, {{"dim", int64_t{2}}, {"keepdim", true}}), {2, 3, 1},
              r::argmin_2_keep);
  check_close(run_op(OpId::Cumsum, {a}, {{"dim", int64_t{2}}}), {2, 3, 4}, r::cumsum_2);
  check_close(run_op(OpId::Cumsum, {a}, {{"dim", int64_t{0}}}), {2, 3, 4}, r::cumsum_0);
}

TEST_CASE("bfloat16 reductions accumulate wide and round once") {
  // sum(x * 1.7, dim=1) in eager bfloat16: the product rounds to bf16, the sum rounds once.
  Graph g;
  Value* x = g.add_input("x", TensorType{DType::BFloat16, {4, 16}});
  auto k = build_node(g, OpId::Scalar, {}, {{"value", Scalar::from_float(1.7)}}, DType::Float64);
  REQUIRE(k);
  auto m = build_node(g, OpId::Mul, {x, (*k)->result()}, {});
  REQUIRE(m);
  auto s = build_node(g, OpId::Sum, {(*m)->result()}, dims({1}));
  REQUIRE(s);
  g.add_output((*s)->result());
  std::vector<HostTensor> in = {det({4, 16}, 8, DType::BFloat16)};
  auto out = evaluate(g, in);
  REQUIRE(out);
  CHECK((*out)[0].dtype() == DType::BFloat16);
  check_close((*out)[0], {4}, torch_ref::bf16_sum, 0, 0);
}

TEST_CASE("integer reductions are exact, any/all, NaN handling, empty and 0-d inputs") {
  const int64_t kBig = (int64_t{1} << 53) + 1;
  const HostTensor i = itensor(DType::Int64, {2, 2}, {kBig, 2, -3, 4});
  HostTensor s = run_op(OpId::Sum, {i}, dims({0, 1}));
  CHECK(s.dtype() == DType::Int64);
  CHECK(ints_of(s) == ints({kBig + 3}));
  const HostTensor small = itensor(DType::Int32, {2, 3}, {1, 5, -2, 7, 0, 3});
  HostTensor p = run_op(OpId::Prod, {small}, dims({1}));
  CHECK(p.dtype() == DType::Int64);  // integer sums and products promote to int64
  CHECK(ints_of(p) == ints({-10, 0}));
  HostTensor mx = run_op(OpId::Amax, {small}, dims({0}));
  CHECK(mx.dtype() == DType::Int32);
  CHECK(ints_of(mx) == ints({7, 5, 3}));
  HostTensor cs =
      run_op(OpId::Cumsum, {itensor(DType::Bool, {3}, {1, 1, 0})}, {{"dim", int64_t{0}}});
  CHECK(cs.dtype() == DType::Int64);
  CHECK(ints_of(cs) == ints({1, 2, 2}));

  const HostTensor f = tensor(DType::Float32, {2, 3}, {0, kNaN, 0, 0, 0, 0});
  CHECK(ints_of(run_op(OpId::Any, {f}, dims({1}))) == ints({1, 0}));
  CHECK(ints_of(run_op(OpId::All, {tensor(DType::Float32, {2, 2}, {1, 2, 0, 3})}, dims({1}))) ==
        ints({1, 0}));

  const HostTensor n = tensor(DType::Float32, {4}, {1, kNaN, 5, kNaN});
  check_close(run_op(OpId::Amax, {n}, dims({0})), {}, {kNaN});
  check_close(run_op(OpId::Amin, {n}, dims({0})), {}, {kNaN});
  CHECK(ints_of(run_op(OpId::Argmax, {n}, {{"dim", int64_t{0}}})) ==
        ints({1}));  // first NaN counts as max
  CHECK(ints_of(run_op(OpId::Argmin, {n}, {{"dim", int64_t{0}}})) == ints({1}));
  CHECK(ints_of(run_op(OpId::Argmax, {tensor(DType::Float32, {4}, {1, 3, 3, 2})},
                       {{"dim", int64_t{0}}})) == ints({1}));  // first occurrence

  // var with too few elements: 0/0 is NaN, positive/0 is inf.
  check_close(run_op(OpId::Var, {tensor(DType::Float32, {1}, {1})}, {{"dims", ints({0})}}), {},
              {kNaN});
  check_close(run_op(OpId::Var, {tensor(DType::Float32, {2}, {1, 2})},
                     {{"dims", ints({0})}, {"correction", 3.0}}),
              {}, {kInf});
  // Empty: sum 0, prod 1, mean NaN; amax of nothing is an error.
  const HostTensor e = HostTensor::zeros(DType::Float32, {2, 0});
  check_close(run_op(OpId::Sum, {e}, dims({1})), {2}, {0, 0});
  check_close(run_op(OpId::Prod, {e}, dims({1})), {2}, {1, 1});
  check_close(run_op(OpId::Mean, {e}, dims({1})), {2}, {kNaN, kNaN});
  CHECK(run_op_error(OpId::Amax, {e}, dims({1})).find("empty") != std::string::npos);
  // 0-d input.
  const HostTensor z = tensor(DType::Float32, {}, {2.5});
  check_close(run_op(OpId::Sum, {z}, dims({0})), {}, {2.5});
  CHECK(ints_of(run_op(OpId::Argmax, {z}, {{"dim", int64_t{0}}})) == ints({0}));
}

TEST_CASE("normalizations match PyTorch") {
  namespace r = torch_ref;
  const HostTensor a = det({2, 3, 4}, 9);
  check_close(run_op(OpId::Softmax, {a}, {{"dim", int64_t{1}}}), {2, 3, 4}, r::softmax_1);
  check_close(run_op(OpId::LogSoftmax, {a}, {{"dim", int64_t{-1}}}), {2, 3, 4},
              r::log_softmax_last);
  check_close(run_op(OpId::LayerNorm, {a, det({3, 4}, 10), det({3, 4}, 11)},
                     {{"normalized_ndim", int64_t{2}}}),
              {2, 3, 4}, r::layer_norm, 1e-12, 1e-12);
  check_close(run_op(OpId::LayerNorm, {a, std::nullopt, std::nullopt},
                     {{"normalized_ndim", int64_t{1}}, {"eps", 1e-3}}),
              {2, 3, 4}, r::layer_norm_plain);
  check_close(run_op(OpId::GroupNorm, {det({2, 6, 3}, 12), det({6}, 13), det({6}, 14)},
                     {{"groups", int64_t{3}}}),
              {2, 6, 3}, r::group_norm);
  check_close(run_op(OpId::BatchNorm, {det({2, 3, 2, 2}, 15), det({3}, 18), det({3}, 19),
                                       det({3}, 16), pos({3}, 17)}),
              {2, 3, 2, 2}, r::batch_norm);
}

TEST_CASE("softmax is stable for large inputs and NaN for all -inf lanes") {
  const HostTensor x = tensor(DType::Float32, {2, 2}, {1000, 1000, -kInf, -kInf});
  check_close(run_op(OpId::Softmax, {x}, {{"dim", int64_t{1}}}), {2, 2}, {0.5, 0.5, kNaN, kNaN});
  check_close(
      run_op(OpId::LogSoftmax, {tensor(DType::Float64, {2}, {1000, 1000})}, {{"dim", int64_t{0}}}),
      {2}, {-std::log(2.0), -std::log(2.0)});
}

TEST_CASE("batch_norm by hand") {
  // (x - mean) / sqrt(var + eps) * w + b per channel (dim 1); no weight/bias means 1 and 0.
  const HostTensor x = tensor(DType::Float64, {1, 2, 2}, {1, 3, 10, 20});
  const HostTensor mean = tensor(DType::Float64, {2}, {2, 10});
  const HostTensor var = tensor(DType::Float64, {2}, {4, 25});
  HostTensor y =
      run_op(OpId::BatchNorm, {x, std::nullopt, std::nullopt, mean, var}, {{"eps", 0.0}});
  check_close(y, {1, 2, 2}, {-0.5, 0.5, 0.0, 2.0});
}

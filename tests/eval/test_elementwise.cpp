// Elementwise ops of the reference evaluator against PyTorch's values
// (torch_reference.h) and hand-computed cases: broadcasting, integer
// exactness, NaN rules, type promotion and per-op rounding to the result dtype.
#include <limits>

#include "eval_test_util.h"
#include "torch_reference.h"

using namespace aotc;
using namespace aotc::eval_test;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

struct UnaryCase {
  const char* name;
  OpId op;
  NamedAttrs attrs;
  char input;  // 'x' det, 'p' positive, 'w' det*3, 'r' det*2
  const std::vector<double>& want;
};

}  // namespace

TEST_CASE("unary float ops match PyTorch") {
  namespace r = torch_ref;
  const HostTensor x = det({24}, 1), p = pos({24}, 2), w = affine(x, 3), rr = affine(x, 2);
  const std::vector<UnaryCase> cases = {
      {"abs", OpId::Abs, {}, 'x', r::unary_abs},
      {"neg", OpId::Neg, {}, 'x', r::unary_neg},
      {"exp", OpId::Exp, {}, 'x', r::unary_exp},
      {"expm1", OpId::Expm1, {}, 'x', r::unary_expm1},
      {"log", OpId::Log, {}, 'p', r::unary_log},
      {"log2", OpId::Log2, {}, 'p', r::unary_log2},
      {"log1p", OpId::Log1p, {}, 'p', r::unary_log1p},
      {"sqrt", OpId::Sqrt, {}, 'p', r::unary_sqrt},
      {"rsqrt", OpId::Rsqrt, {}, 'p', r::unary_rsqrt},
      {"reciprocal", OpId::Reciprocal, {}, 'p', r::unary_reciprocal},
      {"sin", OpId::Sin, {}, 'w', r::unary_sin},
      {"cos", OpId::Cos, {}, 'w', r::unary_cos},
      {"tan", OpId::Tan, {}, 'x', r::unary_tan},
      {"tanh", OpId::Tanh, {}, 'w', r::unary_tanh},
      {"atan", OpId::Atan, {}, 'w', r::unary_atan},
      {"erf", OpId::Erf, {}, 'x', r::unary_erf},
      {"sigmoid", OpId::Sigmoid, {}, 'w', r::unary_sigmoid},
      {"relu", OpId::Relu, {}, 'x', r::unary_relu},
      {"gelu", OpId::Gelu, {}, 'w', r::unary_gelu},
      {"gelu tanh", OpId::Gelu, {{"approximate", std::string("tanh")}}, 'w', r::unary_gelu_tanh},
      {"silu", OpId::Silu, {}, 'w', r::unary_silu},
      {"mish", OpId::Mish, {}, 'w', r::unary_mish},
      {"softplus", OpId::Softplus, {{"beta", 2.0}, {"threshold", 1.5}}, 'w', r::unary_softplus},
      {"hardswish", OpId::Hardswish, {}, 'w', r::unary_hardswish},
      {"hardsigmoid", OpId::Hardsigmoid, {}, 'w', r::unary_hardsigmoid},
      {"hardtanh", OpId::Hardtanh, {{"min_val", -0.5}, {"max_val", 0.75}}, 'w', r::unary_hardtanh},
      {"leaky_relu", OpId::LeakyRelu, {{"negative_slope", 0.2}}, 'x', r::unary_leaky_relu},
      {"elu", OpId::Elu, {{"alpha", 1.5}, {"scale", 2.0}, {"input_scale", 0.5}}, 'w', r::unary_elu},
      {"floor", OpId::Floor, {}, 'r', r::unary_floor},
      {"ceil", OpId::Ceil, {}, 'r', r::unary_ceil},
      {"round (half to even)", OpId::Round, {}, 'r', r::unary_round},
      {"trunc", OpId::Trunc, {}, 'r', r::unary_trunc},
      {"sign", OpId::Sign, {}, 'x', r::unary_sign},
  };
  for (const UnaryCase& c : cases) {
    SECTION(c.name) {
      const HostTensor& in = c.input == 'x' ? x : c.input == 'p' ? p : c.input == 'w' ? w : rr;
      check_close(run_op(c.op, {in}, c.attrs), {24}, c.want, 1e-14, 1e-15);
    }
  }
}

TEST_CASE("binary float ops broadcast and match PyTorch") {
  namespace r = torch_ref;
  const HostTensor a = det({2, 3, 4}, 3), b = det({3, 1}, 4), bp = pos({3, 1}, 5);
  const HostTensor a5 = affine(a, 5), d = affine(bp, 1, -1.5);
  const std::vector<int64_t> shape = {2, 3, 4};
  check_close(run_op(OpId::Add, {a, b}, {{"alpha", Scalar::from_int(2)}}), shape,
              r::binary_add_alpha);
  check_close(run_op(OpId::Sub, {a, b}, {{"alpha", Scalar::from_float(0.5)}}), shape,
              r::binary_sub_alpha);
  check_close(run_op(OpId::Mul, {a, b}), shape, r::binary_mul);
  check_close(run_op(OpId::Div, {a, bp}), shape, r::binary_div);
  check_close(run_op(OpId::Div, {a5, d}, {{"rounding_mode", std::string("trunc")}}), shape,
              r::binary_div_trunc);
  check_close(run_op(OpId::Div, {a5, d}, {{"rounding_mode", std::string("floor")}}), shape,
              r::binary_div_floor);
  check_close(run_op(OpId::Pow, {pos({2, 3, 4}, 6), b}), shape, r::binary_pow, 1e-14);
  check_close(run_op(OpId::Maximum, {a, b}), shape, r::binary_maximum);
  check_close(run_op(OpId::Minimum, {a, b}), shape, r::binary_minimum);
  check_close(run_op(OpId::Remainder, {a5, d}), shape, r::binary_remainder);
  check_close(run_op(OpId::Fmod, {a5, d}), shape, r::binary_fmod);
  check_close(run_op(OpId::Atan2, {a, b}), shape, r::binary_atan2, 1e-14);
}

TEST_CASE("float division by zero, floor division signs, NaN propagation") {
  const HostTensor a = tensor(DType::Float32, {5}, {1, -1, 0, -7, 7});
  const HostTensor z = tensor(DType::Float32, {5}, {0, 0, 0, 2, -2});
  check_close(run_op(OpId::Div, {a, z}), {5}, {kInf, -kInf, kNaN, -3.5, -3.5});
  HostTensor floor = run_op(OpId::Div, {a, z}, {{"rounding_mode", std::string("floor")}});
  check_close(floor, {5}, {kInf, -kInf, kNaN, -4, -4});
  HostTensor trunc = run_op(OpId::Div, {a, z}, {{"rounding_mode", std::string("trunc")}});
  check_close(trunc, {5}, {kInf, -kInf, kNaN, -3, -3});
  // -0.0 // 3 is -0.0 in Python and PyTorch.
  HostTensor negzero =
      run_op(OpId::Div, {tensor(DType::Float64, {1}, {-0.0}), tensor(DType::Float64, {1}, {3})},
             {{"rounding_mode", std::string("floor")}});
  CHECK(std::signbit(negzero.get(0)));

  const HostTensor n = tensor(DType::Float32, {3}, {1, kNaN, -3});
  const HostTensor m = tensor(DType::Float32, {3}, {kNaN, 2, -4});
  check_close(run_op(OpId::Maximum, {n, m}), {3}, {kNaN, kNaN, -3});
  check_close(run_op(OpId::Minimum, {n, m}), {3}, {kNaN, kNaN, -4});
  check_close(run_op(OpId::Relu, {n}), {3}, {1, kNaN, 0});
  check_close(run_op(OpId::Sign, {n}), {3}, {1, 0, -1});  // sign(NaN) is 0 in PyTorch
  check_close(run_op(OpId::IsNan, {n}), {3}, {0, 1, 0});
}

TEST_CASE("clamp: optional bounds, NaN input propagates, NaN bound ignored, min > max gives max") {
  const HostTensor x = tensor(DType::Float32, {4}, {-2, 0.5, kNaN, 3});
  check_close(run_op(OpId::Clamp, {x}, {{"min", Scalar::from_float(-1)}}), {4}, {-1, 0.5, kNaN, 3});
  check_close(run_op(OpId::Clamp, {x}, {{"max", Scalar::from_int(1)}}), {4}, {-2, 0.5, kNaN, 1});
  check_close(
      run_op(OpId::Clamp, {x}, {{"min", Scalar::from_float(0)}, {"max", Scalar::from_float(1)}}),
      {4}, {0, 0.5, kNaN, 1});
  check_close(run_op(OpId::Clamp, {x}, {{"min", Scalar::from_float(kNaN)}}), {4},
              {-2, 0.5, kNaN, 3});
  check_close(
      run_op(OpId::Clamp, {x}, {{"min", Scalar::from_float(1)}, {"max", Scalar::from_float(-1)}}),
      {4}, {-1, -1, kNaN, -1});
  // Integer clamp with integer bounds stays integer; a float bound promotes to float32.
  const HostTensor i = itensor(DType::Int32, {3}, {-5, 2, 9});
  HostTensor ic =
      run_op(OpId::Clamp, {i}, {{"min", Scalar::from_int(0)}, {"max", Scalar::from_int(4)}});
  CHECK(ic.dtype() == DType::Int32);
  CHECK(ints_of(ic) == ints({0, 2, 4}));
  HostTensor fc = run_op(OpId::Clamp, {i}, {{"max", Scalar::from_float(2.5)}});
  CHECK(fc.dtype() == DType::Float32);
  check_close(fc, {3}, {-5, 2, 2.5});
}

TEST_CASE("integer arithmetic is exact and follows PyTorch's sign rules") {
  const HostTensor a = itensor(DType::Int64, {6}, {7, -7, 7, -7, 5, 0});
  const HostTensor b = itensor(DType::Int64, {6}, {2, 2, -2, -2, 3, 4});
  CHECK(ints_of(run_op(OpId::Div, {a, b}, {{"rounding_mode", std::string("floor")}})) ==
        ints({3, -4, -4, 3, 1, 0}));
  CHECK(ints_of(run_op(OpId::Div, {a, b}, {{"rounding_mode", std::string("trunc")}})) ==
        ints({3, -3, -3, 3, 1, 0}));
  CHECK(ints_of(run_op(OpId::Remainder, {a, b})) == ints({1, 1, -1, -1, 2, 0}));
  CHECK(ints_of(run_op(OpId::Fmod, {a, b})) == ints({1, -1, 1, -1, 2, 0}));
  CHECK(ints_of(run_op(OpId::Mul, {a, b})) == ints({14, -14, -14, 14, 15, 0}));
  CHECK(ints_of(run_op(OpId::Sub, {a, b}, {{"alpha", Scalar::from_int(3)}})) ==
        ints({1, -13, 13, -1, -4, -12}));
  CHECK(ints_of(run_op(OpId::Abs, {a})) == ints({7, 7, 7, 7, 5, 0}));
  CHECK(ints_of(run_op(OpId::Sign, {a})) == ints({1, -1, 1, -1, 1, 0}));
  CHECK(ints_of(run_op(OpId::Maximum, {a, b})) == ints({7, 2, 7, -2, 5, 4}));
  // True division of integers gives float32.
  HostTensor q = run_op(OpId::Div, {a, b});
  CHECK(q.dtype() == DType::Float32);
  check_close(q, {6}, {3.5, -3.5, -3.5, 3.5, 5.0 / 3.0, 0}, 1e-7);
  // Integer pow: exact beyond 2^53; negative exponents follow ATen's powi.
  const HostTensor big = itensor(DType::Int64, {1}, {3});
  CHECK(ints_of(run_op(OpId::Pow, {big, itensor(DType::Int64, {1}, {39})})) ==
        ints({4052555153018976267}));
  CHECK(ints_of(run_op(OpId::Pow, {itensor(DType::Int64, {5}, {2, 1, -1, -1, 0}),
                                   itensor(DType::Int64, {5}, {-1, -3, -3, -2, -1})})) ==
        ints({0, 1, -1, 1, 0}));
  // int64 sums wrap instead of rounding through double.
  const int64_t kBig = (int64_t{1} << 53) + 1;
  CHECK(ints_of(run_op(OpId::Add, {itensor(DType::Int64, {1}, {kBig}),
                                   itensor(DType::Int64, {1}, {2})})) == ints({kBig + 2}));
}

TEST_CASE("integer division by zero gives 0 instead of raising") {
  const HostTensor a = itensor(DType::Int32, {2}, {5, -5});
  const HostTensor z = itensor(DType::Int32, {2}, {0, 0});
  CHECK(ints_of(run_op(OpId::Div, {a, z}, {{"rounding_mode", std::string("floor")}})) ==
        ints({0, 0}));
  CHECK(ints_of(run_op(OpId::Div, {a, z}, {{"rounding_mode", std::string("trunc")}})) ==
        ints({0, 0}));
  CHECK(ints_of(run_op(OpId::Remainder, {a, z})) == ints({0, 0}));
  CHECK(ints_of(run_op(OpId::Fmod, {a, z})) == ints({0, 0}));
}

TEST_CASE("comparisons, logical and bitwise ops") {
  const HostTensor a = tensor(DType::Float32, {2, 3}, {1, 2, 3, kNaN, 0, -1});
  const HostTensor b = tensor(DType::Float32, {3}, {2, 2, 2});
  auto bools = [](const HostTensor& t) {
    CHECK(t.dtype() == DType::Bool);
    return ints_of(t);
  };
  CHECK(bools(run_op(OpId::Eq, {a, b})) == ints({0, 1, 0, 0, 0, 0}));
  CHECK(bools(run_op(OpId::Ne, {a, b})) == ints({1, 0, 1, 1, 1, 1}));
  CHECK(bools(run_op(OpId::Lt, {a, b})) == ints({1, 0, 0, 0, 1, 1}));
  CHECK(bools(run_op(OpId::Le, {a, b})) == ints({1, 1, 0, 0, 1, 1}));
  CHECK(bools(run_op(OpId::Gt, {a, b})) == ints({0, 0, 1, 0, 0, 0}));
  CHECK(bools(run_op(OpId::Ge, {a, b})) == ints({0, 1, 1, 0, 0, 0}));
  // Nonzero (NaN included) is true.
  const HostTensor c = tensor(DType::Float32, {3}, {0, 1, 0});
  CHECK(bools(run_op(OpId::LogicalAnd, {a, c})) == ints({0, 1, 0, 0, 0, 0}));
  CHECK(bools(run_op(OpId::LogicalOr, {a, c})) == ints({1, 1, 1, 1, 1, 1}));
  CHECK(bools(run_op(OpId::LogicalXor, {a, c})) == ints({1, 0, 1, 1, 1, 1}));
  CHECK(bools(run_op(OpId::LogicalNot, {a})) == ints({0, 0, 0, 0, 1, 0}));
  // Exact int64 comparison where doubles would tie.
  const int64_t kBig = int64_t{1} << 60;
  CHECK(bools(run_op(OpId::Lt, {itensor(DType::Int64, {1}, {kBig}),
                                itensor(DType::Int64, {1}, {kBig + 1})})) == ints({1}));

  const HostTensor i = itensor(DType::Int32, {4}, {12, -1, 5, 0});
  const HostTensor j = itensor(DType::Int32, {4}, {10, 7, 3, -8});
  CHECK(ints_of(run_op(OpId::BitwiseAnd, {i, j})) == ints({8, 7, 1, 0}));
  CHECK(ints_of(run_op(OpId::BitwiseOr, {i, j})) == ints({14, -1, 7, -8}));
  CHECK(ints_of(run_op(OpId::BitwiseXor, {i, j})) == ints({6, -8, 6, -8}));
  CHECK(ints_of(run_op(OpId::BitwiseNot, {i})) == ints({-13, 0, -6, -1}));
  const HostTensor t = itensor(DType::Bool, {2}, {1, 0});
  HostTensor not_t = run_op(OpId::BitwiseNot, {t});
  CHECK(not_t.dtype() == DType::Bool);
  CHECK(ints_of(not_t) == ints({0, 1}));
  CHECK(ints_of(run_op(OpId::BitwiseXor, {t, itensor(DType::Bool, {2}, {1, 1})})) == ints({0, 1}));
}

TEST_CASE("where broadcasts its condition and promotes its branches") {
  const HostTensor cond = itensor(DType::Bool, {2, 1}, {1, 0});
  const HostTensor a = itensor(DType::Int32, {2, 3}, {1, 2, 3, 4, 5, 6});
  const HostTensor b = tensor(DType::Float32, {3}, {-1, -2, -3});
  HostTensor out = run_op(OpId::Where, {cond, a, b});
  CHECK(out.dtype() == DType::Float32);
  check_close(out, {2, 3}, {1, 2, 3, -1, -2, -3});
  HostTensor same = run_op(OpId::Where, {cond, a, itensor(DType::Int32, {1}, {0})});
  CHECK(same.dtype() == DType::Int32);
  CHECK(ints_of(same) == ints({1, 2, 3, 0, 0, 0}));
}

TEST_CASE("cast truncates toward zero and wraps integers") {
  const HostTensor f = tensor(DType::Float32, {5}, {-2.7, 2.7, -0.5, 0.0, 100.0});
  CHECK(ints_of(run_op(OpId::Cast, {f}, {}, DType::Int32)) == ints({-2, 2, 0, 0, 100}));
  CHECK(ints_of(run_op(OpId::Cast, {f}, {}, DType::Bool)) == ints({1, 1, 1, 0, 1}));
  CHECK(ints_of(run_op(OpId::Cast, {f}, {}, DType::UInt8)) == ints({254, 2, 0, 0, 100}));
  const HostTensor big = itensor(DType::Int64, {2}, {(int64_t{1} << 32) + 5, -1});
  CHECK(ints_of(run_op(OpId::Cast, {big}, {}, DType::Int32)) == ints({5, -1}));
  HostTensor h =
      run_op(OpId::Cast, {tensor(DType::Float64, {1}, {1.0 / 3.0})}, {}, DType::BFloat16);
  CHECK(h.get(0) == 0.333984375);  // nearest bfloat16
}

TEST_CASE(
    "an int32 tensor plus a float scalar is float32; plus an int scalar stays int32 and wraps") {
  Graph g;
  Value* x = g.add_input("x", TensorType{DType::Int32, {3}});
  auto half = build_node(g, OpId::Scalar, {}, {{"value", Scalar::from_float(0.5)}}, DType::Float64);
  auto one = build_node(g, OpId::Scalar, {}, {{"value", Scalar::from_int(1)}}, DType::Int64);
  REQUIRE(half);
  REQUIRE(one);
  auto fadd = build_node(g, OpId::Add, {x, (*half)->result()}, {});
  auto iadd = build_node(g, OpId::Add, {x, (*one)->result()}, {});
  REQUIRE(fadd);
  REQUIRE(iadd);
  CHECK((*fadd)->result()->dtype() == DType::Float32);
  CHECK((*iadd)->result()->dtype() == DType::Int32);
  g.add_output((*fadd)->result());
  g.add_output((*iadd)->result());
  REQUIRE(verify(g));
  std::vector<HostTensor> in = {itensor(DType::Int32, {3}, {1, -2, 2147483647})};
  auto out = evaluate(g, in);
  REQUIRE(out);
  check_close((*out)[0], {3}, {1.5, -1.5, 2147483648.0});  // float32 rounds 2147483647.5 to 2^31
  CHECK(ints_of((*out)[1]) == ints({2, -1, -2147483648}));
}

TEST_CASE("bfloat16 results are rounded after every op") {
  // 256 + 1 rounds to 256 in bfloat16 (8 significant bits), so (x + 1) - x is 0, not 1.
  Graph g;
  Value* x = g.add_input("x", TensorType{DType::BFloat16, {2}});
  auto one = build_node(g, OpId::Scalar, {}, {{"value", Scalar::from_int(1)}}, DType::Int64);
  REQUIRE(one);
  auto add = build_node(g, OpId::Add, {x, (*one)->result()}, {});
  REQUIRE(add);
  auto sub = build_node(g, OpId::Sub, {(*add)->result(), x}, {});
  REQUIRE(sub);
  CHECK((*sub)->result()->dtype() == DType::BFloat16);
  g.add_output((*sub)->result());
  std::vector<HostTensor> in = {tensor(DType::BFloat16, {2}, {256, 2})};
  auto out = evaluate(g, in);
  REQUIRE(out);
  check_close((*out)[0], {2}, {0, 1}, 0, 0);

  // A chain against eager PyTorch in bfloat16: silu(exp(x) * 1.1 + x).
  Graph chain;
  Value* xb = chain.add_input("x", TensorType{DType::BFloat16, {16}});
  auto k =
      build_node(chain, OpId::Scalar, {}, {{"value", Scalar::from_float(1.1)}}, DType::Float64);
  REQUIRE(k);
  auto e = build_node(chain, OpId::Exp, {xb}, {});
  REQUIRE(e);
  auto m = build_node(chain, OpId::Mul, {(*e)->result(), (*k)->result()}, {});
  REQUIRE(m);
  auto s = build_node(chain, OpId::Add, {(*m)->result(), xb}, {});
  REQUIRE(s);
  auto silu = build_node(chain, OpId::Silu, {(*s)->result()}, {});
  REQUIRE(silu);
  CHECK((*silu)->result()->dtype() == DType::BFloat16);
  chain.add_output((*silu)->result());
  std::vector<HostTensor> chain_in = {det({16}, 7, DType::BFloat16)};
  auto chain_out = evaluate(chain, chain_in);
  REQUIRE(chain_out);
  check_close((*chain_out)[0], {16}, torch_ref::bf16_chain, 0, 0);
}

TEST_CASE("float16 results round to half precision") {
  const HostTensor x = tensor(DType::Float16, {2}, {1.0, 2048.0});
  HostTensor y = run_op(OpId::Add, {x, tensor(DType::Float16, {2}, {0.0004, 1.0})});
  CHECK(y.dtype() == DType::Float16);
  check_close(y, {2}, {1.0, 2048.0}, 0, 0);  // below half an ulp; 2049 ties to even 2048
}

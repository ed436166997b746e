// Helpers for the reference evaluator's tests: deterministic inputs (the same
// formulas make_torch_reference.py uses), one-op graphs, and comparisons that
// treat NaN as equal to NaN.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "eval/Evaluator.h"
#include "ir/Graph.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"

namespace aotc::eval_test {

inline int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

/// ((i*7 + seed*13) % 23 - 11) / 8, as det() in make_torch_reference.py.
inline HostTensor det(std::vector<int64_t> shape, int seed, DType dtype = DType::Float64) {
  HostTensor t = HostTensor::zeros(dtype, shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.set(i, static_cast<double>((i * 7 + seed * 13) % 23 - 11) / 8.0);
  return t;
}

/// ((i*5 + seed*3) % 17 + 1) / 4, as pos() in make_torch_reference.py.
inline HostTensor pos(std::vector<int64_t> shape, int seed, DType dtype = DType::Float64) {
  HostTensor t = HostTensor::zeros(dtype, shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.set(i, static_cast<double>((i * 5 + seed * 3) % 17 + 1) / 4.0);
  return t;
}

inline HostTensor tensor(DType dtype, std::vector<int64_t> shape,
                         const std::vector<double>& values) {
  HostTensor t = HostTensor::zeros(dtype, shape);
  REQUIRE(static_cast<size_t>(t.numel()) == values.size());
  for (size_t i = 0; i < values.size(); ++i) t.set(static_cast<int64_t>(i), values[i]);
  return t;
}

inline HostTensor itensor(DType dtype, std::vector<int64_t> shape,
                          const std::vector<int64_t>& values) {
  HostTensor t = HostTensor::zeros(dtype, shape);
  REQUIRE(static_cast<size_t>(t.numel()) == values.size());
  for (size_t i = 0; i < values.size(); ++i) t.set_int(static_cast<int64_t>(i), values[i]);
  return t;
}

/// A copy of `t` with every element multiplied by `k` and `b` added (same dtype).
inline HostTensor affine(const HostTensor& t, double k, double b = 0.0) {
  HostTensor out = HostTensor::zeros(t.dtype(), t.shape());
  for (int64_t i = 0; i < t.numel(); ++i) out.set(i, t.get(i) * k + b);
  return out;
}

inline std::vector<double> values_of(const HostTensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numel(); ++i) v.push_back(t.get(i));
  return v;
}

inline std::vector<int64_t> ints_of(const HostTensor& t) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < t.numel(); ++i) v.push_back(t.get_int(i));
  return v;
}

/// Checks shape and values: |got - want| <= atol + rtol*|want|, NaN matching NaN, infinities
/// exactly.
inline void check_close(const HostTensor& got, const std::vector<int64_t>& shape,
                        const std::vector<double>& want, double rtol = 1e-12, double atol = 1e-12) {
  REQUIRE(got.shape() == shape);
  REQUIRE(static_cast<size_t>(got.numel()) == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const double g = got.get(static_cast<int64_t>(i)), w = want[i];
    INFO("element " << i << ": got " << g << ", want " << w);
    if (std::isnan(w)) {
      CHECK(std::isnan(g));
    } else if (std::isinf(w)) {
      CHECK(g == w);
    } else {
      CHECK(std::fabs(g - w) <= atol + rtol * std::fabs(w));
    }
  }
}

/// An operand of run_op: a tensor, or nullopt for an absent optional operand.
using Arg = std::optional<HostTensor>;

/// Builds a one-node graph whose operands are user inputs typed like `args`
/// (static shapes), verifies it, evaluates it and returns the output.
inline HostTensor run_op(OpId op, const std::vector<Arg>& args, const NamedAttrs& attrs = {},
                         std::optional<DType> dtype = std::nullopt) {
  Graph g("one_op");
  std::vector<Value*> operands;
  std::vector<HostTensor> inputs;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i]) {
      operands.push_back(nullptr);
      continue;
    }
    TensorType type{args[i]->dtype(), {}};
    for (int64_t d : args[i]->shape()) type.shape.emplace_back(d);
    operands.push_back(g.add_input("in" + std::to_string(i), type));
    inputs.push_back(*args[i]);
  }
  auto node = build_node(g, op, operands, attrs, dtype);
  if (!node) FAIL("build_node: " << node.error().message);
  g.add_output((*node)->result());
  auto ok = verify(g);
  if (!ok) FAIL("verify: " << ok.error().message);
  auto out = evaluate(g, inputs);
  if (!out) FAIL("evaluate: " << out.error().message);
  REQUIRE(out->size() == 1);
  return (*out)[0];
}

/// The error message of evaluating a one-op graph that must fail.
inline std::string run_op_error(OpId op, const std::vector<Arg>& args,
                                const NamedAttrs& attrs = {}) {
  Graph g("one_op");
  std::vector<Value*> operands;
  std::vector<HostTensor> inputs;
  for (size_t i = 0; i < args.size(); ++i) {
    TensorType type{args[i]->dtype(), {}};
    for (int64_t d : args[i]->shape()) type.shape.emplace_back(d);
    operands.push_back(g.add_input("in" + std::to_string(i), type));
    inputs.push_back(*args[i]);
  }
  auto node = build_node(g, op, operands, attrs);
  if (!node) FAIL("build_node: " << node.error().message);
  g.add_output((*node)->result());
  auto out = evaluate(g, inputs);
  REQUIRE_FALSE(out.has_value());
  return out.error().message;
}

inline std::vector<int64_t> ints(std::initializer_list<int64_t> v) {
  return v;
}
inline std::vector<SymExpr> syms(std::initializer_list<int64_t> v) {
  std::vector<SymExpr> out;
  for (int64_t x : v) out.emplace_back(x);
  return out;
}

}  // namespace aotc::eval_test

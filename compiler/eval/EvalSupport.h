// Internals of the reference evaluator (not a public header): the context an
// op family's evaluator receives, conversions between HostTensors and plain
// double/int64 buffers, and strided iteration for broadcasting and views.
//
// Every family evaluator takes the node's operands as they are (already
// checked by evaluate_node to have the dtypes and shapes the graph says),
// computes its result shape from the concrete operand shapes and attributes,
// and returns a tensor of the node's result dtype; evaluate_node compares
// that shape with the node's declared type.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ir/Graph.h"
#include "ir/HostTensor.h"
#include "support/Status.h"

namespace aotc::eval_internal {

/// What an op family's evaluator gets.
struct EvalContext {
  const Node& node;
  /// One entry per operand; null for an absent optional operand.
  std::span<const HostTensor* const> operands;
  const SymbolValues& symbols;

  const HostTensor& in(size_t i) const { return *operands[i]; }
  const HostTensor* optional_in(size_t i) const { return operands[i]; }
  DType out_dtype() const { return node.result()->dtype(); }

  /// A user-facing error naming the op and the node: "conv (node 'c1'): <what>".
  template <typename... Args>
  Error error(fmt::format_string<Args...> format, Args&&... args) const {
    return make_error(ErrorCode::kInvalidInput, "{} (node '{}'): {}", node.info().name, node.name(),
                      fmt::format(format, std::forward<Args>(args)...));
  }
  /// An op or case the evaluator does not handle.
  template <typename... Args>
  Error unsupported(fmt::format_string<Args...> format, Args&&... args) const {
    return make_error(ErrorCode::kUnsupported, "{} (node '{}'): {}", node.info().name, node.name(),
                      fmt::format(format, std::forward<Args>(args)...));
  }
  /// The value of a symbolic attribute (or dimension) under the bound symbols.
  Expected<int64_t> eval_sym(const SymExpr& e, std::string_view what) const;
};

/// A shape as text: `[2, 3]`.
std::string shape_str(std::span<const int64_t> shape);
int64_t numel_of(std::span<const int64_t> shape);

/// Every element as double (HostTensor::get: exact for all but huge int64).
std::vector<double> to_doubles(const HostTensor& t);
/// Every element as int64 (HostTensor::get_int; floating values truncate).
std::vector<int64_t> to_ints(const HostTensor& t);
/// A new tensor with `values` rounded to `dtype` (HostTensor::set).
HostTensor from_doubles(DType dtype, std::vector<int64_t> shape, std::span<const double> values);
/// A new tensor with `values` stored exactly (HostTensor::set_int).
HostTensor from_ints(DType dtype, std::vector<int64_t> shape, std::span<const int64_t> values);

/// Stores a Scalar attribute at element i: floats through set(), ints and bools through set_int().
void set_scalar(HostTensor& t, int64_t i, const Scalar& s);
/// Copies element `i` of `src` to element `j` of `dst`, converting the dtype
/// exactly between integer types and by rounding otherwise.
void convert_element(const HostTensor& src, int64_t i, HostTensor& dst, int64_t j);

/// Strides (in elements) of `in_shape` read as broadcast to `out_shape`:
/// right-aligned, 0 where the input has size 1 or lacks the dimension.
/// The caller has checked that the shapes broadcast.
std::vector<int64_t> broadcast_strides(std::span<const int64_t> in_shape,
                                       std::span<const int64_t> out_shape);

/// The numpy broadcast of concrete shapes, or nullopt if they do not broadcast.
std::optional<std::vector<int64_t>> broadcast_concrete(
    std::span<const std::vector<int64_t>> shapes);

/// Calls `f(out_index, in_offset)` for every element of `shape` in row-major
/// order, where in_offset = base + sum(index[d] * strides[d]).
template <typename F>
void for_each_offset(std::span<const int64_t> shape, std::span<const int64_t> strides, int64_t base,
                     F&& f) {
  const int64_t n = numel_of(shape);
  if (n == 0) return;
  const size_t rank = shape.size();
  if (rank == 0) {
    f(int64_t{0}, base);
    return;
  }
  std::vector<int64_t> index(rank, 0);
  const int64_t inner = shape[rank - 1];
  const int64_t inner_stride = strides[rank - 1];
  int64_t row = base;  // offset of the current innermost row
  for (int64_t out = 0; out < n; out += inner) {
    for (int64_t j = 0; j < inner; ++j) f(out + j, row + j * inner_stride);
    for (size_t d = rank - 1; d-- > 0;) {
      row += strides[d];
      if (++index[d] < shape[d]) break;
      row -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

/// A new contiguous tensor of `shape` whose element k is src's element at the
/// k-th offset of for_each_offset(shape, strides, base): the one primitive
/// behind permute, expand, slice, select and broadcasting. Same dtype, exact.
HostTensor strided_copy(const HostTensor& src, std::vector<int64_t> shape,
                        std::span<const int64_t> strides, int64_t base);

/// `t` broadcast to `shape`, as doubles / as int64.
std::vector<double> broadcast_doubles(const HostTensor& t, std::span<const int64_t> shape);
std::vector<int64_t> broadcast_ints(const HostTensor& t, std::span<const int64_t> shape);

/// Splits a tensor's elements into lanes along the sorted dims `dims`: lane j
/// (j in row-major order of the remaining dims) holds the elements whose
/// remaining-dim index is j, in row-major order of `dims`; offsets[j * len + r]
/// is the flat offset of the r-th element of lane j. A 0-d tensor is one lane
/// of one element.
struct Lanes {
  int64_t count = 1;
  int64_t len = 1;
  std::vector<int64_t> offsets;
};
Lanes make_lanes(std::span<const int64_t> shape, std::span<const int64_t> dims);

/// Spatial attributes as ShapeInference reads them: empty means `fill` in
/// every dim, one entry applies to every dim.
std::vector<int64_t> expand_spatial(const std::vector<int64_t>& v, size_t n, int64_t fill);

/// Python floor division and ceil(a / b) for b > 0.
int64_t floor_div(int64_t a, int64_t b);
int64_t ceil_div(int64_t a, int64_t b);

// ---- Op families (one .cpp each) ----------------------------------------------
Expected<HostTensor> eval_source(const EvalContext& ctx);         // EvalSource.cpp
Expected<HostTensor> eval_elementwise(const EvalContext& ctx);    // EvalElementwise.cpp
Expected<HostTensor> eval_reduction(const EvalContext& ctx);      // EvalReduction.cpp
Expected<HostTensor> eval_normalization(const EvalContext& ctx);  // EvalNormalization.cpp
Expected<HostTensor> eval_gemm(const EvalContext& ctx);           // EvalLinalg.cpp
Expected<HostTensor> eval_attention(const EvalContext& ctx);      // EvalLinalg.cpp
Expected<HostTensor> eval_convolution(const EvalContext& ctx);    // EvalConv.cpp
Expected<HostTensor> eval_pool(const EvalContext& ctx);           // EvalPool.cpp
Expected<HostTensor> eval_view(const EvalContext& ctx);           // EvalShape.cpp
Expected<HostTensor> eval_data(const EvalContext& ctx);           // EvalShape.cpp

}  // namespace aotc::eval_internal

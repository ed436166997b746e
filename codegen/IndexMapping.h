// Index arithmetic through views, broadcasting and contiguous layouts.
//
// Views in the graph IR (reshape, permute, expand, slice, select) cost
// nothing at run time: a consumer reads the source through mapped indices
// (map_view_index) or, where a kernel template needs pointer+strides, through
// a composed strided view (view_of_view). Reshapes are mapped by grouping
// dimensions whose products match ([1, T, 256] <-> [1, T, 4, 64] groups
// 256 with 4x64), so the usual split/merge of adjacent dims needs no division
// by symbolic sizes; anything else falls back to linearize/delinearize.
#pragma once

#include <optional>
#include <vector>

#include "codegen/KernelGraph.h"
#include "ir/Graph.h"

namespace aotc::codegen {

using Index = std::vector<SymExpr>;

/// Row-major contiguous strides (in elements) of a shape.
std::vector<SymExpr> contiguous_strides(const Shape& shape);
/// Row-major offset of an index.
SymExpr contiguous_offset(const Shape& shape, const Index& index);
/// Offset of an index in a strided view.
SymExpr strided_offset(const StridedView& view, const Index& index);

/// The index of an operand of shape `operand` read at `index` of a broadcast result of shape `result`.
Index broadcast_index(const Shape& operand, const Shape& result, const Index& index);

/// The source index a view node's result index reads (view: reshape/permute/expand/slice/select).
Index map_view_index(const Node& view, const Index& index);

/// Row-major delinearization of `flat` over `shape` (first index unbounded).
Index delinearize(const SymExpr& flat, const Shape& shape);

/// The strided view of a view node's result, given its source as a strided view;
/// nullopt when a reshape cannot be expressed with strides.
std::optional<StridedView> view_of_view(const Node& view, const StridedView& source);

/// Reshapes several views of equal rank to exactly `keep_trailing + 1` dims
/// (a batch dim, then the trailing ones): leading dims merge into the batch
/// dim when their strides allow, fewer dims are padded with unit dims.
/// Returns false (views partly changed) when some view cannot be merged.
bool fold_leading_dims(std::vector<StridedView*> views, size_t keep_trailing);

/// A contiguous view of a whole buffer.
StridedView whole_buffer(const Buffer& b);

/// Loop variable names used in kernel index spaces.
SymExpr loop_var(const char* prefix, size_t i);
Index loop_vars(const char* prefix, size_t n);

}  // namespace aotc::codegen

// Reference evaluation of views (reshape, permute, expand, slice, select)
// and other data movement (cat, constant_pad, embedding, index_select,
// gather, tril, triu).
//
// Views are strided copies of the operand's bytes, so they are exact for
// every dtype. Index operands must be in range (negative indices are errors,
// as in ATen's embedding/index_select/gather); an out-of-range index is a
// user error naming the index and the size, never a crash.
#include <algorithm>
#include <cstring>

#include "eval/EvalSupport.h"

namespace aotc::eval_internal {
namespace {

Expected<std::vector<int64_t>> eval_syms(const EvalContext& ctx, const std::vector<SymExpr>& syms,
                                         std::string_view what) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < syms.size(); ++i) {
    AOTC_ASSIGN_OR_RETURN(int64_t v, ctx.eval_sym(syms[i], fmt::format("{}[{}]", what, i)));
    out.push_back(v);
  }
  return out;
}

Expected<size_t> normalize_dim(const EvalContext& ctx, int64_t dim, size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  if (dim < 0) dim += r;
  if (dim < 0 || dim >= r) return ctx.error("dim {} out of range for rank {}", dim, rank);
  return static_cast<size_t>(dim);
}

Expected<HostTensor> reshape(const EvalContext& ctx) {
  const HostTensor& x = ctx.in(0);
  AOTC_ASSIGN_OR_RETURN(std::vector<int64_t> shape,
                        eval_syms(ctx, ctx.node.attr_syms("shape"), "shape"));
  for (int64_t d : shape)
    if (d < 0) return ctx.error("cannot reshape to {}: negative size", shape_str(shape));
  if (numel_of(shape) != x.numel())
    return ctx.error("cannot reshape {} ({} elements) to {}", shape_str(x.shape()), x.numel(),
                     shape_str(shape));
  return x.clone().reshaped(shape);
}

Expected<HostTensor> permute(const EvalContext& ctx) {
  const HostTensor& x = ctx.in(0);
  const auto& dims = ctx.node.attr_ints("dims");
  if (dims.size() != x.rank())
    return ctx.error("permutation of {} dims for rank {}", dims.size(), x.rank());
  const std::vector<int64_t> in_strides = contiguous_strides(x.shape());
  std::vector<bool> seen(dims.size(), false);
  std::vector<int64_t> shape, strides;
  for (int64_t d : dims) {
    if (d < 0 || d >= static_cast<int64_t>(dims.size()) || seen[static_cast<size_t>(d)])
      return ctx.error("dims [{}] are not a permutation", fmt::join(dims, ", "));
    seen[static_cast<size_t>(d)] = true;
    shape.push_back(x.dim(static_cast<size_t>(d)));
    strides.push_back(in_strides[static_cast<size_t>(d)]);
  }
  return strided_copy(x, shape, strides, 0);
}

Expected<HostTensor> expand(const EvalContext& ctx) {
  const HostTensor& x = ctx.in(0);
  AOTC_ASSIGN_OR_RETURN(std::vector<int64_t> shape,
                        eval_syms(ctx, ctx.node.attr_syms("shape"), "shape"));
  if (shape.size() < x.rank())
    return ctx.error("cannot expand {} to fewer dims {}", shape_str(x.shape()), shape_str(shape));
  const size_t lead = shape.size() - x.rank();
  for (size_t i = 0; i < x.rank(); ++i)
    if (x.dim(i) != shape[lead + i] && x.dim(i) != 1)
      return ctx.error("cannot expand dimension {} of size {} to {}", i, x.dim(i), shape[lead + i]);
  for (int64_t d : shape)
    if (d < 0) return ctx.error("cannot expand to a negative size {}", d);
  return strided_copy(x, shape, broadcast_strides(x.shape(), shape), 0);
}

Expected<HostTensor> slice(const EvalContext& ctx) {
  const HostTensor& x = ctx.in(0);
  if (x.rank() == 0) return ctx.error("cannot slice a 0-d tensor");
  AOTC_ASSIGN_OR_RETURN(size_t dim, normalize_dim(ctx, ctx.node.attr_int("dim"), x.rank()));
  AOTC_ASSIGN_OR_RETURN(int64_t start, ctx.eval_sym(ctx.node.attr_sym("start"), "start"));
  AOTC_ASSIGN_OR_RETURN(int64_t end, ctx.eval_sym(ctx.node.attr_sym("end"), "end"));
  const int64_t step = ctx.node.attr_int("step");
  if (step <= 0) return ctx.error("step must be positive, got {}", step);
  // The IR promises 0 <= start <= end; clamp to the dim as PyTorch's slicing does.
  const int64_t size = x.dim(dim);
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, start, size);
  std::vector<int64_t> shape = x.shape();
  shape[dim] = ceil_div(end - start, step);
  std::vector<int64_t> strides = contiguous_strides(x.shape());
  const int64_t base = start * strides[dim];
  strides[dim] *= step;
  return strided_copy(x, shape, strides, base);
}

Expected<HostTensor> select(const EvalContext& ctx) {
  const HostTensor& x = ctx.in(0);
  if (x.rank() == 0) return ctx.error("cannot select from a 0-d tensor");
  AOTC_ASSIGN_OR_RETURN(size_t dim, normalize_dim(ctx, ctx.node.attr_int("dim"), x.rank()));
  AOTC_ASSIGN_OR_RETURN(int64_t index, ctx.eval_sym(ctx.node.attr_sym("index"), "index"));
  const int64_t size = x.dim(dim);
  if (index < -size || index >= size)
    return ctx.error("index {} is out of range for size {}", index, size);
  if (index < 0) index += size;
  std::vector<int64_t> shape = x.shape(), strides = contiguous_strides(x.shape());
  const int64_t base = index * strides[dim];
  shape.erase(shape.begin() + static_cast<ptrdiff_t>(dim));
  strides.erase(strides.begin() + static_cast<ptrdiff_t>(dim));
  return strided_copy(x, shape, strides, base);
}

Expected<HostTensor> cat(const EvalContext& ctx) {
  if (ctx.operands.empty()) return ctx.error("needs at least one tensor");
  const HostTensor& first = ctx.in(0);
  AOTC_ASSIGN_OR_RETURN(size_t dim, normalize_dim(ctx, ctx.node.attr_int("dim"), first.rank()));
  std::vector<int64_t> shape = first.shape();
  shape[dim] = 0;
  for (size_t i = 0; i < ctx.operands.size(); ++i) {
    const HostTensor& t = ctx.in(i);
    if (t.rank() != first.rank())
      return ctx.error("tensor {} has rank {}, tensor 0 has {}", i, t.rank(), first.rank());
    for (size_t d = 0; d < t.rank(); ++d)
      if (d != dim && t.dim(d) != first.dim(d))
        return ctx.error("tensor {} has size {} in dimension {}, tensor 0 has {}", i, t.dim(d), d,
                         first.dim(d));
    shape[dim] += t.dim(dim);
  }
  HostTensor out = HostTensor::zeros(ctx.out_dtype(), shape);
  const int64_t outer = numel_of(std::span<const int64_t>(shape).first(dim));
  const int64_t inner = numel_of(std::span<const int64_t>(shape).subspan(dim + 1));
  int64_t column = 0;  // where this tensor's block starts along `dim`
  for (size_t i = 0; i < ctx.operands.size(); ++i) {
    const HostTensor& t = ctx.in(i);
    const int64_t block = t.dim(dim) * inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t e = 0; e < block; ++e)
        convert_element(t, o * block + e, out, (o * shape[dim] + column) * inner + e);
    column += t.dim(dim);
  }
  return out;
}

Expected<HostTensor> constant_pad(const EvalContext& ctx) {
  const HostTensor& x = ctx.in(0);
  AOTC_ASSIGN_OR_RETURN(std::vector<int64_t> pad, eval_syms(ctx, ctx.node.attr_syms("pad"), "pad"));
  if (pad.size() % 2 != 0 || pad.size() / 2 > x.rank())
    return ctx.error("pad has {} entries for rank {}", pad.size(), x.rank());
  // before[d]: elements added in front of dim d (negative: cropped); pad lists the last dim first.
  std::vector<int64_t> before(x.rank(), 0), shape = x.shape();
  for (size_t i = 0; i < pad.size() / 2; ++i) {
    const size_t d = x.rank() - 1 - i;
    before[d] = pad[2 * i];
    shape[d] += pad[2 * i] + pad[2 * i + 1];
    if (shape[d] < 0)
      return ctx.error("padding dimension {} of size {} gives a negative size {}", d, x.dim(d),
                       shape[d]);
  }
  HostTensor out = HostTensor::zeros(ctx.out_dtype(), shape);
  const Scalar& value = ctx.node.attr_scalar("value");
  const std::vector<int64_t> in_strides = contiguous_strides(x.shape());
  std::vector<int64_t> index(shape.size(), 0);
  const size_t esize = dtype_size(x.dtype());
  for (int64_t k = 0; k < out.numel(); ++k) {
    int64_t src = 0;
    bool inside = true;
    for (size_t d = 0; d < shape.size(); ++d) {
      const int64_t i = index[d] - before[d];
      inside = inside && i >= 0 && i < x.dim(d);
      src += i * in_strides[d];
    }
    if (inside) {
      std::memcpy(static_cast<char*>(out.mutable_data()) + static_cast<size_t>(k) * esize,
                  static_cast<const char*>(x.data()) + static_cast<size_t>(src) * esize, esize);
    } else {
      set_scalar(out, k, value);
    }
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

// Reads an index tensor and checks every entry is in [0, size).
Expected<std::vector<int64_t>> read_indices(const EvalContext& ctx, const HostTensor& t,
                                            int64_t size, std::string_view what) {
  if (is_floating(t.dtype()) || t.dtype() == DType::Bool)
    return ctx.error("{} must be integers, got {}", what, dtype_name(t.dtype()));
  std::vector<int64_t> v = to_ints(t);
  for (int64_t i : v)
    if (i < 0 || i >= size) return ctx.error("{} {} is out of range for size {}", what, i, size);
  return v;
}

Expected<HostTensor> embedding(const EvalContext& ctx) {
  const HostTensor& w = ctx.in(0);
  const HostTensor& idx = ctx.in(1);
  if (w.rank() != 2) return ctx.error("weight must be 2-D, got {}", shape_str(w.shape()));
  AOTC_ASSIGN_OR_RETURN(std::vector<int64_t> rows, read_indices(ctx, idx, w.dim(0), "index"));
  std::vector<int64_t> shape = idx.shape();
  shape.push_back(w.dim(1));
  HostTensor out = HostTensor::zeros(w.dtype(), shape);
  const size_t row_bytes = static_cast<size_t>(w.dim(1)) * dtype_size(w.dtype());
  for (size_t i = 0; i < rows.size(); ++i)
    std::memcpy(static_cast<char*>(out.mutable_data()) + i * row_bytes,
                static_cast<const char*>(w.data()) + static_cast<size_t>(rows[i]) * row_bytes,
                row_bytes);
  return out;
}

Expected<HostTensor> index_select(const EvalContext& ctx) {
  const HostTensor& x = ctx.in(0);
  const HostTensor& idx = ctx.in(1);
  if (idx.rank() > 1) return ctx.error("index must be 0-D or 1-D, got {}", shape_str(idx.shape()));
  if (x.rank() == 0) {
    AOTC_RETURN_IF_ERROR(read_indices(ctx, idx, 1, "index"));
    if (idx.numel() != 1) return ctx.error("a 0-d input needs exactly one index");
    return x.clone();
  }
  AOTC_ASSIGN_OR_RETURN(size_t dim, normalize_dim(ctx, ctx.node.attr_int("dim"), x.rank()));
  AOTC_ASSIGN_OR_RETURN(std::vector<int64_t> picks, read_indices(ctx, idx, x.dim(dim), "index"));
  std::vector<int64_t> shape = x.shape();
  shape[dim] = static_cast<int64_t>(picks.size());
  std::vector<int64_t> strides = contiguous_strides(x.shape());
  HostTensor out = HostTensor::zeros(x.dtype(), shape);
  const int64_t outer = numel_of(std::span<const int64_t>(shape).first(dim));
  const int64_t inner = numel_of(std::span<const int64_t>(shape).subspan(dim + 1));
  const size_t chunk = static_cast<size_t>(inner) * dtype_size(x.dtype());
  int64_t k = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t p : picks)
      std::memcpy(
          static_cast<char*>(out.mutable_data()) + static_cast<size_t>(k++) * chunk,
          static_cast<const char*>(x.data()) +
              static_cast<size_t>(o * x.dim(dim) * inner + p * inner) * dtype_size(x.dtype()),
          chunk);
  return out;
}

Expected<HostTensor> gather(const EvalContext& ctx) {
  const HostTensor& x = ctx.in(0);
  const HostTensor& idx = ctx.in(1);
  if (idx.rank() != x.rank())
    return ctx.error("index must have the rank of the input ({}), got {}", x.rank(), idx.rank());
  if (x.rank() == 0) {
    AOTC_RETURN_IF_ERROR(read_indices(ctx, idx, 1, "index"));
    return x.clone();
  }
  AOTC_ASSIGN_OR_RETURN(size_t dim, normalize_dim(ctx, ctx.node.attr_int("dim"), x.rank()));
  for (size_t d = 0; d < x.rank(); ++d)
    if (d != dim && idx.dim(d) > x.dim(d))
      return ctx.error("index size {} exceeds the input's {} in dimension {}", idx.dim(d), x.dim(d),
                       d);
  AOTC_ASSIGN_OR_RETURN(std::vector<int64_t> picks, read_indices(ctx, idx, x.dim(dim), "index"));
  const std::vector<int64_t> in_strides = contiguous_strides(x.shape());
  HostTensor out = HostTensor::zeros(x.dtype(), idx.shape());
  const size_t esize = dtype_size(x.dtype());
  std::vector<int64_t> index(idx.rank(), 0);
  for (int64_t k = 0; k < idx.numel(); ++k) {
    int64_t src = 0;
    for (size_t d = 0; d < idx.rank(); ++d)
      src += (d == dim ? picks[static_cast<size_t>(k)] : index[d]) * in_strides[d];
    std::memcpy(static_cast<char*>(out.mutable_data()) + static_cast<size_t>(k) * esize,
                static_cast<const char*>(x.data()) + static_cast<size_t>(src) * esize, esize);
    for (size_t d = idx.rank(); d-- > 0;) {
      if (++index[d] < idx.dim(d)) break;
      index[d] = 0;
    }
  }
  return out;
}

// tril keeps col - row <= diagonal, triu keeps col - row >= diagonal, over the last two dims.
Expected<HostTensor> triangle(const EvalContext& ctx, bool lower) {
  const HostTensor& x = ctx.in(0);
  if (x.rank() < 2) return ctx.error("needs at least 2 dimensions, got {}", x.rank());
  const int64_t rows = x.dim(x.rank() - 2), cols = x.dim(x.rank() - 1);
  const int64_t diagonal = ctx.node.attr_int("diagonal");
  HostTensor out = x.clone();
  for (int64_t k = 0; k < out.numel(); ++k) {
    const int64_t col = k % cols, row = (k / cols) % rows;
    const bool keep = lower ? col - row <= diagonal : col - row >= diagonal;
    if (!keep) out.set_int(k, 0);
  }
  return out;
}

}  // namespace

Expected<HostTensor> eval_view(const EvalContext& ctx) {
  switch (ctx.node.op()) {
    case OpId::Reshape:
      return reshape(ctx);
    case OpId::Permute:
      return permute(ctx);
    case OpId::Expand:
      return expand(ctx);
    case OpId::Slice:
      return slice(ctx);
    case OpId::Select:
      return select(ctx);
    default:
      return ctx.unsupported("no rule for this view op");
  }
}

Expected<HostTensor> eval_data(const EvalContext& ctx) {
  switch (ctx.node.op()) {
    case OpId::Cat:
      return cat(ctx);
    case OpId::ConstantPad:
      return constant_pad(ctx);
    case OpId::Embedding:
      return embedding(ctx);
    case OpId::IndexSelect:
      return index_select(ctx);
    case OpId::Gather:
      return gather(ctx);
    case OpId::Tril:
      return triangle(ctx, true);
    case OpId::Triu:
      return triangle(ctx, false);
    default:
      return ctx.unsupported("no rule for this data op");
  }
}

}  // namespace aotc::eval_internal

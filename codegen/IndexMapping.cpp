// Index mapping through views (see IndexMapping.h).
#include "codegen/IndexMapping.h"

#include <algorithm>

#include "support/Check.h"

namespace aotc::codegen {
namespace {

bool is_one(const SymExpr& e) { return e == SymExpr(1); }

// Dimension groups of a reshape: dims [out_begin, out_end) of the result hold
// the same elements as dims [in_begin, in_end) of the source.
struct DimGroup {
  size_t out_begin, out_end, in_begin, in_end;
};

// Whether `a` divides `b` exactly, by SymExpr's exact division.
bool divides(const SymExpr& a, const SymExpr& b) {
  if (auto ca = a.constant(), cb = b.constant(); ca && cb) return *ca != 0 && *cb % *ca == 0;
  if (a.constant() == 0) return false;
  SymExpr q = SymExpr::floordiv(b, a);
  return q * a == b;
}

std::optional<std::vector<DimGroup>> reshape_groups(const Shape& out, const Shape& in) {
  std::vector<DimGroup> groups;
  size_t i = 0, j = 0;
  while (i < out.size() || j < in.size()) {
    if (i < out.size() && is_one(out[i])) {
      groups.push_back({i, i + 1, j, j});
      ++i;
      continue;
    }
    if (j < in.size() && is_one(in[j])) {
      groups.push_back({i, i, j, j + 1});
      ++j;
      continue;
    }
    if (i >= out.size() || j >= in.size()) return std::nullopt;
    DimGroup g{i, i + 1, j, j + 1};
    SymExpr po = out[i++], pi = in[j++];
    while (!(po == pi)) {
      // Extend the side whose product divides the other's.
      if (i < out.size() && divides(po, pi)) {
        po = po * out[i++];
      } else if (j < in.size() && divides(pi, po)) {
        pi = pi * in[j++];
      } else {
        return std::nullopt;
      }
    }
    g.out_end = i;
    g.in_end = j;
    groups.push_back(g);
  }
  return groups;
}

}  // namespace

SymExpr loop_var(const char* prefix, size_t i) { return SymExpr::symbol(std::string(prefix) + std::to_string(i)); }

Index loop_vars(const char* prefix, size_t n) {
  Index v;
  for (size_t i = 0; i < n; ++i) v.push_back(loop_var(prefix, i));
  return v;
}

std::vector<SymExpr> contiguous_strides(const Shape& shape) {
  std::vector<SymExpr> s(shape.size());
  SymExpr acc(1);
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    acc = acc * shape[i];
  }
  return s;
}

SymExpr contiguous_offset(const Shape& shape, const Index& index) {
  AOTC_CHECK(shape.size() == index.size(), "index rank {} for shape rank {}", index.size(), shape.size());
  SymExpr off(0);
  auto strides = contiguous_strides(shape);
  for (size_t i = 0; i < shape.size(); ++i)
    if (!is_one(shape[i])) off = off + index[i] * strides[i];
  return off;
}

SymExpr strided_offset(const StridedView& view, const Index& index) {
  AOTC_CHECK(view.strides.size() == index.size(), "index rank mismatch");
  SymExpr off = view.offset;
  for (size_t i = 0; i < index.size(); ++i) off = off + index[i] * view.strides[i];
  return off;
}

Index broadcast_index(const Shape& operand, const Shape& result, const Index& index) {
  AOTC_CHECK(operand.size() <= result.size(), "broadcast to a lower rank");
  size_t lead = result.size() - operand.size();
  Index out;
  for (size_t i = 0; i < operand.size(); ++i)
    out.push_back(is_one(operand[i]) && !is_one(result[lead + i]) ? SymExpr(0) : index[lead + i]);
  return out;
}

Index delinearize(const SymExpr& flat, const Shape& shape) {
  Index out(shape.size());
  SymExpr inner(1);
  for (size_t i = shape.size(); i-- > 0;) {
    if (is_one(shape[i])) {
      out[i] = SymExpr(0);
      continue;
    }
    SymExpr q = SymExpr::floordiv(flat, inner);
    out[i] = i == 0 ? q : SymExpr::mod(q, shape[i]);
    inner = inner * shape[i];
  }
  // Leading dims that are 1 except the first non-one: the first non-one dim needs no modulo.
  for (size_t i = 0; i < shape.size(); ++i) {
    if (is_one(shape[i])) continue;
    SymExpr in2(1);
    for (size_t k = i + 1; k < shape.size(); ++k) in2 = in2 * shape[k];
    out[i] = SymExpr::floordiv(flat, in2);
    break;
  }
  return out;
}

Index map_view_index(const Node& view, const Index& index) {
  const Value* src = view.operand(0);
  const Shape& in = src->shape();
  const Shape& out = view.result()->shape();
  switch (view.op()) {
    case OpId::Permute: {
      const auto& dims = view.attr_ints("dims");
      Index r(in.size());
      for (size_t i = 0; i < dims.size(); ++i) r[static_cast<size_t>(dims[i])] = index[i];
      return r;
    }
    case OpId::Expand:
      return broadcast_index(in, out, index);
    case OpId::Slice: {
      Index r = index;
      size_t d = static_cast<size_t>(view.attr_int("dim"));
      r[d] = view.attr_sym("start") + index[d] * SymExpr(view.attr_int("step"));
      return r;
    }
    case OpId::Select: {
      Index r = index;
      size_t d = static_cast<size_t>(view.attr_int("dim"));
      r.insert(r.begin() + static_cast<ptrdiff_t>(d), view.attr_sym("index"));
      return r;
    }
    case OpId::Reshape: {
      Index r(in.size(), SymExpr(0));
      if (auto groups = reshape_groups(out, in)) {
        for (const DimGroup& g : *groups) {
          if (g.in_begin == g.in_end) continue;
          Shape og(out.begin() + static_cast<ptrdiff_t>(g.out_begin), out.begin() + static_cast<ptrdiff_t>(g.out_end));
          Index oi(index.begin() + static_cast<ptrdiff_t>(g.out_begin),
                   index.begin() + static_cast<ptrdiff_t>(g.out_end));
          SymExpr flat = og.empty() ? SymExpr(0) : contiguous_offset(og, oi);
          Shape ig(in.begin() + static_cast<ptrdiff_t>(g.in_begin), in.begin() + static_cast<ptrdiff_t>(g.in_end));
          Index ii = delinearize(flat, ig);
          for (size_t k = 0; k < ii.size(); ++k) r[g.in_begin + k] = ii[k];
        }
        return r;
      }
      return delinearize(contiguous_offset(out, index), in);
    }
    default:
      AOTC_UNREACHABLE("map_view_index on {}", view.info().name);
  }
}

std::optional<StridedView> view_of_view(const Node& view, const StridedView& source) {
  StridedView v = source;
  v.shape = view.result()->shape();
  const Shape& in = view.operand(0)->shape();
  switch (view.op()) {
    case OpId::Permute: {
      const auto& dims = view.attr_ints("dims");
      v.strides.clear();
      for (int64_t d : dims) v.strides.push_back(source.strides[static_cast<size_t>(d)]);
      return v;
    }
    case OpId::Expand: {
      size_t lead = v.shape.size() - in.size();
      v.strides.assign(v.shape.size(), SymExpr(0));
      for (size_t i = 0; i < in.size(); ++i)
        v.strides[lead + i] = (is_one(in[i]) && !is_one(v.shape[lead + i])) ? SymExpr(0) : source.strides[i];
      return v;
    }
    case OpId::Slice: {
      size_t d = static_cast<size_t>(view.attr_int("dim"));
      v.offset = v.offset + view.attr_sym("start") * source.strides[d];
      v.strides[d] = source.strides[d] * SymExpr(view.attr_int("step"));
      return v;
    }
    case OpId::Select: {
      size_t d = static_cast<size_t>(view.attr_int("dim"));
      v.offset = v.offset + view.attr_sym("index") * source.strides[d];
      v.strides.erase(v.strides.begin() + static_cast<ptrdiff_t>(d));
      return v;
    }
    case OpId::Reshape: {
      auto groups = reshape_groups(v.shape, in);
      if (!groups) return std::nullopt;
      v.strides.assign(v.shape.size(), SymExpr(0));
      for (const DimGroup& g : *groups) {
        // The source dims of the group must be mergeable (row-major among the non-one dims).
        std::vector<size_t> real;
        for (size_t j = g.in_begin; j < g.in_end; ++j)
          if (!is_one(in[j])) real.push_back(j);
        for (size_t t = 0; t + 1 < real.size(); ++t)
          if (!(source.strides[real[t]] == source.strides[real[t + 1]] * in[real[t + 1]])) return std::nullopt;
        SymExpr inner = real.empty() ? SymExpr(0) : source.strides[real.back()];
        for (size_t i = g.out_end; i-- > g.out_begin;) {
          v.strides[i] = is_one(v.shape[i]) ? SymExpr(0) : inner;
          inner = inner * v.shape[i];
        }
      }
      return v;
    }
    default:
      return std::nullopt;
  }
}

bool fold_leading_dims(std::vector<StridedView*> views, size_t keep_trailing) {
  for (StridedView* v : views) {
    size_t r = v->shape.size();
    if (r <= keep_trailing + 1) {
      while (v->shape.size() < keep_trailing + 1) {
        v->shape.insert(v->shape.begin(), SymExpr(1));
        v->strides.insert(v->strides.begin(), SymExpr(0));
      }
      continue;
    }
    size_t lead = r - keep_trailing - 1;  // dims [0, lead] merge into one batch dim
    SymExpr extent(1);
    std::optional<size_t> prev;
    SymExpr stride(0);
    for (size_t i = 0; i <= lead; ++i) {
      extent = extent * v->shape[i];
      if (is_one(v->shape[i])) continue;
      if (prev && !(v->strides[*prev] == v->strides[i] * v->shape[i])) return false;
      prev = i;
      stride = v->strides[i];
    }
    v->shape.erase(v->shape.begin(), v->shape.begin() + static_cast<ptrdiff_t>(lead));
    v->strides.erase(v->strides.begin(), v->strides.begin() + static_cast<ptrdiff_t>(lead));
    v->shape[0] = extent;
    v->strides[0] = stride;
  }
  return true;
}

StridedView whole_buffer(const Buffer& b) {
  return StridedView{b.id, b.dtype, b.shape, SymExpr(0), contiguous_strides(b.shape)};
}

bool StridedView::is_contiguous() const {
  if (!(offset == SymExpr(0))) return false;
  auto c = contiguous_strides(shape);
  for (size_t i = 0; i < shape.size(); ++i)
    if (!is_one(shape[i]) && !(strides[i] == c[i])) return false;
  return true;
}

}  // namespace aotc::codegen

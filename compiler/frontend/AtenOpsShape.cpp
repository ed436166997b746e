// ATen view, layout, indexing and creation ops. Views become the IR's
// reshape/permute/expand/slice/select (value semantics; aliasing is resolved
// by the importer), identities (contiguous, clone, detach, dropout in eval)
// forward their input, and creation ops become full/arange.
#include <algorithm>
#include <cmath>

#include "frontend/ImportContext.h"

namespace aotc {
namespace {

using R = Expected<std::vector<Value*>>;

R one(Expected<Value*> v) {
  if (!v) return std::move(v).error();
  return std::vector<Value*>{*v};
}

R identity(ImportContext&, const ArgList& a) { return std::vector<Value*>{a.tensor("self")}; }

R view(ImportContext& c, const ArgList& a, const char* param) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(Shape shape, c.infer_view_shape(self, a.syms(param)));
  return one(c.reshape(self, std::move(shape)));
}

R view_size(ImportContext& c, const ArgList& a) { return view(c, a, "size"); }
R view_shape(ImportContext& c, const ArgList& a) { return view(c, a, "shape"); }

R flatten(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  if (self->rank() == 0) return one(c.reshape(self, {SymExpr(1)}));
  AOTC_ASSIGN_OR_RETURN(int64_t s0, a.int_("start_dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t e0, a.int_("end_dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t s, c.norm_dim(s0, self->rank()));
  AOTC_ASSIGN_OR_RETURN(int64_t e, c.norm_dim(e0, self->rank()));
  if (s > e) return c.invalid("flatten start_dim {} is after end_dim {}", s0, e0);
  Shape out(self->shape().begin(), self->shape().begin() + s);
  SymExpr n(1);
  for (int64_t i = s; i <= e; ++i) n = n * self->dim(static_cast<size_t>(i));
  out.push_back(n);
  out.insert(out.end(), self->shape().begin() + e + 1, self->shape().end());
  return one(c.reshape(self, std::move(out)));
}

R unflatten(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, self->rank()));
  // Resolve one -1 against the unflattened dimension alone.
  std::vector<SymExpr> sizes = a.syms("sizes");
  SymExpr known(1);
  int infer = -1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == SymExpr(-1)) infer = static_cast<int>(i);
    else known = known * sizes[i];
  }
  if (infer >= 0) sizes[static_cast<size_t>(infer)] = SymExpr::floordiv(self->dim(static_cast<size_t>(d)), known);
  Shape out(self->shape().begin(), self->shape().begin() + d);
  out.insert(out.end(), sizes.begin(), sizes.end());
  out.insert(out.end(), self->shape().begin() + d + 1, self->shape().end());
  return one(c.reshape(self, std::move(out)));
}

Expected<Value*> squeeze_dims(ImportContext& c, Value* self, std::vector<int64_t> dims) {
  Shape out;
  for (size_t i = 0; i < self->rank(); ++i) {
    bool listed = std::find(dims.begin(), dims.end(), static_cast<int64_t>(i)) != dims.end();
    if (listed && self->dim(i) == SymExpr(1)) continue;
    out.push_back(self->dim(i));
  }
  return c.reshape(self, std::move(out));
}

R squeeze_default(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  std::vector<int64_t> all;
  for (size_t i = 0; i < self->rank(); ++i) all.push_back(static_cast<int64_t>(i));
  return one(squeeze_dims(c, self, all));
}

R squeeze_dim(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, self->rank()));
  return one(squeeze_dims(c, self, {d}));
}

R squeeze_dims_op(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(auto dims, a.ints("dim"));
  for (auto& d : dims) {
    AOTC_ASSIGN_OR_RETURN(d, c.norm_dim(d, self->rank()));
  }
  return one(squeeze_dims(c, self, dims));
}

R unsqueeze(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(int64_t d, a.int_("dim"));
  return one(c.unsqueeze(a.tensor("self"), d));
}

R permute(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(auto dims, a.ints("dims"));
  for (auto& d : dims) {
    AOTC_ASSIGN_OR_RETURN(d, c.norm_dim(d, self->rank()));
  }
  return one(c.permute(self, dims));
}

R transpose(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  if (self->rank() == 0) return std::vector<Value*>{self};
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim0"));
  AOTC_ASSIGN_OR_RETURN(int64_t d1, a.int_("dim1"));
  AOTC_ASSIGN_OR_RETURN(d0, c.norm_dim(d0, self->rank()));
  AOTC_ASSIGN_OR_RETURN(d1, c.norm_dim(d1, self->rank()));
  std::vector<int64_t> perm;
  for (size_t i = 0; i < self->rank(); ++i) perm.push_back(static_cast<int64_t>(i));
  std::swap(perm[static_cast<size_t>(d0)], perm[static_cast<size_t>(d1)]);
  return one(c.permute(self, perm));
}

R t(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  if (self->rank() > 2) return c.invalid("t() expects a tensor with at most 2 dimensions, got {}", self->rank());
  if (self->rank() < 2) return std::vector<Value*>{self};
  return one(c.permute(self, {1, 0}));
}

R expand(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  std::vector<SymExpr> size = a.syms("size");
  if (size.size() < self->rank()) return c.invalid("expand to {} dims from {}", size.size(), self->rank());
  size_t lead = size.size() - self->rank();
  for (size_t i = 0; i < size.size(); ++i) {
    if (size[i] == SymExpr(-1)) {
      if (i < lead) return c.invalid("expand: -1 is not allowed for a new leading dimension");
      size[i] = self->dim(i - lead);
    }
  }
  return one(c.expand(self, std::move(size)));
}

R dropout(ImportContext& c, const ArgList& a) {
  if (a.bool_("train") && a.float_("p") > 0) return c.unsupported("dropout in training mode; export the model after model.eval()");
  return std::vector<Value*>{a.tensor("input")};
}

R native_dropout(ImportContext& c, const ArgList& a) {
  if (a.opt_bool("train").value_or(false) && a.float_("p") > 0)
    return c.unsupported("dropout in training mode; export the model after model.eval()");
  return std::vector<Value*>{a.tensor("input"), nullptr};
}

// PyTorch's slice index normalization: negative from the end, clamped to [0, size].
SymExpr normalize_slice_index(const SymExpr& index, const SymExpr& size, bool is_end) {
  if (auto c = index.constant()) {
    if (is_end && *c >= (int64_t{1} << 62)) return size;
    if (auto sc = size.constant()) {
      int64_t v = *c < 0 ? *c + *sc : *c;
      return SymExpr(std::clamp<int64_t>(v, 0, *sc));
    }
    if (*c < 0) return SymExpr::max(size + SymExpr(*c), SymExpr(0));
    if (*c == 0) return SymExpr(0);
    return SymExpr::min(SymExpr(*c), size);
  }
  if (index == size) return size;
  return SymExpr::min(index, size);
}

R slice(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, self->rank()));
  AOTC_ASSIGN_OR_RETURN(int64_t step, a.int_("step"));
  if (step <= 0) return c.invalid("slice step must be positive, got {}", step);
  const SymExpr& size = self->dim(static_cast<size_t>(d));
  SymExpr start = normalize_slice_index(a.opt_sym("start").value_or(SymExpr(0)), size, false);
  SymExpr end = normalize_slice_index(a.opt_sym("end").value_or(SymExpr(int64_t{1} << 62)), size, true);
  if (auto s = start.constant(), e = end.constant(); s && e && *e < *s) end = start;
  return one(c.slice(self, d, start, end, step));
}

R narrow(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, self->rank()));
  SymExpr start = a.sym("start");
  if (auto s = start.constant(); s && *s < 0) start = self->dim(static_cast<size_t>(d)) + start;
  return one(c.slice(self, d, start, start + a.sym("length")));
}

R select(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, self->rank()));
  SymExpr index = a.sym("index");
  const SymExpr& size = self->dim(static_cast<size_t>(d));
  if (auto i = index.constant()) {
    if (auto sc = size.constant(); sc && (*i >= *sc || *i < -*sc))
      return c.invalid("index {} is out of range for dimension {} of size {}", *i, d, *sc);
    if (*i < 0) index = size + index;
  }
  return one(c.make(OpId::Select, {self}, {{"dim", d}, {"index", index}}));
}

// Splits `self` along `dim` into pieces of the given sizes.
R split_sizes(ImportContext& c, Value* self, int64_t dim, const std::vector<SymExpr>& sizes) {
  std::vector<Value*> out;
  SymExpr offset(0);
  for (const SymExpr& s : sizes) {
    AOTC_ASSIGN_OR_RETURN(Value * piece, c.slice(self, dim, offset, offset + s));
    out.push_back(piece);
    offset = offset + s;
  }
  if (!(offset == self->dim(static_cast<size_t>(dim))))
    return c.invalid("split sizes add up to {}, but dimension {} has size {}", offset.to_string(), dim,
                     self->dim(static_cast<size_t>(dim)).to_string());
  return out;
}

R split_tensor(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, self->rank()));
  AOTC_ASSIGN_OR_RETURN(int64_t split, a.int_("split_size"));
  auto size = self->dim(static_cast<size_t>(d)).constant();
  if (!size) return c.unsupported("split along a dynamic dimension");
  if (split <= 0) return c.invalid("split_size must be positive");
  std::vector<SymExpr> sizes;
  for (int64_t off = 0; off < *size; off += split) sizes.emplace_back(std::min(split, *size - off));
  if (sizes.empty()) sizes.emplace_back(0);
  return split_sizes(c, self, d, sizes);
}

R split_with_sizes(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, self->rank()));
  return split_sizes(c, self, d, a.syms("split_sizes"));
}

R chunk(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, self->rank()));
  AOTC_ASSIGN_OR_RETURN(int64_t chunks, a.int_("chunks"));
  auto size = self->dim(static_cast<size_t>(d)).constant();
  if (!size) return c.unsupported("chunk along a dynamic dimension");
  if (chunks <= 0) return c.invalid("chunks must be positive");
  int64_t split = (*size + chunks - 1) / chunks;
  std::vector<SymExpr> sizes;
  for (int64_t off = 0; off < *size; off += split) sizes.emplace_back(std::min(split, *size - off));
  if (sizes.empty()) sizes.emplace_back(0);
  return split_sizes(c, self, d, sizes);
}

R unbind(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, self->rank()));
  auto size = self->dim(static_cast<size_t>(d)).constant();
  if (!size) return c.unsupported("unbind along a dynamic dimension");
  std::vector<Value*> out;
  for (int64_t i = 0; i < *size; ++i) {
    AOTC_ASSIGN_OR_RETURN(Value * v, c.make(OpId::Select, {self}, {{"dim", d}, {"index", SymExpr(i)}}));
    out.push_back(v);
  }
  return out;
}

Expected<Value*> cat_values(ImportContext& c, std::vector<Value*> tensors, int64_t dim0) {
  // PyTorch skips legacy empty 1-D tensors of shape [0] when other inputs have more dims.
  size_t max_rank = 0;
  for (Value* v : tensors) max_rank = std::max(max_rank, v->rank());
  std::erase_if(tensors, [&](Value* v) { return max_rank > 1 && v->rank() == 1 && v->dim(0) == SymExpr(0); });
  if (tensors.empty()) return c.invalid("cat of no tensors");
  AOTC_ASSIGN_OR_RETURN(int64_t dim, c.norm_dim(dim0, tensors[0]->rank()));
  if (tensors.size() == 1) return tensors[0];
  return c.make(OpId::Cat, std::move(tensors), {{"dim", dim}});
}

R cat(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(int64_t dim, a.int_("dim"));
  return one(cat_values(c, a.tensors("tensors"), dim));
}

R stack(ImportContext& c, const ArgList& a) {
  const auto& tensors = a.tensors("tensors");
  if (tensors.empty()) return c.invalid("stack of no tensors");
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, tensors[0]->rank() + 1));
  std::vector<Value*> parts;
  for (Value* v : tensors) {
    AOTC_ASSIGN_OR_RETURN(Value * u, c.unsqueeze(v, d));
    parts.push_back(u);
  }
  if (parts.size() == 1) return std::vector<Value*>{parts[0]};
  return one(c.make(OpId::Cat, std::move(parts), {{"dim", d}}));
}

R repeat(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  const auto& reps = a.syms("repeats");
  if (reps.size() < self->rank()) return c.invalid("repeat needs at least {} repeat counts", self->rank());
  size_t lead = reps.size() - self->rank();
  // [d0, d1] repeated [r0, r1] = reshape(expand(reshape(x, [1, d0, 1, d1]), [r0, d0, r1, d1]), [r0*d0, r1*d1]).
  Shape interleaved, expanded, out;
  for (size_t i = 0; i < reps.size(); ++i) {
    SymExpr d = i < lead ? SymExpr(1) : self->dim(i - lead);
    interleaved.push_back(SymExpr(1));
    interleaved.push_back(d);
    expanded.push_back(reps[i]);
    expanded.push_back(d);
    out.push_back(reps[i] * d);
  }
  AOTC_ASSIGN_OR_RETURN(Value * v, c.reshape(self, interleaved));
  AOTC_ASSIGN_OR_RETURN(v, c.expand(v, expanded));
  return one(c.reshape(v, out));
}

R constant_pad(ImportContext& c, const ArgList& a, const Scalar& value) {
  Value* self = a.tensor("self");
  const auto& pad = a.syms("pad");
  if (pad.size() % 2 != 0 || pad.size() / 2 > self->rank())
    return c.invalid("pad has {} entries; it needs an even number, at most twice the rank {}", pad.size(),
                     self->rank());
  bool zero = std::all_of(pad.begin(), pad.end(), [](const SymExpr& p) { return p == SymExpr(0); });
  if (zero) return std::vector<Value*>{self};
  return one(c.make(OpId::ConstantPad, {self}, {{"pad", pad}, {"value", value}}));
}

R constant_pad_nd(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar value, a.scalar("value"));
  return constant_pad(c, a, value);
}

R pad(ImportContext& c, const ArgList& a) {
  const std::string& mode = a.str("mode");
  if (mode != "constant") return c.unsupported("pad mode '{}' (only 'constant' is supported)", mode);
  return constant_pad(c, a, Scalar::from_float(a.opt_float("value").value_or(0.0)));
}

R embedding(ImportContext& c, const ArgList& a) {
  return one(c.make(OpId::Embedding, {a.tensor("weight"), a.tensor("indices")}));
}

R index_select(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, self->rank()));
  return one(c.make(OpId::IndexSelect, {self, a.tensor("index")}, {{"dim", d}}));
}

R gather(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, self->rank()));
  return one(c.make(OpId::Gather, {self, a.tensor("index")}, {{"dim", d}}));
}

R index_tensor(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  const auto& indices = a.tensors("indices");
  int pos = -1;
  for (size_t i = 0; i < indices.size(); ++i) {
    if (!indices[i]) continue;
    if (pos >= 0) return c.unsupported("advanced indexing with more than one index tensor");
    pos = static_cast<int>(i);
  }
  if (pos < 0) return std::vector<Value*>{self};
  Value* idx = indices[static_cast<size_t>(pos)];
  if (idx->dtype() == DType::Bool || idx->dtype() == DType::UInt8)
    return c.unsupported("boolean mask indexing (its result size depends on the data)");
  if (is_floating(idx->dtype())) return c.invalid("index tensors must be integers");
  // self[:, idx] == reshape(index_select(self, pos, flatten(idx)), self[:pos] + idx.shape + self[pos+1:]).
  AOTC_ASSIGN_OR_RETURN(Value * flat, c.reshape(idx, {idx->type().numel()}));
  AOTC_ASSIGN_OR_RETURN(Value * sel, c.make(OpId::IndexSelect, {self, flat}, {{"dim", int64_t{pos}}}));
  Shape out(self->shape().begin(), self->shape().begin() + pos);
  out.insert(out.end(), idx->shape().begin(), idx->shape().end());
  out.insert(out.end(), self->shape().begin() + pos + 1, self->shape().end());
  return one(c.reshape(sel, out));
}

template <OpId Op>
R tri(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(int64_t diag, a.int_("diagonal"));
  return one(c.make(Op, {a.tensor("self")}, {{"diagonal", diag}}));
}

// ---- Creation ------------------------------------------------------------------------

DType default_dtype_for(const Scalar& s) {
  if (s.is_bool()) return DType::Bool;
  if (s.is_int()) return DType::Int64;
  return DType::Float32;
}

// A Scalar argument that may be symbolic (arange(end=sym_size)): as SymExpr if integral.
std::optional<SymExpr> scalar_as_sym(const ArgList& a, std::string_view name) {
  auto s = a.scalar(name);
  if (s && s->is_int()) return SymExpr(s->i);
  if (!s) return a.opt_sym(name);
  return std::nullopt;
}

R arange_impl(ImportContext& c, const ArgList& a, std::optional<std::string_view> start_name,
              std::optional<std::string_view> step_name) {
  std::vector<std::string_view> names = {"end"};
  if (start_name) names.push_back(*start_name);
  if (step_name) names.push_back(*step_name);
  bool all_int = true;
  for (auto n : names) {
    auto s = a.scalar(n);
    if (s && !s->is_int()) all_int = false;
  }
  DType dtype = a.dtype("dtype").value_or(all_int ? DType::Int64 : DType::Float32);
  if (all_int) {
    auto end = scalar_as_sym(a, "end");
    SymExpr start = start_name ? *scalar_as_sym(a, *start_name) : SymExpr(0);
    SymExpr step = step_name ? *scalar_as_sym(a, *step_name) : SymExpr(1);
    auto st = step.constant();
    if (!st || *st == 0) return c.unsupported("arange needs a constant non-zero step");
    SymExpr length = *st > 0 ? SymExpr::ceildiv(*end - start, step) : SymExpr::ceildiv(start - *end, -step);
    if (auto l = length.constant(); l && *l < 0) length = SymExpr(0);
    auto sc = start.constant();
    if (!sc) return c.unsupported("arange with a symbolic start");
    return one(c.make(OpId::Arange, {},
                      {{"length", length}, {"start", Scalar::from_int(*sc)}, {"step", Scalar::from_int(*st)}},
                      dtype));
  }
  AOTC_ASSIGN_OR_RETURN(Scalar end, a.scalar("end"));
  Scalar start = Scalar::from_int(0), step = Scalar::from_int(1);
  if (start_name) {
    AOTC_ASSIGN_OR_RETURN(start, a.scalar(*start_name));
  }
  if (step_name) {
    AOTC_ASSIGN_OR_RETURN(step, a.scalar(*step_name));
  }
  double n = std::ceil((end.to_double() - start.to_double()) / step.to_double());
  if (!(n >= 0)) n = 0;
  return one(c.make(OpId::Arange, {},
                    {{"length", SymExpr(static_cast<int64_t>(n))}, {"start", Scalar::from_float(start.to_double())},
                     {"step", Scalar::from_float(step.to_double())}},
                    dtype));
}

R arange(ImportContext& c, const ArgList& a) { return arange_impl(c, a, std::nullopt, std::nullopt); }
R arange_start(ImportContext& c, const ArgList& a) { return arange_impl(c, a, "start", std::nullopt); }
R arange_start_step(ImportContext& c, const ArgList& a) { return arange_impl(c, a, "start", "step"); }

R full_of(ImportContext& c, Shape shape, const Scalar& value, DType dtype) {
  return one(c.make(OpId::Full, {}, {{"shape", std::move(shape)}, {"value", value}}, dtype));
}

R full(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar v, a.scalar("fill_value"));
  return full_of(c, a.syms("size"), v, a.dtype("dtype").value_or(default_dtype_for(v)));
}
R zeros(ImportContext& c, const ArgList& a) {
  return full_of(c, a.syms("size"), Scalar::from_int(0), a.dtype("dtype").value_or(DType::Float32));
}
R ones(ImportContext& c, const ArgList& a) {
  return full_of(c, a.syms("size"), Scalar::from_int(1), a.dtype("dtype").value_or(DType::Float32));
}
R full_like(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar v, a.scalar("fill_value"));
  Value* self = a.tensor("self");
  return full_of(c, self->shape(), v, a.dtype("dtype").value_or(self->dtype()));
}
R zeros_like(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  return full_of(c, self->shape(), Scalar::from_int(0), a.dtype("dtype").value_or(self->dtype()));
}
R ones_like(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  return full_of(c, self->shape(), Scalar::from_int(1), a.dtype("dtype").value_or(self->dtype()));
}
R new_zeros(ImportContext& c, const ArgList& a) {
  return full_of(c, a.syms("size"), Scalar::from_int(0), a.dtype("dtype").value_or(a.tensor("self")->dtype()));
}
R new_ones(ImportContext& c, const ArgList& a) {
  return full_of(c, a.syms("size"), Scalar::from_int(1), a.dtype("dtype").value_or(a.tensor("self")->dtype()));
}
R new_full(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar v, a.scalar("fill_value"));
  return full_of(c, a.syms("size"), v, a.dtype("dtype").value_or(a.tensor("self")->dtype()));
}
R scalar_tensor(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar v, a.scalar("s"));
  return full_of(c, {}, v, a.dtype("dtype").value_or(DType::Float32));
}

R copy(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(Value * src, c.cast(a.tensor("src"), self->dtype()));
  return one(c.expand(src, self->shape()));
}

R fill_scalar(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(Scalar v, a.scalar("value"));
  return full_of(c, self->shape(), v, self->dtype());
}

R zero_(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  return full_of(c, self->shape(), Scalar::from_int(0), self->dtype());
}

R assert_tensor_metadata(ImportContext& c, const ArgList& a) {
  Value* t = a.tensor("a");
  if (auto d = a.dtype("dtype"); d && *d != t->dtype())
    return c.invalid("tensor metadata assertion: dtype is {}, expected {}", dtype_name(t->dtype()), dtype_name(*d));
  return std::vector<Value*>{};
}

#define FACTORY "*, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None"
#define FACTORY_MF FACTORY ", MemoryFormat? memory_format=None"

const AtenOpEntry kOps[] = {
    {"aten.view.default", "view(Tensor(a) self, SymInt[] size) -> Tensor(a)", view_size},
    {"aten.reshape.default", "reshape(Tensor(a) self, SymInt[] shape) -> Tensor(a)", view_shape},
    {"aten._unsafe_view.default", "_unsafe_view(Tensor self, SymInt[] size) -> Tensor", view_size},
    {"aten._reshape_alias.default", "_reshape_alias(Tensor(a) self, SymInt[] size, SymInt[] stride) -> Tensor(a)",
     view_size},
    {"aten.flatten.using_ints", "flatten.using_ints(Tensor(a) self, int start_dim=0, int end_dim=-1) -> Tensor(a)",
     flatten},
    {"aten.unflatten.int", "unflatten.int(Tensor(a) self, int dim, SymInt[] sizes) -> Tensor(a)", unflatten},
    {"aten.squeeze.default", "squeeze(Tensor(a) self) -> Tensor(a)", squeeze_default},
    {"aten.squeeze.dim", "squeeze.dim(Tensor(a) self, int dim) -> Tensor(a)", squeeze_dim},
    {"aten.squeeze.dims", "squeeze.dims(Tensor(a) self, int[] dim) -> Tensor(a)", squeeze_dims_op},
    {"aten.unsqueeze.default", "unsqueeze(Tensor(a) self, int dim) -> Tensor(a)", unsqueeze},
    {"aten.permute.default", "permute(Tensor(a) self, int[] dims) -> Tensor(a)", permute},
    {"aten.transpose.int", "transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)", transpose},
    {"aten.t.default", "t(Tensor(a) self) -> Tensor(a)", t},
    {"aten.numpy_T.default", "numpy_T(Tensor(a) self) -> Tensor(a)", t},
    {"aten.expand.default", "expand(Tensor(a) self, SymInt[] size, *, bool implicit=False) -> Tensor(a)", expand},
    {"aten.contiguous.default", "contiguous(Tensor(a) self, *, MemoryFormat memory_format=contiguous_format) -> Tensor(a)",
     identity},
    {"aten.clone.default", "clone(Tensor self, *, MemoryFormat? memory_format=None) -> Tensor", identity},
    {"aten.alias.default", "alias(Tensor(a) self) -> Tensor(a)", identity},
    {"aten.detach.default", "detach(Tensor(a) self) -> Tensor(a)", identity},
    {"aten.detach_.default", "detach_(Tensor(a!) self) -> Tensor(a!)", identity},
    {"aten.lift_fresh_copy.default", "lift_fresh_copy(Tensor self) -> Tensor", identity},
    {"aten.dropout.default", "dropout(Tensor input, float p, bool train) -> Tensor", dropout},
    {"aten.native_dropout.default", "native_dropout(Tensor input, float p, bool? train) -> (Tensor, Tensor)",
     native_dropout},
    {"aten.slice.Tensor",
     "slice.Tensor(Tensor(a) self, int dim=0, SymInt? start=None, SymInt? end=None, SymInt step=1) -> Tensor(a)",
     slice},
    {"aten.narrow.default", "narrow(Tensor(a) self, int dim, SymInt start, SymInt length) -> Tensor(a)", narrow},
    {"aten.select.int", "select.int(Tensor(a) self, int dim, SymInt index) -> Tensor(a)", select},
    {"aten.split.Tensor", "split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) -> Tensor(a)[]",
     split_tensor},
    {"aten.split_with_sizes.default",
     "split_with_sizes(Tensor(a -> *) self, SymInt[] split_sizes, int dim=0) -> Tensor(a)[]", split_with_sizes},
    {"aten.chunk.default", "chunk(Tensor(a -> *) self, int chunks, int dim=0) -> Tensor(a)[]", chunk},
    {"aten.unbind.int", "unbind.int(Tensor(a -> *) self, int dim=0) -> Tensor(a)[]", unbind},
    {"aten.cat.default", "cat(Tensor[] tensors, int dim=0) -> Tensor", cat},
    {"aten.concat.default", "concat(Tensor[] tensors, int dim=0) -> Tensor", cat},
    {"aten.concatenate.default", "concatenate(Tensor[] tensors, int dim=0) -> Tensor", cat},
    {"aten.stack.default", "stack(Tensor[] tensors, int dim=0) -> Tensor", stack},
    {"aten.repeat.default", "repeat(Tensor self, SymInt[] repeats) -> Tensor", repeat},
    {"aten.constant_pad_nd.default", "constant_pad_nd(Tensor self, SymInt[] pad, Scalar value=0) -> Tensor",
     constant_pad_nd},
    {"aten.pad.default", "pad(Tensor self, SymInt[] pad, str mode=\"constant\", float? value=None) -> Tensor", pad},
    {"aten.embedding.default",
     "embedding(Tensor weight, Tensor indices, SymInt padding_idx=-1, bool scale_grad_by_freq=False, bool "
     "sparse=False) -> Tensor",
     embedding},
    {"aten.index_select.default", "index_select(Tensor self, int dim, Tensor index) -> Tensor", index_select},
    {"aten.gather.default", "gather(Tensor self, int dim, Tensor index, *, bool sparse_grad=False) -> Tensor", gather},
    {"aten.index.Tensor", "index.Tensor(Tensor self, Tensor?[] indices) -> Tensor", index_tensor},
    {"aten.tril.default", "tril(Tensor self, int diagonal=0) -> Tensor", tri<OpId::Tril>},
    {"aten.triu.default", "triu(Tensor self, int diagonal=0) -> Tensor", tri<OpId::Triu>},
    {"aten.arange.default", "arange(Scalar end, " FACTORY ") -> Tensor", arange},
    {"aten.arange.start", "arange.start(Scalar start, Scalar end, " FACTORY ") -> Tensor", arange_start},
    {"aten.arange.start_step", "arange.start_step(Scalar start, Scalar end, Scalar step=1, " FACTORY ") -> Tensor",
     arange_start_step},
    {"aten.full.default", "full(SymInt[] size, Scalar fill_value, " FACTORY ") -> Tensor", full},
    {"aten.zeros.default", "zeros(SymInt[] size, " FACTORY ") -> Tensor", zeros},
    {"aten.ones.default", "ones(SymInt[] size, " FACTORY ") -> Tensor", ones},
    {"aten.empty.memory_format", "empty.memory_format(SymInt[] size, " FACTORY_MF ") -> Tensor", zeros},
    {"aten.full_like.default", "full_like(Tensor self, Scalar fill_value, " FACTORY_MF ") -> Tensor", full_like},
    {"aten.zeros_like.default", "zeros_like(Tensor self, " FACTORY_MF ") -> Tensor", zeros_like},
    {"aten.ones_like.default", "ones_like(Tensor self, " FACTORY_MF ") -> Tensor", ones_like},
    {"aten.empty_like.default", "empty_like(Tensor self, " FACTORY_MF ") -> Tensor", zeros_like},
    {"aten.new_zeros.default", "new_zeros(Tensor self, SymInt[] size, " FACTORY ") -> Tensor", new_zeros},
    {"aten.new_ones.default", "new_ones(Tensor self, SymInt[] size, " FACTORY ") -> Tensor", new_ones},
    {"aten.new_empty.default", "new_empty(Tensor self, SymInt[] size, " FACTORY ") -> Tensor", new_zeros},
    {"aten.new_full.default", "new_full(Tensor self, SymInt[] size, Scalar fill_value, " FACTORY ") -> Tensor",
     new_full},
    {"aten.scalar_tensor.default", "scalar_tensor(Scalar s, " FACTORY ") -> Tensor", scalar_tensor},
    {"aten.copy.default", "copy(Tensor self, Tensor src, bool non_blocking=False) -> Tensor", copy},
    {"aten.copy_.default", "copy_(Tensor(a!) self, Tensor src, bool non_blocking=False) -> Tensor(a!)", copy, true},
    {"aten.fill.Scalar", "fill.Scalar(Tensor self, Scalar value) -> Tensor", fill_scalar},
    {"aten.fill_.Scalar", "fill_.Scalar(Tensor(a!) self, Scalar value) -> Tensor(a!)", fill_scalar, true},
    {"aten.zero_.default", "zero_(Tensor(a!) self) -> Tensor(a!)", zero_, true},
    {"aten._assert_tensor_metadata.default",
     "_assert_tensor_metadata(Tensor a, SymInt[]? size=None, SymInt[]? stride=None, ScalarType? dtype=None, *, "
     "Device? device=None, Layout? layout=None) -> ()",
     assert_tensor_metadata},
};

}  // namespace

std::span<const AtenOpEntry> aten_shape_ops() { return kOps; }

}  // namespace aotc

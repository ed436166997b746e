// ArgList accessors, IR-building helpers for lowerings, and the ATen op lookup.
#include "frontend/ImportContext.h"

#include <mutex>
#include <unordered_map>

#include "support/Check.h"

namespace aotc {

// ---- ArgList -----------------------------------------------------------------------

const ArgValue& ArgList::get(std::string_view name) const {
  int idx = schema_->param_index(name);
  AOTC_CHECK(idx >= 0, "lowering of {} asks for unknown parameter '{}'", schema_->name, name);
  return values_[static_cast<size_t>(idx)];
}

std::optional<SymExpr> ArgList::opt_sym(std::string_view name) const {
  const ArgValue& v = get(name);
  if (v.none || v.syms.empty()) return std::nullopt;
  return v.syms[0];
}

Expected<int64_t> ArgList::int_(std::string_view name) const {
  const ArgValue& v = get(name);
  if (v.none || v.syms.empty()) return ctx_->invalid("argument '{}' is None but an integer is needed", name);
  auto c = v.syms[0].constant();
  if (!c) return ctx_->unsupported("argument '{}' is symbolic ({}); aotc needs a constant here", name,
                                   v.syms[0].to_string());
  return *c;
}

Expected<std::optional<int64_t>> ArgList::opt_int(std::string_view name) const {
  if (get(name).none) return std::optional<int64_t>();
  AOTC_ASSIGN_OR_RETURN(int64_t v, int_(name));
  return std::optional<int64_t>(v);
}

Expected<std::vector<int64_t>> ArgList::ints(std::string_view name) const {
  const ArgValue& v = get(name);
  std::vector<int64_t> out;
  for (const SymExpr& e : v.syms) {
    auto c = e.constant();
    if (!c) return ctx_->unsupported("argument '{}' has a symbolic element ({}); aotc needs constants here", name,
                                     e.to_string());
    out.push_back(*c);
  }
  return out;
}

std::optional<double> ArgList::opt_float(std::string_view name) const {
  const ArgValue& v = get(name);
  if (v.none || v.floats.empty()) return std::nullopt;
  return v.floats[0];
}

std::optional<bool> ArgList::opt_bool(std::string_view name) const {
  const ArgValue& v = get(name);
  if (v.none || v.bools.empty()) return std::nullopt;
  return v.bools[0];
}

std::optional<std::string> ArgList::opt_str(std::string_view name) const {
  const ArgValue& v = get(name);
  if (v.none) return std::nullopt;
  return v.str;
}

Expected<Scalar> ArgList::scalar(std::string_view name) const {
  const ArgValue& v = get(name);
  if (v.none) return ctx_->invalid("argument '{}' is None but a number is needed", name);
  if (v.scalar_is_sym) {
    auto c = v.syms.at(0).constant();
    if (!c) return ctx_->unsupported("argument '{}' is a symbolic number ({}), which aotc cannot use here", name,
                                     v.syms[0].to_string());
    return Scalar::from_int(*c);
  }
  return v.scalar;
}

Expected<std::optional<Scalar>> ArgList::opt_scalar(std::string_view name) const {
  if (get(name).none) return std::optional<Scalar>();
  AOTC_ASSIGN_OR_RETURN(Scalar s, scalar(name));
  return std::optional<Scalar>(s);
}

// ---- ImportContext -----------------------------------------------------------------

Expected<Value*> ImportContext::make(OpId op, std::vector<Value*> operands, const NamedAttrs& attrs,
                                     std::optional<DType> dtype) {
  // Helper nodes get "<node>.<k>"; FX names never contain dots, so these never
  // collide with a later torch.export name. The importer renames a lowering's
  // final results to the torch names.
  std::string name = node_name_ + "." + std::to_string(helper_count_++);
  auto n = build_node(graph_, op, std::move(operands), attrs, dtype, name);
  if (!n) return Error{n.error().code, fmt::format("node '{}' ({}): {}", node_name_, target_, n.error().message)};
  return (*n)->result();
}

Value* ImportContext::scalar(const Scalar& s) {
  auto v = make(OpId::Scalar, {}, {{"value", s}}, s.natural_dtype());
  AOTC_CHECK(v.has_value(), "scalar node cannot fail");
  return *v;
}

Expected<Value*> ImportContext::scalar_tensor(const Scalar& s, DType dtype) {
  return make(OpId::Full, {}, {{"shape", std::vector<SymExpr>{}}, {"value", s}}, dtype);
}

Expected<Value*> ImportContext::cast(Value* v, DType dtype) {
  if (v->dtype() == dtype) return v;
  return make(OpId::Cast, {v}, {}, dtype);
}

Expected<Value*> ImportContext::reshape(Value* v, Shape shape) {
  if (v->shape() == shape) return v;
  return make(OpId::Reshape, {v}, {{"shape", std::move(shape)}});
}

Expected<Value*> ImportContext::permute(Value* v, std::vector<int64_t> dims) {
  bool identity = true;
  for (size_t i = 0; i < dims.size(); ++i) identity &= dims[i] == static_cast<int64_t>(i);
  if (identity && dims.size() == v->rank()) return v;
  return make(OpId::Permute, {v}, {{"dims", std::move(dims)}});
}

Expected<Value*> ImportContext::expand(Value* v, Shape shape) {
  if (v->shape() == shape) return v;
  return make(OpId::Expand, {v}, {{"shape", std::move(shape)}});
}

Expected<Value*> ImportContext::unsqueeze(Value* v, int64_t dim) {
  AOTC_ASSIGN_OR_RETURN(int64_t d, norm_dim(dim, v->rank() + 1));
  Shape s = v->shape();
  s.insert(s.begin() + d, SymExpr(1));
  return make(OpId::Reshape, {v}, {{"shape", std::move(s)}});
}

Expected<Value*> ImportContext::slice(Value* v, int64_t dim, SymExpr start, SymExpr end, int64_t step) {
  if (start == SymExpr(0) && end == v->dim(static_cast<size_t>(dim)) && step == 1) return v;
  return make(OpId::Slice, {v}, {{"dim", dim}, {"start", std::move(start)}, {"end", std::move(end)}, {"step", step}});
}

Expected<int64_t> ImportContext::norm_dim(int64_t dim, size_t rank) const {
  int64_t r = static_cast<int64_t>(rank);
  int64_t lim = std::max<int64_t>(r, 1);
  if (dim < -lim || dim >= lim) return invalid("dimension {} is out of range for a tensor of rank {}", dim, rank);
  return dim < 0 ? dim + lim : dim;
}

Expected<Shape> ImportContext::infer_view_shape(const Value* v, const std::vector<SymExpr>& shape) const {
  Shape out = shape;
  int infer = -1;
  SymExpr known(1);
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == SymExpr(-1)) {
      if (infer >= 0) return invalid("view shape has more than one -1");
      infer = static_cast<int>(i);
    } else {
      known = known * out[i];
    }
  }
  if (infer >= 0) {
    SymExpr total = v->type().numel();
    if (auto k = known.constant(); k && *k == 0) return invalid("cannot infer -1 in a view with a zero-sized dimension");
    SymExpr inferred = SymExpr::floordiv(total, known);
    if (!(inferred * known == total))
      return unsupported("cannot infer the -1 of view shape {} from {} elements", shape_to_string(shape),
                         total.to_string());
    out[static_cast<size_t>(infer)] = inferred;
  }
  return out;
}

// ---- The op table ----------------------------------------------------------------

namespace {

struct Table {
  std::unordered_map<std::string_view, const AtenOpEntry*> by_target;
  std::unordered_map<const AtenOpEntry*, OpSchema> schemas;
};

Table build_table() {
  Table t;
  for (auto family : {aten_elementwise_ops(), aten_shape_ops(), aten_nn_ops()}) {
    for (const AtenOpEntry& e : family) {
      AOTC_CHECK(!t.by_target.contains(e.target), "ATen op {} registered twice", e.target);
      t.by_target.emplace(e.target, &e);
      auto s = parse_op_schema(e.schema);
      AOTC_CHECK(s.has_value(), "{}", s.has_value() ? "" : s.error().message);
      t.schemas.emplace(&e, std::move(*s));
    }
  }
  return t;
}

const Table& table() {
  static const Table t = build_table();
  return t;
}

}  // namespace

const AtenOpEntry* find_aten_op(std::string_view target) {
  const auto& t = table().by_target;
  auto it = t.find(target);
  return it == t.end() ? nullptr : it->second;
}

const OpSchema& aten_schema(const AtenOpEntry& entry) { return table().schemas.at(&entry); }

}  // namespace aotc

// Lowering of the graph IR to a kernel program (see Lowering.h).
#include "codegen/Lowering.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <limits>
#include <map>
#include <unordered_map>

#include "codegen/FusionPlan.h"
#include "codegen/IndexMapping.h"
#include "ir/ShapeInference.h"
#include "support/Check.h"

namespace aotc::codegen {
namespace {

using Subst = std::unordered_map<const Value*, Expr>;

std::string c_identifier(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "v_" + out;
  return out;
}

std::vector<AttrValue> default_attrs(OpId op) {
  std::vector<AttrValue> a;
  for (const auto& spec : op_info(op).attrs) a.push_back(spec.default_value);
  return a;
}

Expr int_op(OpId op, Expr a, Expr b) {
  return make_op(op, DType::Int64, DType::Int64, default_attrs(op), {std::move(a), std::move(b)});
}

Expr index_cmp(OpId op, const SymExpr& a, const SymExpr& b) {
  return make_op(op, DType::Bool, DType::Int64, {}, {make_index(a), make_index(b)});
}

Expr bool_and(Expr a, Expr b) {
  if (!a) return b;
  return make_op(OpId::LogicalAnd, DType::Bool, DType::Bool, {}, {std::move(a), std::move(b)});
}

Expr float_const(double v, DType t) { return make_const(Scalar::from_float(v), t); }

SymExpr product(const Shape& s) {
  SymExpr p(1);
  for (const auto& d : s) p = p * d;
  return p;
}

SymExpr align_up(const SymExpr& x, int64_t a) { return SymExpr::ceildiv(x, SymExpr(a)) * SymExpr(a); }

class Lowerer {
 public:
  Lowerer(const Graph& g, const LoweringOptions& opts) : g_(g), opts_(opts), plan_(plan_fusion(g)) {}

  Expected<KernelGraph> run() {
    kg_.model_name = g_.name();
    kg_.symbols = g_.symbols();
    kg_.symbol_hints = g_.symbol_hints();
    for (const auto& [name, range] : g_.symbols()) kg_.symbol_order.push_back(name);
    kg_.in_spec = g_.in_spec;
    kg_.out_spec = g_.out_spec;
    make_io_and_weight_buffers();
    choose_layer_norm_folds();
    make_value_buffers();
    for (const auto& owned : g_.nodes()) {
      AOTC_RETURN_IF_ERROR(lower_node(*owned));
    }
    AOTC_RETURN_IF_ERROR(lower_output_copies());
    compute_liveness();
    plan_memory();
    layout_weights();
    return std::move(kg_);
  }

 private:
  // ---- Buffers ----------------------------------------------------------------------------

  int add_buffer(Buffer::Kind kind, const Value* v, const std::string& name) {
    Buffer b;
    b.id = static_cast<int>(kg_.buffers.size());
    b.kind = kind;
    b.dtype = v->dtype();
    b.shape = v->shape();
    b.name = unique_c_name(name);
    kg_.buffers.push_back(b);
    return b.id;
  }

  std::string unique_c_name(const std::string& base) {
    std::string n = c_identifier(base);
    std::string cand = n;
    for (int i = 1; used_names_.contains(cand); ++i) cand = n + "_" + std::to_string(i);
    used_names_.insert(cand);
    return cand;
  }

  void make_io_and_weight_buffers() {
    for (size_t i = 0; i < g_.inputs().size(); ++i) {
      const Value* v = g_.inputs()[i];
      int id = add_buffer(Buffer::Kind::kInput, v, "in_" + v->name());
      kg_.buffers[static_cast<size_t>(id)].io_index = static_cast<int>(i);
      buffer_of_[v] = id;
      kg_.inputs.push_back(id);
      kg_.input_names.push_back(v->name());
    }
    for (const auto& n : g_.nodes()) {
      if (n->op() != OpId::Constant || !n->result()->has_uses()) continue;
      int id = add_buffer(Buffer::Kind::kWeight, n->result(), "w_" + n->result()->name());
      buffer_of_[n->result()] = id;
      const std::string& fqn = std::get<std::string>(n->attr("fqn"));
      kg_.weights.push_back(WeightEntry{id, n->result()->name(), fqn, fqn.find('+') != std::string::npos,
                                        n->constant_data()});
    }
  }

  // LoweringOptions::fold_layer_norm: the layer norms folded into the linear
  // that is their only reader (layer norm value -> its node). The linear
  // reads the norm's input instead; the norm gets neither buffer nor kernel.
  void choose_layer_norm_folds() {
    if (!opts_.fold_layer_norm) return;
    auto is_constant = [](const Value* v) { return v != nullptr && v->node()->op() == OpId::Constant; };
    for (const auto& owned : g_.nodes()) {
      const Node& ln = *owned;
      const Value* y = ln.result();
      if (ln.op() != OpId::LayerNorm || ln.attr_int("normalized_ndim") != 1 || y->is_output() ||
          y->uses().size() != 1 || plan_.role_of(y) != Role::kMaterialize || plan_.epilogue.contains(&ln))
        continue;
      const Node& lin = *y->uses().front().user;
      const Value* x = ln.operand(0);
      const Value* w = lin.op() == OpId::Linear ? lin.operand(1) : nullptr;
      if (w == nullptr || lin.operand(0) != y || w == y || !is_constant(w) || w->rank() != 2) continue;
      const auto n = w->dim(0).constant(), k = w->dim(1).constant();
      const Role xr = plan_.role_of(x);
      if (!n || !k || *n <= 8 || *k < 1 || !(x->dim(x->rank() - 1) == SymExpr(*k)) ||
          (xr != Role::kInput && xr != Role::kMaterialize) || x->node()->kind() == OpKind::kAttention)
        continue;
      bool fp32 = x->dtype() == DType::Float32 && y->dtype() == DType::Float32 && w->dtype() == DType::Float32 &&
                  lin.result()->dtype() == DType::Float32;
      for (size_t i = 1; i <= 2; ++i)
        if (const Value* p = ln.operand(i))
          fp32 = fp32 && is_constant(p) && p->rank() == 1 && p->dtype() == DType::Float32;
      if (fp32) folded_norms_[y] = &ln;
    }
  }

  void make_value_buffers() {
    // Outputs first: a materialized output value is written straight into the output.
    for (size_t i = 0; i < g_.outputs().size(); ++i) {
      const Value* v = g_.outputs()[i];
      kg_.output_names.push_back(g_.output_names()[i]);
      Role r = plan_.role_of(v);
      Buffer::Kind kind = Buffer::Kind::kOutput;
      if (r == Role::kMaterialize && !buffer_of_.contains(v)) {
        int id = add_buffer(kind, v, "out" + std::to_string(i) + "_" + v->name());
        kg_.buffers[static_cast<size_t>(id)].io_index = static_cast<int>(i);
        buffer_of_[v] = id;
        kg_.outputs.push_back(id);
      } else {
        // Written by a copy kernel at the end.
        int id = add_buffer(kind, v, "out" + std::to_string(i) + "_" + v->name());
        kg_.buffers[static_cast<size_t>(id)].io_index = static_cast<int>(i);
        kg_.outputs.push_back(id);
        pending_copies_.push_back({v, id});
      }
    }
    for (const auto& n : g_.nodes()) {
      const Value* v = n->result();
      if (plan_.role_of(v) != Role::kMaterialize || buffer_of_.contains(v) || folded_norms_.contains(v)) continue;
      buffer_of_[v] = add_buffer(Buffer::Kind::kArena, v, v->name());
      if (auto perm = store_permutation(*n)) {
        Buffer& b = kg_.buffers[static_cast<size_t>(buffer_of_[v])];
        for (size_t j = 0; j < perm->size(); ++j) b.shape[j] = v->dim((*perm)[j]);
        stored_perm_[v] = *perm;
      }
    }
  }

  // The order an attention output is stored in (LoweringOptions::
  // permuted_attention_output): the dims of the one permute every use goes
  // through, when that keeps the batch dim first and the head size last.
  std::optional<std::vector<size_t>> store_permutation(const Node& n) const {
    const Value* v = n.result();
    if (!opts_.permuted_attention_output || n.kind() != OpKind::kAttention || v->rank() != 4 || v->is_output() ||
        v->uses().empty())
      return std::nullopt;
    std::optional<std::vector<int64_t>> dims;
    for (const Use& u : v->uses()) {
      if (u.user->op() != OpId::Permute) return std::nullopt;
      const auto& d = u.user->attr_ints("dims");
      if (dims && *dims != d) return std::nullopt;
      dims = d;
    }
    if (!dims || dims->size() != 4 || (*dims)[0] != 0 || (*dims)[3] != 3 || *dims == std::vector<int64_t>{0, 1, 2, 3})
      return std::nullopt;
    return std::vector<size_t>(dims->begin(), dims->end());
  }

  // A materialized value as a view of its buffer: the whole buffer, or for a
  // value stored permuted, the buffer's strides put back in the value's order.
  StridedView value_view(const Value* v, int id) const {
    StridedView view = whole_buffer(kg_.buffer(id));
    auto it = stored_perm_.find(v);
    if (it == stored_perm_.end()) return view;
    const std::vector<size_t>& perm = it->second;
    StridedView out = view;
    out.shape = v->shape();
    for (size_t j = 0; j < perm.size(); ++j) out.strides[perm[j]] = view.strides[j];
    return out;
  }

  // ---- Expressions -------------------------------------------------------------------------

  Error internal(const Node& n, const std::string& what) const {
    return make_error(ErrorCode::kInternal, "lowering '{}' ({}): {}", n.name(), n.info().name, what);
  }

  Expected<Expr> build(const Value* v, const Index& idx, const Subst& subst) {
    if (auto it = subst.find(v); it != subst.end()) return it->second;
    if (auto it = buffer_of_.find(v); it != buffer_of_.end()) {
      const Buffer& b = kg_.buffer(it->second);
      if (stored_perm_.contains(v)) return make_load(b.id, b.dtype, make_index(strided_offset(value_view(v, b.id), idx)));
      return make_load(b.id, b.dtype, make_index(contiguous_offset(b.shape, idx)));
    }
    // Memoize pure expressions (no substitution involved) per value and index.
    std::string key;
    if (subst.empty()) {
      key = std::to_string(reinterpret_cast<uintptr_t>(v));
      for (const auto& i : idx) key += "|" + i.to_string();
      if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    }
    AOTC_ASSIGN_OR_RETURN(Expr e, build_uncached(v, idx, subst));
    if (!key.empty()) memo_[key] = e;
    return e;
  }

  // The value a kernel computes: never loaded from its own buffer (which the
  // kernel is writing), except for inputs and weights, which only exist there.
  Expected<Expr> build_root(const Value* v, const Index& idx, const Subst& subst) {
    if (auto it = subst.find(v); it != subst.end()) return it->second;
    if (is_expression_op(*v->node())) return build_uncached(v, idx, subst);
    return build(v, idx, subst);
  }

  Expected<Expr> build_uncached(const Value* v, const Index& idx, const Subst& subst) {
    const Node& n = *v->node();
    const DType t = v->dtype();
    switch (n.kind()) {
      case OpKind::kView:
        return build(n.operand(0), map_view_index(n, idx), subst);
      case OpKind::kElementwise: {
        std::vector<Expr> args;
        for (const Value* o : n.operands()) {
          AOTC_ASSIGN_OR_RETURN(Expr a, build(o, broadcast_index(o->shape(), v->shape(), idx), subst));
          args.push_back(a);
        }
        if (n.op() == OpId::Cast) return make_cast(args[0], t);
        return make_op(n.op(), t, elementwise_compute_type(n), n.attrs(), std::move(args));
      }
      case OpKind::kSource:
        switch (n.op()) {
          case OpId::Scalar: return make_const(n.attr_scalar("value"), t);
          case OpId::Full: return make_const(n.attr_scalar("value"), t);
          case OpId::Arange: {
            DType c = is_floating(t) ? opmath_type(t) : DType::Int64;
            Expr i = make_cast(make_index(idx[0]), c);
            Expr step = make_const(n.attr_scalar("step"), c);
            Expr start = make_const(n.attr_scalar("start"), c);
            Expr mul = make_op(OpId::Mul, c, c, {}, {i, step});
            return make_cast(make_op(OpId::Add, c, c, default_attrs(OpId::Add), {mul, start}), t);
          }
          default: break;
        }
        break;
      case OpKind::kNormalization:
        if (n.op() == OpId::BatchNorm) return build_batch_norm(n, idx, subst);
        break;
      case OpKind::kData:
        return build_data(n, idx, subst);
      default:
        break;
    }
    return internal(n, "value is neither materialized nor computable inline");
  }

  Expected<Expr> build_batch_norm(const Node& n, const Index& idx, const Subst& subst) {
    const Value* x = n.operand(0);
    DType c = opmath_type(n.result()->dtype());
    Index ch = {idx[1]};
    AOTC_ASSIGN_OR_RETURN(Expr xe, build(x, idx, subst));
    AOTC_ASSIGN_OR_RETURN(Expr mean, build(n.operand(3), ch, subst));
    AOTC_ASSIGN_OR_RETURN(Expr var, build(n.operand(4), ch, subst));
    auto op2 = [&](OpId op, Expr a, Expr b) { return make_op(op, c, c, default_attrs(op), {a, b}); };
    Expr y = op2(OpId::Mul, op2(OpId::Sub, xe, mean),
                 make_op(OpId::Rsqrt, c, c, {}, {op2(OpId::Add, var, float_const(n.attr_float("eps"), c))}));
    if (const Value* w = n.operand(1)) {
      AOTC_ASSIGN_OR_RETURN(Expr we, build(w, ch, subst));
      y = op2(OpId::Mul, y, we);
    }
    if (const Value* b = n.operand(2)) {
      AOTC_ASSIGN_OR_RETURN(Expr be, build(b, ch, subst));
      y = op2(OpId::Add, y, be);
    }
    return make_cast(y, n.result()->dtype());
  }

  // A dynamic index loaded from a tensor, wrapped (negative from the end) and
  // clamped into [0, size) so a bad index can never read outside the buffer.
  Expected<Expr> dynamic_index(const Value* index, const Index& at, const SymExpr& size, const Subst& subst) {
    AOTC_ASSIGN_OR_RETURN(Expr raw, build(index, at, subst));
    Expr i = make_cast(raw, DType::Int64);
    Expr neg = make_op(OpId::Lt, DType::Bool, DType::Int64, {}, {i, make_const(Scalar::from_int(0), DType::Int64)});
    Expr wrapped = make_select(neg, int_op(OpId::Add, i, make_index(size)), i);
    Expr zero = make_const(Scalar::from_int(0), DType::Int64);
    Expr hi = int_op(OpId::Sub, make_index(size), make_const(Scalar::from_int(1), DType::Int64));
    return make_op(OpId::Minimum, DType::Int64, DType::Int64, {}, {make_op(OpId::Maximum, DType::Int64, DType::Int64,
                                                                           {}, {wrapped, zero}),
                                                                   hi});
  }

  // Load of a materialized table at an index whose `dim` entry is dynamic.
  Expected<Expr> table_load(const Value* table, Index idx, size_t dim, Expr dyn) {
    auto it = buffer_of_.find(table);
    StridedView view;
    if (it != buffer_of_.end()) {
      view = value_view(table, it->second);
    } else {
      AOTC_ASSIGN_OR_RETURN(view, strided(table));
    }
    idx[dim] = SymExpr(0);
    Expr base = make_index(strided_offset(view, idx));
    Expr off = int_op(OpId::Add, base, int_op(OpId::Mul, dyn, make_index(view.strides[dim])));
    return make_load(view.buffer, view.dtype, off);
  }

  Expected<Expr> build_data(const Node& n, const Index& idx, const Subst& subst) {
    const Value* v = n.result();
    switch (n.op()) {
      case OpId::Tril:
      case OpId::Triu: {
        const Value* x = n.operand(0);
        AOTC_ASSIGN_OR_RETURN(Expr xe, build(x, idx, subst));
        size_t r = idx.size();
        SymExpr diff = idx[r - 1] - idx[r - 2];
        Expr keep = index_cmp(n.op() == OpId::Tril ? OpId::Le : OpId::Ge, diff, SymExpr(n.attr_int("diagonal")));
        return make_select(keep, xe, make_const(Scalar::from_int(0), v->dtype()));
      }
      case OpId::ConstantPad: {
        const Value* x = n.operand(0);
        const auto& pad = n.attr_syms("pad");
        Index src = idx;
        Expr guard;
        for (size_t i = 0; i < pad.size() / 2; ++i) {
          size_t d = x->rank() - 1 - i;
          src[d] = idx[d] - pad[2 * i];
          guard = bool_and(guard, index_cmp(OpId::Ge, src[d], SymExpr(0)));
          guard = bool_and(guard, index_cmp(OpId::Lt, src[d], x->dim(d)));
        }
        AOTC_ASSIGN_OR_RETURN(Expr xe, build(x, src, subst));
        return make_select(guard, xe, make_const(n.attr_scalar("value"), v->dtype()));
      }
      case OpId::Cat: {
        size_t d = static_cast<size_t>(n.attr_int("dim"));
        std::vector<SymExpr> starts;
        SymExpr off(0);
        for (const Value* o : n.operands()) {
          starts.push_back(off);
          off = off + o->dim(d);
        }
        Expr result;
        for (size_t k = n.num_operands(); k-- > 0;) {
          Index sub = idx;
          sub[d] = idx[d] - starts[k];
          AOTC_ASSIGN_OR_RETURN(Expr piece, build(n.operand(k), sub, subst));
          piece = make_cast(piece, v->dtype());
          if (!result) {
            result = piece;
          } else {
            result = make_select(index_cmp(OpId::Lt, idx[d], starts[k + 1]), piece, result);
          }
        }
        return result;
      }
      case OpId::Embedding: {
        const Value* w = n.operand(0);
        const Value* ind = n.operand(1);
        Index at(idx.begin(), idx.end() - 1);
        AOTC_ASSIGN_OR_RETURN(Expr row, dynamic_index(ind, at, w->dim(0), subst));
        return table_load(w, {SymExpr(0), idx.back()}, 0, row);
      }
      case OpId::IndexSelect: {
        const Value* x = n.operand(0);
        const Value* ind = n.operand(1);
        size_t d = static_cast<size_t>(n.attr_int("dim"));
        Index at = ind->rank() == 0 ? Index{} : Index{idx[d]};
        AOTC_ASSIGN_OR_RETURN(Expr sel, dynamic_index(ind, at, x->dim(d), subst));
        return table_load(x, idx, d, sel);
      }
      case OpId::Gather: {
        const Value* x = n.operand(0);
        const Value* ind = n.operand(1);
        size_t d = static_cast<size_t>(n.attr_int("dim"));
        AOTC_ASSIGN_OR_RETURN(Expr sel, dynamic_index(ind, idx, x->dim(d), subst));
        return table_load(x, idx, d, sel);
      }
      default:
        return internal(n, "not an inline data op");
    }
  }

  // ---- Strided operands ----------------------------------------------------------------------

  // The value as a strided view of a buffer; materializes it with a copy kernel if needed.
  Expected<StridedView> strided(const Value* v) {
    if (auto it = buffer_of_.find(v); it != buffer_of_.end()) return value_view(v, it->second);
    const Node& n = *v->node();
    if (n.kind() == OpKind::kView) {
      if (auto it = copies_.find(v); it != copies_.end()) return whole_buffer(kg_.buffer(it->second));
      AOTC_ASSIGN_OR_RETURN(StridedView src, strided(n.operand(0)));
      if (auto view = view_of_view(n, src)) return *view;
    }
    return copy_to_buffer(v);
  }

  Expected<StridedView> contiguous(const Value* v) {
    AOTC_ASSIGN_OR_RETURN(StridedView s, strided(v));
    if (s.is_contiguous()) return s;
    return copy_to_buffer(v);
  }

  Expected<StridedView> copy_to_buffer(const Value* v) {
    if (auto it = copies_.find(v); it != copies_.end()) return whole_buffer(kg_.buffer(it->second));
    int id = add_buffer(Buffer::Kind::kArena, v, v->name() + "_copy");
    AOTC_RETURN_IF_ERROR(emit_pointwise_copy(v, id, "copy_" + v->name()));
    copies_[v] = id;
    return whole_buffer(kg_.buffer(id));
  }

  Status emit_pointwise_copy(const Value* v, int buffer, const std::string& name) {
    PointwiseKernel k;
    k.domain = v->shape();
    Index vars = loop_vars("@i", v->rank());
    AOTC_ASSIGN_OR_RETURN(Expr value, build_root(v, vars, {}));
    k.stores.push_back({buffer, make_index(contiguous_offset(v->shape(), vars)), make_cast(value, kg_.buffer(buffer).dtype)});
    add_kernel(name, std::move(k), {v->name()});
    return Status::ok();
  }

  template <typename Body>
  void add_kernel(const std::string& name, Body body, std::vector<std::string> nodes) {
    Kernel k;
    k.name = unique_c_name("k" + std::to_string(kg_.kernels.size()) + "_" + name);
    k.body = std::move(body);
    k.nodes = std::move(nodes);
    kg_.kernels.push_back(std::move(k));
  }

  // ---- Nodes ---------------------------------------------------------------------------------

  Status lower_node(const Node& n) {
    const Value* v = n.result();
    if (plan_.role_of(v) != Role::kMaterialize || folded_norms_.contains(v)) return Status::ok();
    auto owner = plan_.epilogue_owner.find(v);
    if (owner != plan_.epilogue_owner.end()) return lower_heavy(*owner->second);
    if (is_heavy(n)) return lower_heavy(n);
    // An expression op: a pointwise kernel over its own shape.
    return emit_pointwise_copy(v, buffer_of_.at(v), v->name());
  }

  // The chain fused after `heavy`, and the substitution making its result `acc`.
  struct Epilogue {
    const Value* stored;
    std::vector<std::string> nodes;
  };

  Epilogue epilogue_of(const Node& heavy) {
    Epilogue e{heavy.result(), {heavy.result()->name()}};
    if (auto it = plan_.epilogue.find(&heavy); it != plan_.epilogue.end()) {
      for (const Node* c : it->second) e.nodes.push_back(c->result()->name());
      e.stored = it->second.back()->result();
    }
    return e;
  }

  // If the first epilogue op adds a per-`axis` vector to the heavy result,
  // returns that vector's buffer (and the value the addition produces).
  std::optional<std::pair<int, const Value*>> take_bias(const Node& heavy, size_t axis) {
    auto it = plan_.epilogue.find(&heavy);
    if (it == plan_.epilogue.end()) return std::nullopt;
    const Node* add = it->second.front();
    if (add->op() != OpId::Add || !(add->attr_scalar("alpha") == Scalar::from_int(1))) return std::nullopt;
    const Value* other = add->operand(0) == heavy.result() ? add->operand(1) : add->operand(0);
    if (other == heavy.result() || add->result()->dtype() != heavy.result()->dtype() ||
        other->dtype() != heavy.result()->dtype())
      return std::nullopt;
    // The other operand must vary only along `axis` of the result.
    const Shape& out = heavy.result()->shape();
    size_t lead = out.size() - other->rank();
    for (size_t i = 0; i < other->rank(); ++i)
      if (lead + i != axis && !(other->dim(i) == SymExpr(1))) return std::nullopt;
    if (axis < lead || !(other->dim(axis - lead) == out[axis])) return std::nullopt;
    auto b = buffer_of_.find(other);
    if (b == buffer_of_.end() || stored_perm_.contains(other)) {
      // A reshaped weight ([C] viewed as [C, 1, 1]) is still a contiguous vector.
      auto s = strided(other);
      if (!s || !(s->offset == SymExpr(0))) return std::nullopt;
      if (!(s->strides[axis - lead] == SymExpr(1))) return std::nullopt;
      return std::make_pair(s->buffer, add->result());
    }
    return std::make_pair(b->second, add->result());
  }

  Status lower_heavy(const Node& n) {
    switch (n.kind()) {
      case OpKind::kGemm: return lower_gemm(n);
      case OpKind::kConv: return lower_conv(n);
      case OpKind::kAttention: return lower_attention(n);
      case OpKind::kNormalization: return lower_row_op(n);
      case OpKind::kReduction:
        if (n.op() == OpId::Cumsum) return lower_scan(n);
        return lower_reduction(n);
      case OpKind::kPool: return lower_pool(n);
      default: return internal(n, "not a heavy op");
    }
  }

  // Merges the leading dims [0, count) of a view into one if their strides allow.
  static std::optional<std::pair<SymExpr, SymExpr>> merge_leading(const StridedView& v, size_t count) {
    SymExpr extent(1);
    std::optional<SymExpr> stride;
    std::optional<size_t> prev;
    for (size_t i = 0; i < count; ++i) {
      extent = extent * v.shape[i];
      if (v.shape[i] == SymExpr(1)) continue;
      if (prev && !(v.strides[*prev] == v.strides[i] * v.shape[i])) return std::nullopt;
      prev = i;
      stride = v.strides[i];
    }
    return std::make_pair(extent, stride.value_or(SymExpr(0)));
  }

  Status lower_gemm(const Node& n) {
    const Value* out = n.result();
    Epilogue epi = epilogue_of(n);
    GemmKernel g;
    g.out_dtype = epi.stored->dtype();
    g.out_buffer = buffer_of_.at(epi.stored);
    Index ir_index;  // the IR result's index in terms of the kernel's vars
    SymExpr m_var = SymExpr::symbol("@m"), n_var = SymExpr::symbol("@n");

    if (n.op() == OpId::Linear) {
      const Value* x = n.operand(0);
      const Value* w = n.operand(1);
      if (auto fold = folded_norms_.find(x); fold != folded_norms_.end()) {
        const Node& ln = *fold->second;
        GemmKernel::RowNorm norm;
        norm.eps = ln.attr_float("eps");
        if (const Value* p = ln.operand(1)) norm.weight = buffer_of_.at(p);
        if (const Value* p = ln.operand(2)) norm.bias = buffer_of_.at(p);
        g.norm_a = norm;
        epi.nodes.insert(epi.nodes.begin(), x->name());
        x = ln.operand(0);
      }
      AOTC_ASSIGN_OR_RETURN(StridedView xv, strided(x));
      AOTC_ASSIGN_OR_RETURN(StridedView wv, strided(w));
      size_t r = x->rank();
      g.k = x->dim(r - 1);
      g.n = w->dim(0);
      Shape lead(x->shape().begin(), x->shape().end() - 1);
      auto merged = merge_leading(xv, r - 1);
      if (merged || r == 1) {
        g.m = merged ? merged->first : SymExpr(1);
        g.a = StridedView{xv.buffer, xv.dtype, {g.m, g.k}, xv.offset,
                          {merged ? merged->second : SymExpr(0), xv.strides[r - 1]}};
        ir_index = delinearize(m_var, lead);
      } else {
        g.batch = Shape(lead.begin(), lead.end() - 1);
        g.m = lead.back();
        Index bv = loop_vars("@b", g.batch.size());
        g.a = xv;
        ir_index = bv;
        ir_index.push_back(m_var);
      }
      ir_index.push_back(n_var);
      // B[k, n] = W[n, k]; batch dims broadcast.
      Shape bshape = g.batch;
      bshape.push_back(g.k);
      bshape.push_back(g.n);
      std::vector<SymExpr> bstrides(g.batch.size(), SymExpr(0));
      bstrides.push_back(wv.strides[1]);
      bstrides.push_back(wv.strides[0]);
      g.b = StridedView{wv.buffer, wv.dtype, bshape, wv.offset, bstrides};
      if (const Value* b = n.operand(2)) {
        AOTC_ASSIGN_OR_RETURN(StridedView bv, contiguous(b));
        g.bias = bv.buffer;
      }
    } else {
      const Value* a = n.operand(0);
      const Value* b = n.operand(1);
      AOTC_ASSIGN_OR_RETURN(StridedView av, strided(a));
      AOTC_ASSIGN_OR_RETURN(StridedView bv, strided(b));
      bool a1 = a->rank() == 1, b1 = b->rank() == 1;
      // Promote 1-D operands to matrices.
      if (a1) {
        av.shape.insert(av.shape.begin(), SymExpr(1));
        av.strides.insert(av.strides.begin(), SymExpr(0));
      }
      if (b1) {
        bv.shape.push_back(SymExpr(1));
        bv.strides.push_back(SymExpr(0));
      }
      size_t ra = av.shape.size(), rb = bv.shape.size();
      g.k = av.shape[ra - 1];
      g.n = bv.shape[rb - 1];
      Shape batch_a(av.shape.begin(), av.shape.end() - 2), batch_b(bv.shape.begin(), bv.shape.end() - 2);
      std::optional<std::pair<SymExpr, SymExpr>> merged;
      if (batch_b.empty() && !batch_a.empty()) merged = merge_leading(av, ra - 1);
      if (merged) {
        g.m = merged->first;
        g.a = StridedView{av.buffer, av.dtype, {g.m, g.k}, av.offset, {merged->second, av.strides[ra - 1]}};
        g.b = bv;
        Shape lead(av.shape.begin(), av.shape.end() - 1);
        Index li = delinearize(m_var, lead);
        ir_index.assign(li.begin(), li.end() - (a1 ? 1 : 0));
      } else {
        std::vector<Shape> bs = {batch_a, batch_b};
        AOTC_ASSIGN_OR_RETURN(g.batch, broadcast_shapes(bs));
        g.m = av.shape[ra - 2];
        auto batch_view = [&](const StridedView& s, const Shape& sb) {
          StridedView r = s;
          size_t lead = g.batch.size() - sb.size();
          r.shape = g.batch;
          r.strides.assign(lead, SymExpr(0));
          for (size_t i = 0; i < sb.size(); ++i)
            r.strides.push_back(sb[i] == SymExpr(1) && !(g.batch[lead + i] == SymExpr(1)) ? SymExpr(0) : s.strides[i]);
          r.shape.insert(r.shape.end(), s.shape.end() - 2, s.shape.end());
          r.strides.insert(r.strides.end(), s.strides.end() - 2, s.strides.end());
          return r;
        };
        g.a = batch_view(av, batch_a);
        g.b = batch_view(bv, batch_b);
        ir_index = loop_vars("@b", g.batch.size());
        if (!a1) ir_index.push_back(m_var);
      }
      if (!b1) ir_index.push_back(n_var);
    }

    Subst subst;
    Expr acc = make_input(0, out->dtype());
    if (auto bias = take_bias(n, out->rank() - 1); bias && g.bias < 0) {
      g.bias = bias->first;
      subst[bias->second] = acc;
    }
    subst[out] = acc;
    AOTC_ASSIGN_OR_RETURN(Expr value, build_root(epi.stored, ir_index, subst));
    g.epilogue = make_cast(value, g.out_dtype);
    add_kernel(out->name(), std::move(g), epi.nodes);
    return Status::ok();
  }

  Status lower_conv(const Node& n) {
    const Value* out = n.result();
    Epilogue epi = epilogue_of(n);
    ConvKernel c;
    const Value* x = n.operand(0);
    if (x->rank() != n.operand(1)->rank())
      return make_error(ErrorCode::kUnsupported, "convolution '{}': unbatched input is not supported", n.name());
    AOTC_ASSIGN_OR_RETURN(c.input, contiguous(x));
    AOTC_ASSIGN_OR_RETURN(StridedView wv, contiguous(n.operand(1)));
    c.weight = wv.buffer;
    if (const Value* b = n.operand(2)) {
      AOTC_ASSIGN_OR_RETURN(StridedView bv, contiguous(b));
      c.bias = bv.buffer;
    }
    c.stride = n.attr_ints("stride");
    c.padding = n.attr_ints("padding");
    c.dilation = n.attr_ints("dilation");
    c.output_padding = n.attr_ints("output_padding");
    c.groups = n.attr_int("groups");
    c.transposed = n.attr_bool("transposed");
    c.out_shape = out->shape();
    c.out_buffer = buffer_of_.at(epi.stored);
    Subst subst;
    Expr acc = make_input(0, out->dtype());
    if (c.bias < 0) {
      if (auto bias = take_bias(n, 1)) {
        c.bias = bias->first;
        subst[bias->second] = acc;
      }
    }
    subst[out] = acc;
    AOTC_ASSIGN_OR_RETURN(Expr value, build_root(epi.stored, loop_vars("@i", out->rank()), subst));
    c.epilogue = make_cast(value, epi.stored->dtype());
    add_kernel(out->name(), std::move(c), epi.nodes);
    return Status::ok();
  }

  Status lower_attention(const Node& n) {
    AttentionKernel a;
    AOTC_ASSIGN_OR_RETURN(a.q, strided(n.operand(0)));
    AOTC_ASSIGN_OR_RETURN(a.k, strided(n.operand(1)));
    AOTC_ASSIGN_OR_RETURN(a.v, strided(n.operand(2)));
    const Value* q = n.operand(0);
    size_t r = q->rank();
    if (const Value* m = n.operand(3)) {
      AOTC_ASSIGN_OR_RETURN(StridedView mv, strided(m));
      // Broadcast the mask's view to [.., L, S].
      Shape target(q->shape().begin(), q->shape().end() - 1);
      target.push_back(n.operand(1)->dim(r - 2));
      StridedView b = mv;
      size_t lead = target.size() - mv.shape.size();
      b.shape = target;
      b.strides.assign(lead, SymExpr(0));
      for (size_t i = 0; i < mv.shape.size(); ++i)
        b.strides.push_back(mv.shape[i] == SymExpr(1) && !(target[lead + i] == SymExpr(1)) ? SymExpr(0) : mv.strides[i]);
      a.mask = b;
    }
    a.causal = n.attr_bool("is_causal");
    auto e = q->dim(r - 1).constant();
    if (!e) return make_error(ErrorCode::kUnsupported, "attention '{}': the head size must be static", n.name());
    a.scale = n.attr_is_none("scale") ? 1.0 / std::sqrt(static_cast<double>(*e)) : n.attr_float("scale");
    if (n.attr_bool("enable_gqa") && r >= 3) {
      auto hq = q->dim(r - 3).constant(), hk = n.operand(1)->dim(r - 3).constant();
      if (!hq || !hk || *hk == 0 || *hq % *hk != 0)
        return make_error(ErrorCode::kUnsupported, "attention '{}': grouped-query heads must be static and divide",
                          n.name());
      a.gqa_group = *hq / *hk;
    }
    a.out_buffer = buffer_of_.at(n.result());
    if (stored_perm_.contains(n.result())) a.out_strides = value_view(n.result(), a.out_buffer).strides;
    add_kernel(n.result()->name(), std::move(a), {n.result()->name()});
    return Status::ok();
  }

  Status lower_row_op(const Node& n) {
    const Value* out = n.result();
    const Value* x = n.operand(0);
    Epilogue epi = epilogue_of(n);
    RowOpKernel k;
    k.out_buffer = buffer_of_.at(epi.stored);
    SymExpr c = SymExpr::symbol("@c");
    Index in_index;  // input index over (@i.., @c)
    Expr norm = make_input(0, out->dtype());
    Subst subst;
    switch (n.op()) {
      case OpId::Softmax:
      case OpId::LogSoftmax: {
        k.op = n.op() == OpId::Softmax ? RowOpKernel::Op::kSoftmax : RowOpKernel::Op::kLogSoftmax;
        size_t d = static_cast<size_t>(n.attr_int("dim"));
        if (x->rank() == 0) d = 0;
        Index rows = loop_vars("@i", x->rank() == 0 ? 0 : x->rank() - 1);
        for (size_t i = 0, j = 0; i < x->rank(); ++i) {
          if (i == d) {
            in_index.push_back(c);
          } else {
            k.rows.push_back(x->dim(i));
            in_index.push_back(rows[j++]);
          }
        }
        k.row_length = x->rank() == 0 ? SymExpr(1) : x->dim(d);
        if (x->rank() == 0) in_index.clear();
        break;
      }
      case OpId::LayerNorm: {
        k.op = RowOpKernel::Op::kLayerNorm;
        k.eps = n.attr_float("eps");
        size_t nd = static_cast<size_t>(n.attr_int("normalized_ndim"));
        size_t lead = x->rank() - nd;
        k.rows = Shape(x->shape().begin(), x->shape().begin() + static_cast<ptrdiff_t>(lead));
        Shape tail(x->shape().begin() + static_cast<ptrdiff_t>(lead), x->shape().end());
        k.row_length = product(tail);
        in_index = loop_vars("@i", lead);
        Index ti = delinearize(c, tail);
        in_index.insert(in_index.end(), ti.begin(), ti.end());
        DType t = opmath_type(out->dtype());
        if (const Value* w = n.operand(1)) {
          AOTC_ASSIGN_OR_RETURN(Expr we, build(w, ti, {}));
          norm = make_op(OpId::Mul, out->dtype(), t, {}, {norm, we});
        }
        if (const Value* b = n.operand(2)) {
          AOTC_ASSIGN_OR_RETURN(Expr be, build(b, ti, {}));
          norm = make_op(OpId::Add, out->dtype(), t, default_attrs(OpId::Add), {norm, be});
        }
        break;
      }
      case OpId::GroupNorm: {
        k.op = RowOpKernel::Op::kLayerNorm;
        k.eps = n.attr_float("eps");
        int64_t groups = n.attr_int("groups");
        int64_t channels = x->dim(1).constant().value();
        int64_t per_group = channels / groups;
        Shape spatial(x->shape().begin() + 2, x->shape().end());
        SymExpr hw = product(spatial);
        k.rows = {x->dim(0), SymExpr(groups)};
        k.row_length = SymExpr(per_group) * hw;
        Index rows = loop_vars("@i", 2);
        SymExpr channel = rows[1] * SymExpr(per_group) + SymExpr::floordiv(c, hw);
        in_index = {rows[0], channel};
        Index si = delinearize(SymExpr::mod(c, hw), spatial);
        in_index.insert(in_index.end(), si.begin(), si.end());
        DType t = opmath_type(out->dtype());
        if (const Value* w = n.operand(1)) {
          AOTC_ASSIGN_OR_RETURN(Expr we, build(w, {channel}, {}));
          norm = make_op(OpId::Mul, out->dtype(), t, {}, {norm, we});
        }
        if (const Value* b = n.operand(2)) {
          AOTC_ASSIGN_OR_RETURN(Expr be, build(b, {channel}, {}));
          norm = make_op(OpId::Add, out->dtype(), t, default_attrs(OpId::Add), {norm, be});
        }
        break;
      }
      default:
        return internal(n, "not a row op");
    }
    AOTC_ASSIGN_OR_RETURN(k.value, build(x, in_index, {}));
    subst[out] = norm;
    AOTC_ASSIGN_OR_RETURN(Expr value, build_root(epi.stored, in_index, subst));
    k.epilogue = make_cast(value, epi.stored->dtype());
    k.out_offset = make_index(contiguous_offset(epi.stored->shape(), in_index));
    add_kernel(out->name(), std::move(k), epi.nodes);
    return Status::ok();
  }

  Status lower_reduction(const Node& n) {
    const Value* out = n.result();
    const Value* x = n.operand(0);
    Epilogue epi = epilogue_of(n);
    ReductionKernel r;
    std::vector<int64_t> dims;
    bool keepdim = n.attr_bool("keepdim");
    if (n.op() == OpId::Argmax || n.op() == OpId::Argmin) {
      if (x->rank() > 0) dims = {n.attr_int("dim")};
    } else {
      dims = n.attr_ints("dims");
    }
    Index out_vars = loop_vars("@i", out->rank());
    Index in_index;
    size_t oi = 0, ri = 0;
    for (size_t i = 0; i < x->rank(); ++i) {
      bool reduced = std::find(dims.begin(), dims.end(), static_cast<int64_t>(i)) != dims.end();
      if (reduced) {
        in_index.push_back(loop_var("@r", ri++));
        r.reduce_domain.push_back(x->dim(i));
        if (keepdim) ++oi;
      } else {
        in_index.push_back(out_vars[oi++]);
      }
    }
    r.domain = out->shape();
    AOTC_ASSIGN_OR_RETURN(r.value, build(x, in_index, {}));
    DType acc = is_floating(x->dtype()) ? opmath_type(x->dtype()) : DType::Int64;
    SymExpr count = product(r.reduce_domain);
    Expr in0 = make_input(0, acc);
    Expr fin;
    switch (n.op()) {
      case OpId::Sum: r.combiner = ReductionKernel::Combiner::kSum; fin = in0; break;
      case OpId::Prod: r.combiner = ReductionKernel::Combiner::kProd; fin = in0; break;
      case OpId::Amax: r.combiner = ReductionKernel::Combiner::kMax; acc = x->dtype() == DType::Bool ? DType::Bool : acc;
        in0 = make_input(0, acc); fin = in0; break;
      case OpId::Amin: r.combiner = ReductionKernel::Combiner::kMin; acc = x->dtype() == DType::Bool ? DType::Bool : acc;
        in0 = make_input(0, acc); fin = in0; break;
      case OpId::Any: r.combiner = ReductionKernel::Combiner::kAny; acc = DType::Bool; in0 = make_input(0, acc); fin = in0; break;
      case OpId::All: r.combiner = ReductionKernel::Combiner::kAll; acc = DType::Bool; in0 = make_input(0, acc); fin = in0; break;
      case OpId::Argmax:
      case OpId::Argmin:
        r.combiner = n.op() == OpId::Argmax ? ReductionKernel::Combiner::kArgmax : ReductionKernel::Combiner::kArgmin;
        acc = is_floating(x->dtype()) ? opmath_type(x->dtype()) : DType::Int64;
        fin = make_input(0, DType::Int64);
        break;
      case OpId::Mean:
        r.combiner = ReductionKernel::Combiner::kSum;
        fin = make_op(OpId::Div, acc, acc, {AttrValue{}}, {in0, make_cast(make_index(count), acc)});
        break;
      case OpId::Var: {
        r.combiner = ReductionKernel::Combiner::kMeanVar;
        Expr m2 = make_input(1, acc);
        Expr denom = make_op(OpId::Maximum, acc, acc, {},
                             {make_op(OpId::Sub, acc, acc, default_attrs(OpId::Sub),
                                      {make_cast(make_index(count), acc), float_const(n.attr_float("correction"), acc)}),
                              float_const(0.0, acc)});
        fin = make_op(OpId::Div, acc, acc, {AttrValue{}}, {m2, denom});
        break;
      }
      default:
        return internal(n, "not a reduction");
    }
    r.acc_dtype = acc;
    Subst subst;
    subst[out] = make_cast(fin, out->dtype());
    AOTC_ASSIGN_OR_RETURN(Expr value, build_root(epi.stored, out_vars, subst));
    r.epilogue = make_cast(value, epi.stored->dtype());
    r.out_buffer = buffer_of_.at(epi.stored);
    r.out_offset = make_index(contiguous_offset(epi.stored->shape(), out_vars));
    add_kernel(out->name(), std::move(r), epi.nodes);
    return Status::ok();
  }

  Status lower_pool(const Node& n) {
    const Value* out = n.result();
    const Value* x = n.operand(0);
    Epilogue epi = epilogue_of(n);
    ReductionKernel r;
    r.domain = out->shape();
    Index out_vars = loop_vars("@i", out->rank());
    DType acc = opmath_type(x->dtype());
    r.acc_dtype = acc;
    const bool is_max = n.op() == OpId::MaxPool || n.op() == OpId::AdaptiveMaxPool;
    r.combiner = is_max ? ReductionKernel::Combiner::kMax : ReductionKernel::Combiner::kSum;
    size_t nsp = n.op() == OpId::AdaptiveAvgPool || n.op() == OpId::AdaptiveMaxPool ? n.attr_ints("output_size").size()
                                                                                    : n.attr_ints("kernel_size").size();
    size_t lead = x->rank() - nsp;
    Index in_index(out_vars.begin(), out_vars.begin() + static_cast<ptrdiff_t>(lead));
    Expr guard;
    SymExpr divisor(1);
    for (size_t s = 0; s < nsp; ++s) {
      const SymExpr& in_size = x->dim(lead + s);
      const SymExpr& o = out_vars[lead + s];
      SymExpr rv = loop_var("@r", s);
      if (n.op() == OpId::AdaptiveAvgPool || n.op() == OpId::AdaptiveMaxPool) {
        SymExpr out_size = out->dim(lead + s);
        SymExpr start = SymExpr::floordiv(o * in_size, out_size);
        SymExpr end = SymExpr::ceildiv((o + SymExpr(1)) * in_size, out_size);
        auto is = in_size.constant(), os = out_size.constant();
        if (!is || !os) return internal(n, "adaptive pooling needs static spatial sizes");
        int64_t window = 0;
        for (int64_t oo = 0; oo < *os; ++oo) {
          int64_t st = (oo * *is) / *os;
          int64_t en = ((oo + 1) * *is + *os - 1) / *os;
          window = std::max(window, en - st);
        }
        r.reduce_domain.push_back(SymExpr(window));
        in_index.push_back(start + rv);
        if (!(end - start == SymExpr(window))) guard = bool_and(guard, index_cmp(OpId::Lt, start + rv, end));
        divisor = divisor * (end - start);
      } else {
        int64_t k = n.attr_ints("kernel_size")[s];
        int64_t st = n.attr_ints("stride")[s];
        int64_t p = n.attr_ints("padding")[s];
        int64_t d = n.op() == OpId::MaxPool ? n.attr_ints("dilation")[s] : 1;
        r.reduce_domain.push_back(SymExpr(k));
        SymExpr pos = o * SymExpr(st) - SymExpr(p) + rv * SymExpr(d);
        in_index.push_back(pos);
        if (p > 0 || n.attr_bool("ceil_mode")) {
          guard = bool_and(guard, index_cmp(OpId::Ge, pos, SymExpr(0)));
          guard = bool_and(guard, index_cmp(OpId::Lt, pos, in_size));
        }
        if (n.op() == OpId::AvgPool) {
          // PyTorch's divisor: window clipped to the padded input, then (without
          // count_include_pad) to the input itself.
          SymExpr hstart = o * SymExpr(st) - SymExpr(p);
          SymExpr hend = SymExpr::min(hstart + SymExpr(k), in_size + SymExpr(p));
          if (!n.attr_bool("count_include_pad")) {
            SymExpr hs = SymExpr::max(hstart, SymExpr(0));
            SymExpr he = SymExpr::min(hend, in_size);
            divisor = divisor * (he - hs);
          } else {
            divisor = divisor * (hend - hstart);
          }
        }
      }
    }
    AOTC_ASSIGN_OR_RETURN(Expr xe, build(x, in_index, {}));
    Expr fallback = is_max ? float_const(-std::numeric_limits<double>::infinity(), x->dtype())
                           : make_const(Scalar::from_int(0), x->dtype());
    r.value = guard ? make_select(guard, xe, fallback) : xe;
    Expr in0 = make_input(0, acc);
    Expr fin = in0;
    if (!is_max) {
      Expr div = n.op() == OpId::AvgPool && !n.attr_is_none("divisor_override")
                     ? float_const(static_cast<double>(n.attr_int("divisor_override")), acc)
                     : make_cast(make_index(divisor), acc);
      fin = make_op(OpId::Div, acc, acc, {AttrValue{}}, {in0, div});
    }
    Subst subst;
    subst[out] = make_cast(fin, out->dtype());
    AOTC_ASSIGN_OR_RETURN(Expr value, build_root(epi.stored, out_vars, subst));
    r.epilogue = make_cast(value, epi.stored->dtype());
    r.out_buffer = buffer_of_.at(epi.stored);
    r.out_offset = make_index(contiguous_offset(epi.stored->shape(), out_vars));
    add_kernel(out->name(), std::move(r), epi.nodes);
    return Status::ok();
  }

  Status lower_scan(const Node& n) {
    ScanKernel s;
    AOTC_ASSIGN_OR_RETURN(s.input, contiguous(n.operand(0)));
    s.dim = n.attr_int("dim");
    s.out_buffer = buffer_of_.at(n.result());
    add_kernel(n.result()->name(), std::move(s), {n.result()->name()});
    return Status::ok();
  }

  Status lower_output_copies() {
    for (const auto& [v, id] : pending_copies_) {
      AOTC_RETURN_IF_ERROR(emit_pointwise_copy(v, id, "output_" + v->name()));
    }
    return Status::ok();
  }

  // ---- Memory ----------------------------------------------------------------------------

  void compute_liveness() {
    for (size_t k = 0; k < kg_.kernels.size(); ++k) {
      for (int b : kg_.kernels[k].writes()) {
        auto& buf = kg_.buffers[static_cast<size_t>(b)];
        if (buf.first_kernel < 0) buf.first_kernel = static_cast<int>(k);
        buf.last_kernel = std::max(buf.last_kernel, static_cast<int>(k));
      }
      for (int b : kg_.kernels[k].reads()) {
        auto& buf = kg_.buffers[static_cast<size_t>(b)];
        buf.last_kernel = std::max(buf.last_kernel, static_cast<int>(k));
      }
    }
  }

  void plan_memory() {
    struct Slot {
      SymExpr size;
      int free_after = -1;  // last kernel using it
    };
    std::vector<Slot> slots;
    std::vector<int> arena;
    for (const Buffer& b : kg_.buffers)
      if (b.kind == Buffer::Kind::kArena && b.first_kernel >= 0) arena.push_back(b.id);
    std::sort(arena.begin(), arena.end(), [&](int a, int b) {
      return kg_.buffer(a).first_kernel < kg_.buffer(b).first_kernel ||
             (kg_.buffer(a).first_kernel == kg_.buffer(b).first_kernel && a < b);
    });
    for (int id : arena) {
      Buffer& b = kg_.buffers[static_cast<size_t>(id)];
      SymExpr size = align_up(b.nbytes(), opts_.arena_alignment);
      int chosen = -1;
      for (size_t s = 0; s < slots.size(); ++s) {
        if (slots[s].free_after >= b.first_kernel) continue;
        bool equal = slots[s].size == size;
        auto cs = slots[s].size.constant(), cb = size.constant();
        if (equal || (cs && cb)) {
          chosen = static_cast<int>(s);
          if (equal) break;
        }
      }
      if (chosen < 0) {
        slots.push_back({size, -1});
        chosen = static_cast<int>(slots.size() - 1);
      } else if (!(slots[static_cast<size_t>(chosen)].size == size)) {
        slots[static_cast<size_t>(chosen)].size = SymExpr::max(slots[static_cast<size_t>(chosen)].size, size);
      }
      slots[static_cast<size_t>(chosen)].free_after = std::max(slots[static_cast<size_t>(chosen)].free_after, b.last_kernel);
      b.slot = chosen;
    }
    SymExpr offset(0);
    for (const Slot& s : slots) {
      kg_.slot_sizes.push_back(s.size);
      kg_.slot_offsets.push_back(offset);
      offset = offset + s.size;
    }
    kg_.arena_size = offset;
  }

  void layout_weights() {
    uint64_t offset = 0;
    for (WeightEntry& w : kg_.weights) {
      offset = (offset + 63) / 64 * 64;
      kg_.buffers[static_cast<size_t>(w.buffer)].weight_offset = offset;
      offset += w.data.nbytes();
    }
    kg_.weights_size = (offset + 63) / 64 * 64;
  }

  const Graph& g_;
  LoweringOptions opts_;
  FusionPlan plan_;
  KernelGraph kg_;
  std::unordered_map<const Value*, int> buffer_of_;
  /// Values whose buffer holds them permuted: buffer dim j is value dim perm[j].
  std::unordered_map<const Value*, std::vector<size_t>> stored_perm_;
  std::unordered_map<const Value*, const Node*> folded_norms_;  // choose_layer_norm_folds
  std::unordered_map<const Value*, int> copies_;
  std::vector<std::pair<const Value*, int>> pending_copies_;
  std::unordered_map<std::string, Expr> memo_;
  std::set<std::string> used_names_;
};

}  // namespace

Expected<KernelGraph> lower_graph(const Graph& graph, const LoweringOptions& options) {
  return Lowerer(graph, options).run();
}

}  // namespace aotc::codegen

// Expression IR factories and structural utilities (see Expr.h).
#include "codegen/Expr.h"

#include <functional>

#include "support/Check.h"

namespace aotc::codegen {
namespace {

std::shared_ptr<ExprNode> node(ExprKind kind, DType dtype) {
  auto n = std::make_shared<ExprNode>();
  n->kind = kind;
  n->dtype = dtype;
  return n;
}

}  // namespace

DType register_type(DType t) { return opmath_type(t); }

Expr make_const(const Scalar& value, DType dtype) {
  auto n = node(ExprKind::kConst, dtype);
  n->constant = value;
  return n;
}

Expr make_index(SymExpr index) {
  auto n = node(ExprKind::kIndex, DType::Int64);
  n->index = std::move(index);
  return n;
}

Expr make_load(int buffer, DType dtype, Expr offset) {
  AOTC_CHECK(buffer >= 0 && offset && offset->dtype == DType::Int64, "bad load");
  auto n = node(ExprKind::kLoad, dtype);
  n->buffer = buffer;
  n->args = {std::move(offset)};
  return n;
}

Expr make_guarded_load(int buffer, DType dtype, Expr guard, Expr offset, Expr fallback) {
  AOTC_CHECK(guard && guard->dtype == DType::Bool, "guard must be bool");
  AOTC_CHECK(offset && offset->dtype == DType::Int64, "offset must be int64");
  auto n = node(ExprKind::kGuardedLoad, dtype);
  n->buffer = buffer;
  n->args = {std::move(guard), std::move(offset), std::move(fallback)};
  return n;
}

Expr make_input(int input, DType dtype) {
  auto n = node(ExprKind::kInput, dtype);
  n->input = input;
  return n;
}

Expr make_op(OpId op, DType result, DType compute, std::vector<AttrValue> attrs, std::vector<Expr> args) {
  AOTC_CHECK(op_info(op).kind == OpKind::kElementwise, "make_op with non-elementwise {}", op_info(op).name);
  for (const auto& a : args) AOTC_CHECK(a != nullptr, "null operand to {}", op_info(op).name);
  auto n = node(ExprKind::kOp, result);
  n->op = op;
  n->compute = compute;
  n->attrs = std::move(attrs);
  n->args = std::move(args);
  return n;
}

Expr make_select(Expr cond, Expr a, Expr b) {
  AOTC_CHECK(cond->dtype == DType::Bool, "select condition must be bool");
  AOTC_CHECK(a->dtype == b->dtype, "select branches differ: {} vs {}", dtype_name(a->dtype), dtype_name(b->dtype));
  auto n = node(ExprKind::kSelect, a->dtype);
  n->args = {std::move(cond), std::move(a), std::move(b)};
  return n;
}

Expr make_cast(Expr value, DType dtype) {
  if (value->dtype == dtype) return value;
  auto n = node(ExprKind::kCast, dtype);
  n->args = {std::move(value)};
  return n;
}

bool expr_equal(const Expr& a, const Expr& b) {
  if (a == b) return true;
  if (!a || !b || a->kind != b->kind || a->dtype != b->dtype || a->args.size() != b->args.size()) return false;
  switch (a->kind) {
    case ExprKind::kConst:
      if (!(a->constant == b->constant)) return false;
      break;
    case ExprKind::kIndex:
      if (!(a->index == b->index)) return false;
      break;
    case ExprKind::kLoad:
    case ExprKind::kGuardedLoad:
      if (a->buffer != b->buffer) return false;
      break;
    case ExprKind::kInput:
      if (a->input != b->input) return false;
      break;
    case ExprKind::kOp:
      if (a->op != b->op || a->compute != b->compute || a->attrs.size() != b->attrs.size()) return false;
      for (size_t i = 0; i < a->attrs.size(); ++i)
        if (attr_to_string(a->attrs[i]) != attr_to_string(b->attrs[i])) return false;
      break;
    case ExprKind::kSelect:
    case ExprKind::kCast:
      break;
  }
  for (size_t i = 0; i < a->args.size(); ++i)
    if (!expr_equal(a->args[i], b->args[i])) return false;
  return true;
}

size_t expr_hash(const Expr& e) {
  size_t h = std::hash<int>()(static_cast<int>(e->kind)) * 31 + static_cast<size_t>(e->dtype);
  auto mix = [&](size_t x) { h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  switch (e->kind) {
    case ExprKind::kConst: mix(std::hash<std::string>()(e->constant.to_string())); break;
    case ExprKind::kIndex: mix(e->index.hash()); break;
    case ExprKind::kLoad:
    case ExprKind::kGuardedLoad: mix(static_cast<size_t>(e->buffer)); break;
    case ExprKind::kInput: mix(static_cast<size_t>(e->input)); break;
    case ExprKind::kOp: mix(static_cast<size_t>(e->op)); break;
    default: break;
  }
  for (const auto& a : e->args) mix(expr_hash(a));
  return h;
}

void collect_buffers(const Expr& e, std::vector<int>& out) {
  if (e->kind == ExprKind::kLoad || e->kind == ExprKind::kGuardedLoad) {
    bool seen = false;
    for (int b : out) seen |= b == e->buffer;
    if (!seen) out.push_back(e->buffer);
  }
  for (const auto& a : e->args) collect_buffers(a, out);
}

bool uses_input(const Expr& e) {
  if (e->kind == ExprKind::kInput) return true;
  for (const auto& a : e->args)
    if (uses_input(a)) return true;
  return false;
}

std::string expr_to_string(const Expr& e) {
  std::string s;
  switch (e->kind) {
    case ExprKind::kConst: return "const(" + e->constant.to_string() + ")";
    case ExprKind::kIndex: return "(" + e->index.to_string() + ")";
    case ExprKind::kLoad: return "load(b" + std::to_string(e->buffer) + ", " + expr_to_string(e->args[0]) + ")";
    case ExprKind::kGuardedLoad:
      return "load_if(" + expr_to_string(e->args[0]) + ", b" + std::to_string(e->buffer) + ", " +
             expr_to_string(e->args[1]) + ", " + expr_to_string(e->args[2]) + ")";
    case ExprKind::kInput: return "in" + std::to_string(e->input);
    case ExprKind::kOp: s = op_info(e->op).name; break;
    case ExprKind::kSelect: s = "select"; break;
    case ExprKind::kCast: s = "cast<" + std::string(dtype_name(e->dtype)) + ">"; break;
  }
  s += "(";
  for (size_t i = 0; i < e->args.size(); ++i) s += (i ? ", " : "") + expr_to_string(e->args[i]);
  return s + ")";
}

}  // namespace aotc::codegen

// Expression printing for the C++ and CUDA emitters (see ExprPrinter.h).
#include "codegen/ExprPrinter.h"

#include <cmath>

#include <fmt/format.h>

#include "support/Check.h"

namespace aotc::codegen {

std::string register_ctype(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::UInt8: return "uint8_t";
    case DType::Int8: return "int8_t";
    case DType::Int16: return "int16_t";
    case DType::Int32: return "int32_t";
    case DType::Int64: return "int64_t";
    case DType::Float16:
    case DType::BFloat16:
    case DType::Float32: return "float";
    case DType::Float64: return "double";
  }
  return "float";
}

std::string storage_ctype(DType t) {
  switch (t) {
    case DType::Float16: return "aotc_gen::f16";
    case DType::BFloat16: return "aotc_gen::bf16";
    default: return register_ctype(t);
  }
}

std::string literal(const Scalar& s, DType t) {
  DType r = register_type(t);
  if (r == DType::Bool) return s.to_double() != 0.0 ? "true" : "false";
  if (is_floating(r)) {
    double v = s.to_double();
    const char* suffix = r == DType::Float32 ? "f" : "";
    if (std::isnan(v)) return r == DType::Float32 ? "NAN" : "(double)NAN";
    if (std::isinf(v)) return std::string(v > 0 ? "" : "-") + (r == DType::Float32 ? "INFINITY" : "(double)INFINITY");
    std::string text = fmt::format("{}", r == DType::Float32 ? static_cast<double>(static_cast<float>(v)) : v);
    if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
    return text + suffix;
  }
  int64_t v = s.to_int();
  if (r == DType::Int64) {
    if (v == INT64_MIN) return "INT64_MIN";
    return fmt::format("(int64_t){}", v);
  }
  return fmt::format("({}){}", register_ctype(r), v);
}

std::string index_code(const SymExpr& e, const Naming& naming) {
  if (auto c = e.constant()) return fmt::format("(int64_t){}", *c);
  return "(int64_t)(" + e.to_code(naming.symbol) + ")";
}

std::string cast_code(const std::string& value, DType from, DType to) {
  DType rf = register_type(from), rt = register_type(to);
  if (to == DType::BFloat16) {
    std::string f = rf == DType::Float32 ? value : "(float)(" + value + ")";
    return "aotc_gen::aotc_round_bf16(" + f + ")";
  }
  if (to == DType::Float16) {
    std::string f = rf == DType::Float32 ? value : "(float)(" + value + ")";
    return "aotc_gen::aotc_round_f16(" + f + ")";
  }
  if (rf == rt) return value;
  if (rt == DType::Bool) return "((" + value + ") != 0)";
  return "(" + register_ctype(rt) + ")(" + value + ")";
}

namespace {

bool is_leaf(const Expr& e) {
  return e->kind == ExprKind::kConst || e->kind == ExprKind::kInput ||
         (e->kind == ExprKind::kIndex && e->index.is_constant());
}

// `value` in register type of `from`, converted for arithmetic in `compute`'s opmath.
std::string arg_as(const std::string& value, DType from, DType compute) {
  DType rf = register_type(from), rc = register_type(compute);
  if (rf == rc) return value;
  return "(" + register_ctype(rc) + ")(" + value + ")";
}

}  // namespace

void ExprPrinter::count_uses(const Expr& e, bool lazy) {
  if (lazy) return;  // subtrees printed in place are not shared
  if (++uses_[e.get()] > 1) return;
  switch (e->kind) {
    case ExprKind::kSelect:
      count_uses(e->args[0], false);
      break;
    case ExprKind::kGuardedLoad:
      count_uses(e->args[0], false);
      break;
    default:
      for (const auto& a : e->args) count_uses(a, false);
  }
}

std::string ExprPrinter::print(const Expr& e, std::string& out, const std::string& indent) {
  count_uses(e, false);
  return emit(e, out, indent, false);
}

std::string ExprPrinter::emit(const Expr& e, std::string& out, const std::string& indent, bool lazy) {
  if (!lazy) {
    if (auto it = named_.find(e.get()); it != named_.end()) return it->second;
  }
  std::string text = inline_text(e, out, indent, lazy);
  if (!lazy && uses_[e.get()] > 1 && !is_leaf(e)) {
    std::string name = prefix_ + std::to_string(next_temp_++);
    out += indent + "const " + register_ctype(register_type(e->dtype)) + " " + name + " = " + text + ";\n";
    named_[e.get()] = name;
    return name;
  }
  return text;
}

std::string ExprPrinter::inline_text(const Expr& e, std::string& out, const std::string& indent, bool lazy) {
  auto arg = [&](size_t i, bool lazy_arg = false) { return emit(e->args[i], out, indent, lazy || lazy_arg); };
  switch (e->kind) {
    case ExprKind::kConst:
      return literal(e->constant, e->dtype);
    case ExprKind::kIndex: {
      std::string code = index_code(e->index, naming_);
      return code;
    }
    case ExprKind::kInput:
      return naming_.input(e->input);
    case ExprKind::kLoad:
      return "aotc_gen::aotc_ld(" + naming_.buffer(e->buffer) + ", " + arg(0) + ")";
    case ExprKind::kGuardedLoad: {
      std::string guard = arg(0);
      return "(" + guard + " ? aotc_gen::aotc_ld(" + naming_.buffer(e->buffer) + ", " + arg(1, true) + ") : " +
             cast_code(arg(2, true), e->args[2]->dtype, e->dtype) + ")";
    }
    case ExprKind::kSelect: {
      std::string c = arg(0);
      return "(" + c + " ? " + arg(1, true) + " : " + arg(2, true) + ")";
    }
    case ExprKind::kCast:
      return cast_code(arg(0), e->args[0]->dtype, e->dtype);
    case ExprKind::kOp:
      break;
  }

  // kOp: arguments converted to the compute type, result to the node's type.
  const OpInfo& info = op_info(e->op);
  DType c = e->op == OpId::Where ? e->compute : e->compute;
  DType rc = register_type(c);
  std::vector<std::string> a;
  for (size_t i = 0; i < e->args.size(); ++i) {
    std::string v = arg(i);
    if (e->op == OpId::Where && i == 0) {
      a.push_back(v);
    } else if (e->op == OpId::LogicalAnd || e->op == OpId::LogicalOr || e->op == OpId::LogicalXor ||
               e->op == OpId::LogicalNot) {
      a.push_back(cast_code(v, e->args[i]->dtype, DType::Bool));
    } else {
      a.push_back(arg_as(v, e->args[i]->dtype, c));
    }
  }
  auto attr = [&](const char* name) -> const AttrValue& {
    int idx = info.attr_index(name);
    AOTC_CHECK(idx >= 0 && static_cast<size_t>(idx) < e->attrs.size(), "missing attribute {} of {}", name, info.name);
    return e->attrs[static_cast<size_t>(idx)];
  };
  auto attr_lit = [&](const char* name) {
    const AttrValue& v = attr(name);
    if (const auto* d = std::get_if<double>(&v)) return literal(Scalar::from_float(*d), c);
    if (const auto* s = std::get_if<Scalar>(&v)) return literal(*s, c);
    if (const auto* i = std::get_if<int64_t>(&v)) return literal(Scalar::from_int(*i), c);
    AOTC_UNREACHABLE("attribute {} of {} is not numeric", name, info.name);
  };
  auto fn = [&](const std::string& name, std::vector<std::string> args) {
    std::string s = "aotc_gen::" + name + "(";
    for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + args[i];
    return s + ")";
  };
  auto bin = [&](const char* op) { return "(" + a[0] + " " + op + " " + a[1] + ")"; };
  std::string r;
  switch (e->op) {
    case OpId::Abs: r = fn("aotc_abs", a); break;
    case OpId::Neg: r = fn("aotc_neg", a); break;
    case OpId::Exp: r = fn("aotc_exp", a); break;
    case OpId::Expm1: r = fn("aotc_expm1", a); break;
    case OpId::Log: r = fn("aotc_log", a); break;
    case OpId::Log2: r = fn("aotc_log2", a); break;
    case OpId::Log1p: r = fn("aotc_log1p", a); break;
    case OpId::Sqrt: r = fn("aotc_sqrt", a); break;
    case OpId::Rsqrt: r = fn("aotc_rsqrt", a); break;
    case OpId::Reciprocal: r = fn("aotc_reciprocal", a); break;
    case OpId::Sin: r = fn("aotc_sin", a); break;
    case OpId::Cos: r = fn("aotc_cos", a); break;
    case OpId::Tan: r = fn("aotc_tan", a); break;
    case OpId::Tanh: r = fn("aotc_tanh", a); break;
    case OpId::Atan: r = fn("aotc_atan", a); break;
    case OpId::Erf: r = fn("aotc_erf", a); break;
    case OpId::Sigmoid: r = fn("aotc_sigmoid", a); break;
    case OpId::Relu: r = fn("aotc_relu", a); break;
    case OpId::Gelu:
      r = fn(std::get<std::string>(attr("approximate")) == "tanh" ? "aotc_gelu_tanh" : "aotc_gelu_erf", a);
      break;
    case OpId::Silu: r = fn("aotc_silu", a); break;
    case OpId::Mish: r = fn("aotc_mish", a); break;
    case OpId::Softplus: r = fn("aotc_softplus", {a[0], attr_lit("beta"), attr_lit("threshold")}); break;
    case OpId::Hardswish: r = fn("aotc_hardswish", a); break;
    case OpId::Hardsigmoid: r = fn("aotc_hardsigmoid", a); break;
    case OpId::Hardtanh: r = fn("aotc_hardtanh", {a[0], attr_lit("min_val"), attr_lit("max_val")}); break;
    case OpId::LeakyRelu: r = fn("aotc_leaky_relu", {a[0], attr_lit("negative_slope")}); break;
    case OpId::Elu:
      r = fn("aotc_elu", {a[0], attr_lit("alpha"), attr_lit("scale"), attr_lit("input_scale")});
      break;
    case OpId::Floor: r = fn("aotc_floor", a); break;
    case OpId::Ceil: r = fn("aotc_ceil", a); break;
    case OpId::Round: r = fn("aotc_round", a); break;
    case OpId::Trunc: r = fn("aotc_trunc", a); break;
    case OpId::Sign: r = fn("aotc_sign", a); break;
    case OpId::LogicalNot: r = "(!" + a[0] + ")"; break;
    case OpId::BitwiseNot: r = rc == DType::Bool ? "(!" + a[0] + ")" : "(~" + a[0] + ")"; break;
    case OpId::IsNan: r = fn("aotc_isnan", a); break;
    case OpId::Clamp: {
      r = a[0];
      bool has_min = !std::holds_alternative<std::monostate>(attr("min"));
      bool has_max = !std::holds_alternative<std::monostate>(attr("max"));
      if (has_min) r = fn("aotc_clamp_min", {r, attr_lit("min")});
      if (has_max) r = fn("aotc_clamp_max", {r, attr_lit("max")});
      break;
    }
    case OpId::Cast: AOTC_UNREACHABLE("cast is printed as kCast");
    case OpId::Add:
    case OpId::Sub: {
      const Scalar& alpha = std::get<Scalar>(attr("alpha"));
      std::string b = a[1];
      if (!(alpha == Scalar::from_int(1))) b = "(" + b + " * " + literal(alpha, c) + ")";
      if (rc == DType::Bool) {
        r = e->op == OpId::Add ? "(" + a[0] + " || " + b + ")" : "(" + a[0] + " && !" + b + ")";
      } else {
        r = "(" + a[0] + (e->op == OpId::Add ? " + " : " - ") + b + ")";
      }
      break;
    }
    case OpId::Mul: r = rc == DType::Bool ? bin("&&") : bin("*"); break;
    case OpId::Div: {
      const AttrValue& mode = attr("rounding_mode");
      if (std::holds_alternative<std::monostate>(mode)) r = bin("/");
      else if (std::get<std::string>(mode) == "trunc") r = fn("aotc_div_trunc", a);
      else r = fn("aotc_div_floor", a);
      break;
    }
    case OpId::Pow: r = fn("aotc_pow", a); break;
    case OpId::Maximum: r = rc == DType::Bool ? bin("||") : fn("aotc_maximum", a); break;
    case OpId::Minimum: r = rc == DType::Bool ? bin("&&") : fn("aotc_minimum", a); break;
    case OpId::Remainder: r = fn("aotc_remainder", a); break;
    case OpId::Fmod: r = fn("aotc_fmod", a); break;
    case OpId::Atan2: r = fn("aotc_atan2", a); break;
    case OpId::Eq: r = bin("=="); break;
    case OpId::Ne: r = bin("!="); break;
    case OpId::Lt: r = bin("<"); break;
    case OpId::Le: r = bin("<="); break;
    case OpId::Gt: r = bin(">"); break;
    case OpId::Ge: r = bin(">="); break;
    case OpId::LogicalAnd: r = bin("&&"); break;
    case OpId::LogicalOr: r = bin("||"); break;
    case OpId::LogicalXor: r = bin("!="); break;
    case OpId::BitwiseAnd: r = rc == DType::Bool ? bin("&&") : bin("&"); break;
    case OpId::BitwiseOr: r = rc == DType::Bool ? bin("||") : bin("|"); break;
    case OpId::BitwiseXor: r = rc == DType::Bool ? bin("!=") : bin("^"); break;
    case OpId::Where: r = "(" + cast_code(a[0], e->args[0]->dtype, DType::Bool) + " ? " + a[1] + " : " + a[2] + ")"; break;
    default: AOTC_UNREACHABLE("no printer for {}", info.name);
  }
  // The op's value is in the compute type (or bool for predicates); convert to the result.
  DType produced = (e->op == OpId::Eq || e->op == OpId::Ne || e->op == OpId::Lt || e->op == OpId::Le ||
                    e->op == OpId::Gt || e->op == OpId::Ge || e->op == OpId::LogicalAnd ||
                    e->op == OpId::LogicalOr || e->op == OpId::LogicalXor || e->op == OpId::LogicalNot ||
                    e->op == OpId::IsNan)
                       ? DType::Bool
                       : c;
  DType rr = register_type(e->dtype);
  if (register_type(produced) != rr) r = "(" + register_ctype(rr) + ")(" + r + ")";
  return r;
}

}  // namespace aotc::codegen

// Scalars and attribute values: printing and type checks.
#include "ir/Attr.h"

#include <cmath>

#include <fmt/format.h>

namespace aotc {

DType Scalar::natural_dtype() const {
  switch (kind) {
    case Kind::kInt: return DType::Int64;
    case Kind::kFloat: return DType::Float64;
    case Kind::kBool: return DType::Bool;
  }
  return DType::Int64;
}

namespace {

std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // Shortest text that reads back to the same double, always with a '.' or exponent.
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

std::string Scalar::to_string() const {
  switch (kind) {
    case Kind::kInt: return std::to_string(i);
    case Kind::kFloat: return format_double(f);
    case Kind::kBool: return b ? "true" : "false";
  }
  return "?";
}

bool Scalar::operator==(const Scalar& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case Kind::kInt: return i == o.i;
    case Kind::kFloat: return f == o.f || (std::isnan(f) && std::isnan(o.f));
    case Kind::kBool: return b == o.b;
  }
  return false;
}

std::string_view attr_type_name(AttrType t) {
  switch (t) {
    case AttrType::kBool: return "bool";
    case AttrType::kInt: return "int";
    case AttrType::kFloat: return "float";
    case AttrType::kStr: return "str";
    case AttrType::kInts: return "ints";
    case AttrType::kFloats: return "floats";
    case AttrType::kSym: return "sym";
    case AttrType::kSyms: return "syms";
    case AttrType::kDType: return "dtype";
    case AttrType::kScalar: return "scalar";
  }
  return "?";
}

bool attr_matches(const AttrValue& v, AttrType t) {
  switch (t) {
    case AttrType::kBool: return std::holds_alternative<bool>(v);
    case AttrType::kInt: return std::holds_alternative<int64_t>(v);
    case AttrType::kFloat: return std::holds_alternative<double>(v);
    case AttrType::kStr: return std::holds_alternative<std::string>(v);
    case AttrType::kInts: return std::holds_alternative<std::vector<int64_t>>(v);
    case AttrType::kFloats: return std::holds_alternative<std::vector<double>>(v);
    case AttrType::kSym: return std::holds_alternative<SymExpr>(v);
    case AttrType::kSyms: return std::holds_alternative<std::vector<SymExpr>>(v);
    case AttrType::kDType: return std::holds_alternative<DType>(v);
    case AttrType::kScalar: return std::holds_alternative<Scalar>(v);
  }
  return false;
}

std::string attr_to_string(const AttrValue& v) {
  struct Printer {
    std::string operator()(std::monostate) const { return "none"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return format_double(d); }
    std::string operator()(const std::string& s) const { return "\"" + s + "\""; }
    std::string operator()(const std::vector<int64_t>& xs) const { return fmt::format("[{}]", fmt::join(xs, ", ")); }
    std::string operator()(const std::vector<double>& xs) const {
      std::string s = "[";
      for (size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + format_double(xs[i]);
      return s + "]";
    }
    std::string operator()(const SymExpr& e) const { return e.to_string(); }
    std::string operator()(const std::vector<SymExpr>& xs) const {
      std::string s = "[";
      for (size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + xs[i].to_string();
      return s + "]";
    }
    std::string operator()(DType t) const { return std::string(dtype_name(t)); }
    std::string operator()(const Scalar& s) const { return s.to_string(); }
  };
  return std::visit(Printer{}, v);
}

}  // namespace aotc

// Node attributes: the non-tensor arguments of an op, typed by the op table.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "ir/DType.h"
#include "ir/SymExpr.h"

namespace aotc {

/// A PyTorch `Scalar`: a Python int, float or bool, kept exactly.
struct Scalar {
  enum class Kind : uint8_t { kInt, kFloat, kBool } kind = Kind::kInt;
  int64_t i = 0;
  double f = 0.0;
  bool b = false;

  static Scalar from_int(int64_t v) { return Scalar{Kind::kInt, v, 0.0, false}; }
  static Scalar from_float(double v) { return Scalar{Kind::kFloat, 0, v, false}; }
  static Scalar from_bool(bool v) { return Scalar{Kind::kBool, 0, 0.0, v}; }

  bool is_int() const { return kind == Kind::kInt; }
  bool is_float() const { return kind == Kind::kFloat; }
  bool is_bool() const { return kind == Kind::kBool; }
  double to_double() const { return kind == Kind::kFloat ? f : (kind == Kind::kInt ? double(i) : double(b)); }
  int64_t to_int() const { return kind == Kind::kInt ? i : (kind == Kind::kBool ? int64_t(b) : int64_t(f)); }
  /// The dtype of a wrapped number of this kind (int64, float64, bool).
  DType natural_dtype() const;
  std::string to_string() const;
  bool operator==(const Scalar& o) const;
};

enum class AttrType : uint8_t { kBool, kInt, kFloat, kStr, kInts, kFloats, kSym, kSyms, kDType, kScalar };

std::string_view attr_type_name(AttrType t);

/// An attribute value; monostate is None (only for optional attributes).
using AttrValue = std::variant<std::monostate, bool, int64_t, double, std::string, std::vector<int64_t>,
                               std::vector<double>, SymExpr, std::vector<SymExpr>, DType, Scalar>;

/// Whether `v` holds a value of type `t` (None is checked separately).
bool attr_matches(const AttrValue& v, AttrType t);

/// Deterministic text for dumps: 3, 1e-05, true, "tanh", [1, 2], [s0, 16], float32.
std::string attr_to_string(const AttrValue& v);

}  // namespace aotc

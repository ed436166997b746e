// Symbolic integer expressions: the dimensions of tensor shapes.
//
// A SymExpr is an immutable integer expression over named symbols ("s77") in
// a canonical form, so that expressions equal by the rules below compare equal
// and print identically:
//   - a polynomial with int64 coefficients over monomials;
//   - a monomial is a product of atoms raised to positive powers;
//   - an atom is a symbol or a function node: floordiv(a, b), mod(a, b) (Python
//     semantics: the sign follows the divisor), max(...), min(...).
// Factories simplify what is decidable without ranges: constant folding,
// floordiv/mod by a constant that divides every non-constant coefficient,
// flattening and deduplicating max/min. Ranges live beside the expression
// (SymbolRange) and are used by bounds().
//
// Text forms: to_string() prints canonical infix (`2*s0 + s1 - 1`,
// `(s0 + 1)//2`, `max(s0, 1)`); parse_sym_expr() reads that, the legacy infix
// form of older torch.export files, and sympy srepr text
// (`Mul(Integer(2), Symbol('s0', integer=True))`).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/Status.h"

namespace aotc {

class SymExpr;

/// Inclusive range of a symbol; nullopt means unbounded on that side.
struct SymbolRange {
  std::optional<int64_t> min;
  std::optional<int64_t> max;
  bool contains(int64_t v) const { return (!min || v >= *min) && (!max || v <= *max); }
  bool operator==(const SymbolRange&) const = default;
};

/// A closed interval of possible values; nullopt bounds are infinite.
using Interval = SymbolRange;

using SymbolRanges = std::map<std::string, SymbolRange, std::less<>>;
using SymbolValues = std::map<std::string, int64_t, std::less<>>;

namespace sym_detail {
struct Atom;
struct Poly;
}  // namespace sym_detail

class SymExpr {
 public:
  /// The constant 0.
  SymExpr();
  /// A constant (implicit: sizes are usually plain integers).
  SymExpr(int64_t value);  // NOLINT(google-explicit-constructor)
  SymExpr(int value) : SymExpr(static_cast<int64_t>(value)) {}  // NOLINT

  static SymExpr symbol(std::string name);
  /// Floor division (Python //). Divisor must not be the constant 0.
  static SymExpr floordiv(const SymExpr& a, const SymExpr& b);
  /// ceil(a / b) for positive b, as -((-a) // b).
  static SymExpr ceildiv(const SymExpr& a, const SymExpr& b);
  /// Python modulo: result has the sign of b.
  static SymExpr mod(const SymExpr& a, const SymExpr& b);
  static SymExpr max(const SymExpr& a, const SymExpr& b);
  static SymExpr min(const SymExpr& a, const SymExpr& b);
  static SymExpr max(std::vector<SymExpr> args);
  static SymExpr min(std::vector<SymExpr> args);

  friend SymExpr operator+(const SymExpr& a, const SymExpr& b);
  friend SymExpr operator-(const SymExpr& a, const SymExpr& b);
  friend SymExpr operator*(const SymExpr& a, const SymExpr& b);
  friend SymExpr operator-(const SymExpr& a);
  SymExpr& operator+=(const SymExpr& b) { return *this = *this + b; }
  SymExpr& operator*=(const SymExpr& b) { return *this = *this * b; }

  bool is_constant() const;
  /// The value if constant.
  std::optional<int64_t> constant() const;
  /// True for a bare symbol (coefficient 1, no constant term).
  bool is_symbol() const;
  /// The name of a bare symbol; empty otherwise.
  std::string symbol_name() const;

  /// Every symbol this expression mentions.
  void collect_symbols(std::set<std::string>& out) const;
  std::set<std::string> symbols() const;

  /// The value for the given symbol values; nullopt if a symbol is missing or
  /// a division by zero happens.
  std::optional<int64_t> evaluate(const SymbolValues& values) const;
  std::optional<int64_t> evaluate(
      const std::function<std::optional<int64_t>(std::string_view)>& lookup) const;

  /// Replaces symbols by expressions.
  SymExpr substitute(const std::map<std::string, SymExpr, std::less<>>& map) const;

  /// If the expression is `a*sym + b` in one symbol with a != 0, returns {a, b}.
  std::optional<std::pair<int64_t, int64_t>> as_linear_in(std::string_view sym) const;

  /// Conservative range of values given symbol ranges (unknown symbols are unbounded).
  Interval bounds(const SymbolRanges& ranges) const;

  /// Canonical infix text; parse_sym_expr() reads it back.
  std::string to_string() const;
  /// C/C++ expression text. `symbol_code` maps a symbol to its variable name;
  /// floordiv/mod/max/min become calls of `aotc_floordiv`, `aotc_mod`,
  /// `aotc_max`, `aotc_min` on int64_t, which the emitted prologue defines.
  std::string to_code(const std::function<std::string(const std::string&)>& symbol_code) const;

  bool operator==(const SymExpr& other) const;
  bool operator!=(const SymExpr& other) const { return !(*this == other); }
  /// A total order, for sorting and maps. Not numeric order.
  bool operator<(const SymExpr& other) const;
  int compare(const SymExpr& other) const;
  size_t hash() const;

  const sym_detail::Poly& poly() const { return *p_; }

 private:
  explicit SymExpr(std::shared_ptr<const sym_detail::Poly> p) : p_(std::move(p)) {}
  static SymExpr from_poly(sym_detail::Poly p);
  static SymExpr from_atom(std::shared_ptr<const sym_detail::Atom> atom);
  static SymExpr make_minmax(bool is_max, std::vector<SymExpr> args);

  std::shared_ptr<const sym_detail::Poly> p_;
};

/// Parses infix (canonical or legacy torch.export) or sympy srepr text.
Expected<SymExpr> parse_sym_expr(std::string_view text);

/// Whether `text` is sympy srepr (contains a `Symbol(` or `Integer(` call).
bool is_srepr(std::string_view text);

/// Reads a symbol's name out of a srepr or plain expression if it is a bare symbol.
std::optional<std::string> bare_symbol_name(std::string_view text);

namespace sym_detail {

/// A symbol or an opaque function node.
struct Atom {
  enum class Kind : uint8_t { kSymbol, kFloorDiv, kMod, kMax, kMin };
  Kind kind;
  std::string name;           // kSymbol
  std::vector<SymExpr> args;  // functions
  int compare(const Atom& other) const;
};

struct AtomPtrLess {
  bool operator()(const std::shared_ptr<const Atom>& a, const std::shared_ptr<const Atom>& b) const {
    return a->compare(*b) < 0;
  }
};

/// Product of atoms with positive exponents; the empty monomial is 1.
using Monomial = std::map<std::shared_ptr<const Atom>, int, AtomPtrLess>;

struct MonomialLess {
  bool operator()(const Monomial& a, const Monomial& b) const;
};

/// Sum of coefficient * monomial; no zero coefficients are stored.
struct Poly {
  std::map<Monomial, int64_t, MonomialLess> terms;
};

}  // namespace sym_detail
}  // namespace aotc

template <>
struct std::hash<aotc::SymExpr> {
  size_t operator()(const aotc::SymExpr& e) const { return e.hash(); }
};

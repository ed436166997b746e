// Canonical symbolic integer expressions (see SymExpr.h for the rules).
#include "ir/SymExpr.h"

#include <algorithm>
#include <limits>

#include "support/Check.h"

namespace aotc {

using sym_detail::Atom;
using sym_detail::Monomial;
using sym_detail::Poly;

namespace {

using AtomPtr = std::shared_ptr<const Atom>;

int64_t py_floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t py_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

const std::shared_ptr<const Poly>& zero_poly() {
  static const auto z = std::make_shared<const Poly>();
  return z;
}

int compare_monomials(const Monomial& a, const Monomial& b) {
  // Lower total degree first, then atom by atom.
  auto degree = [](const Monomial& m) {
    int d = 0;
    for (const auto& [atom, e] : m) d += e;
    return d;
  };
  int da = degree(a), db = degree(b);
  if (da != db) return da < db ? -1 : 1;
  auto ia = a.begin(), ib = b.begin();
  for (; ia != a.end() && ib != b.end(); ++ia, ++ib) {
    int c = ia->first->compare(*ib->first);
    if (c != 0) return c;
    if (ia->second != ib->second) return ia->second < ib->second ? -1 : 1;
  }
  if (ia == a.end() && ib == b.end()) return 0;
  return ia == a.end() ? -1 : 1;
}

int compare_polys(const Poly& a, const Poly& b) {
  auto ia = a.terms.begin(), ib = b.terms.begin();
  for (; ia != a.terms.end() && ib != b.terms.end(); ++ia, ++ib) {
    int c = compare_monomials(ia->first, ib->first);
    if (c != 0) return c;
    if (ia->second != ib->second) return ia->second < ib->second ? -1 : 1;
  }
  if (ia == a.terms.end() && ib == b.terms.end()) return 0;
  return ia == a.terms.end() ? -1 : 1;
}

void add_term(Poly& p, const Monomial& m, int64_t c) {
  if (c == 0) return;
  auto [it, inserted] = p.terms.emplace(m, c);
  if (!inserted) {
    it->second += c;
    if (it->second == 0) p.terms.erase(it);
  }
}

Monomial multiply_monomials(const Monomial& a, const Monomial& b) {
  Monomial r = a;
  for (const auto& [atom, e] : b) r[atom] += e;
  return r;
}

// The constant term and whether every other coefficient is divisible by c.
std::pair<int64_t, bool> constant_and_divisible(const Poly& p, int64_t c) {
  int64_t k = 0;
  bool divisible = true;
  for (const auto& [m, coeff] : p.terms) {
    if (m.empty()) {
      k = coeff;
    } else if (coeff % c != 0) {
      divisible = false;
    }
  }
  return {k, divisible};
}

// Saturating interval helpers; nullopt is +/- infinity on its side.
using Bound = std::optional<int64_t>;

Interval interval_add(const Interval& a, const Interval& b) {
  Interval r;
  if (a.min && b.min) {
    int64_t v;
    if (!__builtin_add_overflow(*a.min, *b.min, &v)) r.min = v;
  }
  if (a.max && b.max) {
    int64_t v;
    if (!__builtin_add_overflow(*a.max, *b.max, &v)) r.max = v;
  }
  return r;
}

Interval interval_scale(const Interval& a, int64_t c) {
  Interval r;
  auto mul = [&](Bound x) -> Bound {
    if (!x) return std::nullopt;
    int64_t v;
    if (__builtin_mul_overflow(*x, c, &v)) return std::nullopt;
    return v;
  };
  if (c >= 0) {
    r.min = mul(a.min);
    r.max = mul(a.max);
  } else {
    r.min = mul(a.max);
    r.max = mul(a.min);
  }
  if (c == 0) r = Interval{0, 0};
  return r;
}

Interval interval_mul(const Interval& a, const Interval& b) {
  // Only exact when both are known; otherwise a safe but loose answer.
  if (a.min && a.max && b.min && b.max) {
    int64_t cands[4];
    bool ok = !__builtin_mul_overflow(*a.min, *b.min, &cands[0]) &&
              !__builtin_mul_overflow(*a.min, *b.max, &cands[1]) &&
              !__builtin_mul_overflow(*a.max, *b.min, &cands[2]) &&
              !__builtin_mul_overflow(*a.max, *b.max, &cands[3]);
    if (ok) return Interval{*std::min_element(cands, cands + 4), *std::max_element(cands, cands + 4)};
    return Interval{};
  }
  // Both non-negative with known minimums: the product is at least min*min.
  if (a.min && b.min && *a.min >= 0 && *b.min >= 0) {
    int64_t lo;
    if (__builtin_mul_overflow(*a.min, *b.min, &lo)) return Interval{};
    return Interval{lo, std::nullopt};
  }
  return Interval{};
}

}  // namespace

// ---- Atom ordering ---------------------------------------------------------

int Atom::compare(const Atom& other) const {
  if (kind != other.kind) return kind < other.kind ? -1 : 1;
  if (kind == Kind::kSymbol) return name.compare(other.name) < 0 ? -1 : (name == other.name ? 0 : 1);
  if (args.size() != other.args.size()) return args.size() < other.args.size() ? -1 : 1;
  for (size_t i = 0; i < args.size(); ++i) {
    int c = args[i].compare(other.args[i]);
    if (c != 0) return c;
  }
  return 0;
}

bool sym_detail::MonomialLess::operator()(const Monomial& a, const Monomial& b) const {
  return compare_monomials(a, b) < 0;
}

// ---- Construction ----------------------------------------------------------

SymExpr::SymExpr() : p_(zero_poly()) {}

SymExpr::SymExpr(int64_t value) {
  if (value == 0) {
    p_ = zero_poly();
    return;
  }
  Poly p;
  p.terms.emplace(Monomial{}, value);
  p_ = std::make_shared<const Poly>(std::move(p));
}

SymExpr SymExpr::from_poly(Poly p) {
  if (p.terms.empty()) return SymExpr();
  return SymExpr(std::make_shared<const Poly>(std::move(p)));
}

SymExpr SymExpr::from_atom(std::shared_ptr<const Atom> atom) {
  Poly p;
  Monomial m;
  m.emplace(std::move(atom), 1);
  p.terms.emplace(std::move(m), 1);
  return from_poly(std::move(p));
}

SymExpr SymExpr::symbol(std::string name) {
  auto atom = std::make_shared<Atom>();
  atom->kind = Atom::Kind::kSymbol;
  atom->name = std::move(name);
  return from_atom(std::move(atom));
}

SymExpr operator+(const SymExpr& a, const SymExpr& b) {
  if (a.p_->terms.empty()) return b;
  if (b.p_->terms.empty()) return a;
  Poly p = *a.p_;
  for (const auto& [m, c] : b.p_->terms) add_term(p, m, c);
  return SymExpr::from_poly(std::move(p));
}

SymExpr operator-(const SymExpr& a) {
  Poly p;
  for (const auto& [m, c] : a.p_->terms) p.terms.emplace(m, -c);
  return SymExpr::from_poly(std::move(p));
}

SymExpr operator-(const SymExpr& a, const SymExpr& b) { return a + (-b); }

SymExpr operator*(const SymExpr& a, const SymExpr& b) {
  if (a.p_->terms.empty() || b.p_->terms.empty()) return SymExpr();
  Poly p;
  for (const auto& [ma, ca] : a.p_->terms)
    for (const auto& [mb, cb] : b.p_->terms) add_term(p, multiply_monomials(ma, mb), ca * cb);
  return SymExpr::from_poly(std::move(p));
}

SymExpr SymExpr::floordiv(const SymExpr& a, const SymExpr& b) {
  auto bc = b.constant();
  AOTC_CHECK(!bc || *bc != 0, "symbolic floordiv by zero");
  if (a.p_->terms.empty()) return SymExpr();
  if (auto ac = a.constant(); ac && bc) return SymExpr(py_floordiv(*ac, *bc));
  if (bc) {
    if (*bc == 1) return a;
    if (*bc == -1) return -a;
    auto [k, divisible] = constant_and_divisible(*a.p_, *bc);
    if (divisible) {
      // (c*x + k) // c == x + k // c for integer x.
      Poly rest;
      for (const auto& [m, coeff] : a.p_->terms)
        if (!m.empty()) rest.terms.emplace(m, coeff / *bc);
      return from_poly(std::move(rest)) + SymExpr(py_floordiv(k, *bc));
    }
    // (x // c1) // c2 == x // (c1*c2) for positive c1, c2.
    if (*bc > 0 && a.p_->terms.size() == 1) {
      const auto& [m, coeff] = *a.p_->terms.begin();
      if (coeff == 1 && m.size() == 1 && m.begin()->second == 1 &&
          m.begin()->first->kind == Atom::Kind::kFloorDiv) {
        const Atom& inner = *m.begin()->first;
        if (auto c1 = inner.args[1].constant(); c1 && *c1 > 0)
          return floordiv(inner.args[0], SymExpr(*c1 * *bc));
      }
    }
  }
  if (a == b) return SymExpr(1);
  // Exact division by a single positive term: (6*s0*s1 + 3*s1) // (3*s1) == 2*s0 + 1.
  if (b.p_->terms.size() == 1 && b.p_->terms.begin()->second > 0) {
    const auto& [mb, cb] = *b.p_->terms.begin();
    Poly q;
    bool exact = true;
    for (const auto& [m, coeff] : a.p_->terms) {
      if (coeff % cb != 0) {
        exact = false;
        break;
      }
      Monomial rest = m;
      for (const auto& [atom, e] : mb) {
        auto it = rest.find(atom);
        if (it == rest.end() || it->second < e) {
          exact = false;
          break;
        }
        it->second -= e;
        if (it->second == 0) rest.erase(it);
      }
      if (!exact) break;
      add_term(q, rest, coeff / cb);
    }
    if (exact) return from_poly(std::move(q));
  }
  auto atom = std::make_shared<Atom>();
  atom->kind = Atom::Kind::kFloorDiv;
  atom->args = {a, b};
  return from_atom(std::move(atom));
}

SymExpr SymExpr::ceildiv(const SymExpr& a, const SymExpr& b) { return -floordiv(-a, b); }

SymExpr SymExpr::mod(const SymExpr& a, const SymExpr& b) {
  auto bc = b.constant();
  AOTC_CHECK(!bc || *bc != 0, "symbolic mod by zero");
  if (a.p_->terms.empty()) return SymExpr();
  if (auto ac = a.constant(); ac && bc) return SymExpr(py_mod(*ac, *bc));
  if (bc) {
    if (*bc == 1 || *bc == -1) return SymExpr();
    auto [k, divisible] = constant_and_divisible(*a.p_, *bc);
    if (divisible) return SymExpr(py_mod(k, *bc));
  }
  if (a == b) return SymExpr();
  auto atom = std::make_shared<Atom>();
  atom->kind = Atom::Kind::kMod;
  atom->args = {a, b};
  return from_atom(std::move(atom));
}

SymExpr SymExpr::make_minmax(bool is_max, std::vector<SymExpr> args) {
  AOTC_CHECK(!args.empty(), "max/min of nothing");
  const Atom::Kind kind = is_max ? Atom::Kind::kMax : Atom::Kind::kMin;
  std::vector<SymExpr> flat;
  std::optional<int64_t> konst;
  auto fold_constant = [&](int64_t c) {
    konst = !konst ? c : (is_max ? std::max(*konst, c) : std::min(*konst, c));
  };
  for (auto& a : args) {
    if (auto c = a.constant()) {
      fold_constant(*c);
      continue;
    }
    // Flatten nested max(max(..)) / min(min(..)).
    const auto& terms = a.poly().terms;
    if (terms.size() == 1 && terms.begin()->second == 1 && terms.begin()->first.size() == 1 &&
        terms.begin()->first.begin()->second == 1 && terms.begin()->first.begin()->first->kind == kind) {
      for (const auto& inner : terms.begin()->first.begin()->first->args) {
        if (auto c = inner.constant()) {
          fold_constant(*c);
        } else {
          flat.push_back(inner);
        }
      }
      continue;
    }
    flat.push_back(std::move(a));
  }
  std::sort(flat.begin(), flat.end());
  flat.erase(std::unique(flat.begin(), flat.end()), flat.end());
  if (flat.empty()) return SymExpr(*konst);
  if (konst) flat.insert(flat.begin(), SymExpr(*konst));
  if (flat.size() == 1) return flat[0];
  auto atom = std::make_shared<Atom>();
  atom->kind = kind;
  atom->args = std::move(flat);
  return from_atom(std::move(atom));
}

SymExpr SymExpr::max(std::vector<SymExpr> args) { return make_minmax(true, std::move(args)); }
SymExpr SymExpr::min(std::vector<SymExpr> args) { return make_minmax(false, std::move(args)); }
SymExpr SymExpr::max(const SymExpr& a, const SymExpr& b) { return max(std::vector<SymExpr>{a, b}); }
SymExpr SymExpr::min(const SymExpr& a, const SymExpr& b) { return min(std::vector<SymExpr>{a, b}); }

// ---- Queries ---------------------------------------------------------------

bool SymExpr::is_constant() const {
  return p_->terms.empty() || (p_->terms.size() == 1 && p_->terms.begin()->first.empty());
}

std::optional<int64_t> SymExpr::constant() const {
  if (p_->terms.empty()) return 0;
  if (p_->terms.size() == 1 && p_->terms.begin()->first.empty()) return p_->terms.begin()->second;
  return std::nullopt;
}

bool SymExpr::is_symbol() const {
  if (p_->terms.size() != 1) return false;
  const auto& [m, c] = *p_->terms.begin();
  return c == 1 && m.size() == 1 && m.begin()->second == 1 &&
         m.begin()->first->kind == Atom::Kind::kSymbol;
}

std::string SymExpr::symbol_name() const {
  if (!is_symbol()) return {};
  return p_->terms.begin()->first.begin()->first->name;
}

void SymExpr::collect_symbols(std::set<std::string>& out) const {
  for (const auto& [m, c] : p_->terms) {
    for (const auto& [atom, e] : m) {
      if (atom->kind == Atom::Kind::kSymbol) {
        out.insert(atom->name);
      } else {
        for (const auto& a : atom->args) a.collect_symbols(out);
      }
    }
  }
}

std::set<std::string> SymExpr::symbols() const {
  std::set<std::string> s;
  collect_symbols(s);
  return s;
}

std::optional<int64_t> SymExpr::evaluate(const SymbolValues& values) const {
  return evaluate([&](std::string_view name) -> std::optional<int64_t> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

std::optional<int64_t> SymExpr::evaluate(
    const std::function<std::optional<int64_t>(std::string_view)>& lookup) const {
  int64_t total = 0;
  for (const auto& [m, c] : p_->terms) {
    int64_t term = c;
    for (const auto& [atom, e] : m) {
      std::optional<int64_t> v;
      switch (atom->kind) {
        case Atom::Kind::kSymbol:
          v = lookup(atom->name);
          break;
        case Atom::Kind::kFloorDiv:
        case Atom::Kind::kMod: {
          auto a = atom->args[0].evaluate(lookup);
          auto b = atom->args[1].evaluate(lookup);
          if (!a || !b || *b == 0) return std::nullopt;
          v = atom->kind == Atom::Kind::kFloorDiv ? py_floordiv(*a, *b) : py_mod(*a, *b);
          break;
        }
        case Atom::Kind::kMax:
        case Atom::Kind::kMin: {
          for (const auto& arg : atom->args) {
            auto x = arg.evaluate(lookup);
            if (!x) return std::nullopt;
            if (!v) v = x;
            else v = atom->kind == Atom::Kind::kMax ? std::max(*v, *x) : std::min(*v, *x);
          }
          break;
        }
      }
      if (!v) return std::nullopt;
      for (int i = 0; i < e; ++i) term *= *v;
    }
    total += term;
  }
  return total;
}

SymExpr SymExpr::substitute(const std::map<std::string, SymExpr, std::less<>>& map) const {
  SymExpr total;
  for (const auto& [m, c] : p_->terms) {
    SymExpr term(c);
    for (const auto& [atom, e] : m) {
      SymExpr v;
      switch (atom->kind) {
        case Atom::Kind::kSymbol: {
          auto it = map.find(atom->name);
          v = it == map.end() ? symbol(atom->name) : it->second;
          break;
        }
        case Atom::Kind::kFloorDiv:
          v = floordiv(atom->args[0].substitute(map), atom->args[1].substitute(map));
          break;
        case Atom::Kind::kMod:
          v = mod(atom->args[0].substitute(map), atom->args[1].substitute(map));
          break;
        case Atom::Kind::kMax:
        case Atom::Kind::kMin: {
          std::vector<SymExpr> args;
          for (const auto& a : atom->args) args.push_back(a.substitute(map));
          v = atom->kind == Atom::Kind::kMax ? max(std::move(args)) : min(std::move(args));
          break;
        }
      }
      for (int i = 0; i < e; ++i) term = term * v;
    }
    total = total + term;
  }
  return total;
}

std::optional<std::pair<int64_t, int64_t>> SymExpr::as_linear_in(std::string_view sym) const {
  int64_t a = 0, b = 0;
  for (const auto& [m, c] : p_->terms) {
    if (m.empty()) {
      b = c;
      continue;
    }
    if (m.size() == 1 && m.begin()->second == 1 && m.begin()->first->kind == Atom::Kind::kSymbol &&
        m.begin()->first->name == sym) {
      a = c;
      continue;
    }
    return std::nullopt;
  }
  if (a == 0) return std::nullopt;
  return std::make_pair(a, b);
}

Interval SymExpr::bounds(const SymbolRanges& ranges) const {
  Interval total{0, 0};
  for (const auto& [m, c] : p_->terms) {
    Interval term{1, 1};
    for (const auto& [atom, e] : m) {
      Interval v;
      switch (atom->kind) {
        case Atom::Kind::kSymbol: {
          auto it = ranges.find(atom->name);
          if (it != ranges.end()) v = it->second;
          break;
        }
        case Atom::Kind::kFloorDiv: {
          auto a = atom->args[0].bounds(ranges);
          auto bc = atom->args[1].constant();
          if (bc && *bc > 0) {
            if (a.min) v.min = py_floordiv(*a.min, *bc);
            if (a.max) v.max = py_floordiv(*a.max, *bc);
          }
          break;
        }
        case Atom::Kind::kMod: {
          auto bc = atom->args[1].constant();
          if (bc && *bc > 0) v = Interval{0, *bc - 1};
          if (bc && *bc < 0) v = Interval{*bc + 1, 0};
          break;
        }
        case Atom::Kind::kMax:
        case Atom::Kind::kMin: {
          bool first = true;
          for (const auto& arg : atom->args) {
            auto x = arg.bounds(ranges);
            if (first) {
              v = x;
              first = false;
              continue;
            }
            if (atom->kind == Atom::Kind::kMax) {
              v.min = (v.min && x.min) ? std::optional(std::max(*v.min, *x.min)) : (v.min ? v.min : x.min);
              v.max = (v.max && x.max) ? std::optional(std::max(*v.max, *x.max)) : std::nullopt;
            } else {
              v.min = (v.min && x.min) ? std::optional(std::min(*v.min, *x.min)) : std::nullopt;
              v.max = (v.max && x.max) ? std::optional(std::min(*v.max, *x.max)) : (v.max ? v.max : x.max);
            }
          }
          break;
        }
      }
      for (int i = 0; i < e; ++i) term = interval_mul(term, v);
    }
    total = interval_add(total, interval_scale(term, c));
  }
  return total;
}

// ---- Printing --------------------------------------------------------------

namespace {

enum class Syntax { kText, kCode };

std::string print_poly(const Poly& p, Syntax syntax,
                       const std::function<std::string(const std::string&)>* symbol_code);

std::string print_atom(const Atom& atom, Syntax syntax,
                       const std::function<std::string(const std::string&)>* symbol_code) {
  auto arg = [&](const SymExpr& e) { return print_poly(e.poly(), syntax, symbol_code); };
  auto wrapped = [&](const SymExpr& e) {
    // Parenthesize anything that is not a plain symbol or a non-negative constant.
    if (e.is_symbol() || (e.constant() && *e.constant() >= 0)) return arg(e);
    return "(" + arg(e) + ")";
  };
  switch (atom.kind) {
    case Atom::Kind::kSymbol:
      return syntax == Syntax::kCode ? (*symbol_code)(atom.name) : atom.name;
    case Atom::Kind::kFloorDiv:
      if (syntax == Syntax::kCode) return "aotc_floordiv(" + arg(atom.args[0]) + ", " + arg(atom.args[1]) + ")";
      return "(" + wrapped(atom.args[0]) + "//" + wrapped(atom.args[1]) + ")";
    case Atom::Kind::kMod:
      if (syntax == Syntax::kCode) return "aotc_mod(" + arg(atom.args[0]) + ", " + arg(atom.args[1]) + ")";
      return "(" + wrapped(atom.args[0]) + " % " + wrapped(atom.args[1]) + ")";
    case Atom::Kind::kMax:
    case Atom::Kind::kMin: {
      std::string name = atom.kind == Atom::Kind::kMax ? "max" : "min";
      if (syntax == Syntax::kCode) {
        // Nest binary calls.
        std::string s = arg(atom.args[0]);
        for (size_t i = 1; i < atom.args.size(); ++i) s = "aotc_" + name + "(" + s + ", " + arg(atom.args[i]) + ")";
        return s;
      }
      std::string s = name + "(";
      for (size_t i = 0; i < atom.args.size(); ++i) s += (i ? ", " : "") + arg(atom.args[i]);
      return s + ")";
    }
  }
  return "?";
}

std::string print_poly(const Poly& p, Syntax syntax,
                       const std::function<std::string(const std::string&)>* symbol_code) {
  if (p.terms.empty()) return "0";
  std::string out;
  std::optional<int64_t> konst;
  bool first = true;
  for (const auto& [m, c] : p.terms) {
    if (m.empty()) {
      konst = c;
      continue;
    }
    std::string factors;
    for (const auto& [atom, e] : m) {
      for (int i = 0; i < e; ++i) {
        if (!factors.empty()) factors += "*";
        factors += print_atom(*atom, syntax, symbol_code);
      }
    }
    int64_t mag = c < 0 ? -c : c;
    std::string term = mag == 1 ? factors : std::to_string(mag) + "*" + factors;
    if (first) {
      out = c < 0 ? "-" + term : term;
    } else {
      out += c < 0 ? " - " + term : " + " + term;
    }
    first = false;
  }
  if (konst) {
    if (first) return std::to_string(*konst);
    out += *konst < 0 ? " - " + std::to_string(-*konst) : " + " + std::to_string(*konst);
  }
  if (syntax == Syntax::kCode && p.terms.size() > 1) return "(" + out + ")";
  return out;
}

}  // namespace

std::string SymExpr::to_string() const { return print_poly(*p_, Syntax::kText, nullptr); }

std::string SymExpr::to_code(const std::function<std::string(const std::string&)>& symbol_code) const {
  return print_poly(*p_, Syntax::kCode, &symbol_code);
}

bool SymExpr::operator==(const SymExpr& other) const {
  return p_ == other.p_ || compare_polys(*p_, *other.p_) == 0;
}

int SymExpr::compare(const SymExpr& other) const {
  if (p_ == other.p_) return 0;
  return compare_polys(*p_, *other.p_);
}

bool SymExpr::operator<(const SymExpr& other) const { return compare(other) < 0; }

size_t SymExpr::hash() const { return std::hash<std::string>()(to_string()); }

}  // namespace aotc

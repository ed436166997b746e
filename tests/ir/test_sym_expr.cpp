// Symbolic expressions: canonical form, simplification, parsing, evaluation, bounds.
#include <catch2/catch.hpp>

#include "ir/SymExpr.h"

using aotc::SymExpr;

namespace {
SymExpr S(const char* name) { return SymExpr::symbol(name); }
SymExpr P(const char* text) {
  auto e = aotc::parse_sym_expr(text);
  INFO(text);
  REQUIRE(e.has_value());
  return *e;
}
}  // namespace

TEST_CASE("canonical form makes equal expressions equal") {
  SymExpr s0 = S("s0"), s1 = S("s1");
  CHECK(s0 * SymExpr(2) == SymExpr(2) * s0);
  CHECK(s0 + s1 == s1 + s0);
  CHECK((s0 + SymExpr(1)) * SymExpr(2) == SymExpr(2) * s0 + SymExpr(2));
  CHECK(s0 * s1 * SymExpr(256) == SymExpr(256) * s1 * s0);
  CHECK(s0 - s0 == SymExpr(0));
  CHECK((s0 - s0).is_constant());
  CHECK(s0 != s1);
  CHECK(s0 * s0 != s0 * SymExpr(2));
}

TEST_CASE("printing is canonical and reads back") {
  SymExpr s0 = S("s0"), s1 = S("s1");
  CHECK((SymExpr(2) * s0 + s1 - SymExpr(1)).to_string() == "2*s0 + s1 - 1");
  CHECK((-s0).to_string() == "-s0");
  CHECK(SymExpr::floordiv(s0 + SymExpr(1), SymExpr(2)).to_string() == "((s0 + 1)//2)");
  CHECK(SymExpr::max(s0, SymExpr(1)).to_string() == "max(1, s0)");
  for (const char* text : {"2*s0 + s1 - 1", "((s0 + 1)//2)", "max(1, s0)", "(s0 % 4)", "s0*s1 + 3*s0",
                           "-s0 + 5", "min(s0, s1, 7)"}) {
    SymExpr e = P(text);
    CHECK(P(e.to_string().c_str()) == e);
  }
}

TEST_CASE("floordiv and mod simplify by dividing constants") {
  SymExpr s0 = S("s0");
  CHECK(SymExpr::floordiv(SymExpr(2) * s0, SymExpr(2)) == s0);
  CHECK(SymExpr::floordiv(SymExpr(4) * s0 + SymExpr(3), SymExpr(2)) == SymExpr(2) * s0 + SymExpr(1));
  CHECK(SymExpr::floordiv(SymExpr(-7), SymExpr(2)) == SymExpr(-4));  // Python semantics
  CHECK(SymExpr::mod(SymExpr(-7), SymExpr(2)) == SymExpr(1));
  CHECK(SymExpr::mod(SymExpr(6) * s0 + SymExpr(7), SymExpr(3)) == SymExpr(1));
  CHECK(SymExpr::floordiv(SymExpr::floordiv(s0, SymExpr(2)), SymExpr(3)) == SymExpr::floordiv(s0, SymExpr(6)));
  CHECK_FALSE(SymExpr::floordiv(s0, SymExpr(2)).is_constant());
  CHECK(SymExpr::ceildiv(SymExpr(7), SymExpr(2)) == SymExpr(4));
  // Exact division by a monomial.
  SymExpr s1 = S("s1");
  CHECK(SymExpr::floordiv(SymExpr(6) * s0 * s1 + SymExpr(3) * s1, SymExpr(3) * s1) == SymExpr(2) * s0 + SymExpr(1));
  CHECK(SymExpr::floordiv(SymExpr(4) * s0, s0) == SymExpr(4));
  CHECK_FALSE(SymExpr::floordiv(SymExpr(4) * s0 + SymExpr(1), s0).is_constant());
}

TEST_CASE("max and min fold constants and flatten") {
  SymExpr s0 = S("s0");
  CHECK(SymExpr::max(SymExpr(3), SymExpr(5)) == SymExpr(5));
  CHECK(SymExpr::min(SymExpr::min(s0, SymExpr(3)), SymExpr(2)) == SymExpr::min(s0, SymExpr(2)));
  CHECK(SymExpr::max(s0, s0) == s0);
}

TEST_CASE("sympy srepr parses") {
  CHECK(P("Symbol('s77', positive=True, integer=True)") == S("s77"));
  CHECK(P("Mul(Integer(8), Symbol('s77', positive=True, integer=True))") == SymExpr(8) * S("s77"));
  CHECK(P("Add(Symbol('s77', integer=True), Integer(-1))") == S("s77") - SymExpr(1));
  CHECK(P("FloorDiv(Symbol('s0', integer=True), Integer(2))") == SymExpr::floordiv(S("s0"), SymExpr(2)));
  CHECK(P("CeilDiv(Symbol('s0'), Integer(2))") == SymExpr::ceildiv(S("s0"), SymExpr(2)));
  CHECK(P("Max(Integer(1), Symbol('s0'))") == SymExpr::max(SymExpr(1), S("s0")));
  CHECK(P("Pow(Symbol('s0'), Integer(2))") == S("s0") * S("s0"));
  CHECK(P("PythonMod(Symbol('s0'), Integer(4))") == SymExpr::mod(S("s0"), SymExpr(4)));
  CHECK(aotc::is_srepr("Symbol('s0', integer=True)"));
  CHECK_FALSE(aotc::is_srepr("2*s0"));
}

TEST_CASE("legacy infix parses") {
  CHECK(P("s0") == S("s0"));
  CHECK(P("2*s0") == SymExpr(2) * S("s0"));
  CHECK(P("s0 + s1") == S("s0") + S("s1"));
  CHECK(P("(s0//2)") == SymExpr::floordiv(S("s0"), SymExpr(2)));
  CHECK(P("2*s0//3") == SymExpr::floordiv(SymExpr(2) * S("s0"), SymExpr(3)));  // left to right
  CHECK(P("s0**2") == S("s0") * S("s0"));
  CHECK(P("Mod(s0, 4)") == SymExpr::mod(S("s0"), SymExpr(4)));
}

TEST_CASE("bad expressions are errors that quote the text") {
  for (const char* bad : {"", "2*", "s0 +", "Foo(s0)", "s0 / 2", "(s0", "FloorDiv(s0, 0)", "s0 $ 1",
                          "99999999999999999999"}) {
    auto e = aotc::parse_sym_expr(bad);
    INFO(bad);
    CHECK_FALSE(e.has_value());
    if (!e.has_value()) CHECK(e.error().message.find("'") != std::string::npos);
  }
  auto e = aotc::parse_sym_expr("TruncToInt(s0)");
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().message.find("TruncToInt") != std::string::npos);
}

TEST_CASE("evaluation follows Python integer semantics") {
  SymExpr e = P("((s0 + 1)//2) * s1 + (s0 % 3) - max(s1, 4)");
  CHECK(e.evaluate(aotc::SymbolValues{{"s0", 7}, {"s1", 5}}) == std::optional<int64_t>(4 * 5 + 1 - 5));
  CHECK(e.evaluate(aotc::SymbolValues{{"s0", -8}, {"s1", 2}}) ==
        std::optional<int64_t>(-4 * 2 + 1 - 4));  // -7//2 = -4, -8%3 = 1
  CHECK_FALSE(e.evaluate(aotc::SymbolValues{{"s0", 1}}).has_value());
}

TEST_CASE("substitution and linear solving") {
  SymExpr e = SymExpr(3) * S("s0") + SymExpr(2);
  auto lin = e.as_linear_in("s0");
  REQUIRE(lin);
  CHECK(lin->first == 3);
  CHECK(lin->second == 2);
  CHECK_FALSE((S("s0") * S("s1")).as_linear_in("s0"));
  CHECK(e.substitute({{"s0", SymExpr(4)}}) == SymExpr(14));
}

TEST_CASE("bounds from symbol ranges") {
  aotc::SymbolRanges r{{"s0", {1, 1024}}, {"s1", {2, std::nullopt}}};
  auto b = (SymExpr(2) * S("s0") + SymExpr(1)).bounds(r);
  CHECK(b.min == 3);
  CHECK(b.max == 2049);
  auto c = (S("s0") * S("s1")).bounds(r);
  CHECK(c.min == 2);
  CHECK_FALSE(c.max.has_value());
  auto d = SymExpr::floordiv(S("s0"), SymExpr(2)).bounds(r);
  CHECK(d.min == 0);
  CHECK(d.max == 512);
}

TEST_CASE("code generation text") {
  auto code = P("((s0 + 1)//2) * 4 + max(s0, 3)").to_code([](const std::string& s) { return "sym_" + s; });
  CHECK(code == "(4*aotc_floordiv((sym_s0 + 1), 2) + aotc_max(3, sym_s0))");
}

// Reads symbolic expressions: sympy srepr (torch.export 2.6+), the infix form
// older torch.export files wrote, and aotc's own canonical infix.
//
//   expr    := term (('+' | '-') term)*
//   term    := unary (('*' | '//' | '%') unary)*
//   unary   := ('-' | '+') unary | power
//   power   := primary ('**' unary)?
//   primary := INT | NAME | NAME '(' [arg (',' arg)*] ')' | '(' expr ')'
//   arg     := NAME '=' (NAME | INT | STRING) | STRING | expr
//
// Function names map to SymExpr factories (Integer, Symbol, Add, Mul, Pow,
// FloorDiv, CeilDiv, Mod, Max, Min, ...). An unknown function is an error that
// names it: aotc could not generate code to compute such a size.
#include <cctype>
#include <charconv>
#include <variant>

#include "ir/SymExpr.h"

namespace aotc {
namespace {

struct Token {
  enum Kind { kInt, kName, kString, kPunct, kEnd } kind;
  std::string text;
  int64_t value = 0;
  size_t pos = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Expected<SymExpr> parse() {
    if (auto st = tokenize(); !st) return std::move(st).error();
    auto e = parse_expr();
    if (!e) return e;
    if (peek().kind != Token::kEnd) return fail("unexpected '" + peek().text + "'");
    return e;
  }

 private:
  Error fail(const std::string& what) const {
    size_t pos = idx_ < tokens_.size() ? tokens_[idx_].pos : text_.size();
    return make_error(ErrorCode::kInvalidInput, "cannot parse symbolic expression '{}': {} at column {}",
                      text_, what, pos + 1);
  }

  Status tokenize() {
    size_t i = 0;
    while (i < text_.size()) {
      char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      Token t;
      t.pos = i;
      if (std::isdigit(static_cast<unsigned char>(c))) {
        size_t j = i;
        while (j < text_.size() && std::isdigit(static_cast<unsigned char>(text_[j]))) ++j;
        t.kind = Token::kInt;
        t.text = std::string(text_.substr(i, j - i));
        auto [ptr, ec] = std::from_chars(text_.data() + i, text_.data() + j, t.value);
        if (ec != std::errc()) {
          idx_ = tokens_.size();
          return make_error(ErrorCode::kInvalidInput,
                            "cannot parse symbolic expression '{}': integer '{}' out of range", text_, t.text);
        }
        i = j;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t j = i;
        while (j < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[j])) || text_[j] == '_' ||
                                    text_[j] == '.'))
          ++j;
        t.kind = Token::kName;
        t.text = std::string(text_.substr(i, j - i));
        i = j;
      } else if (c == '\'' || c == '"') {
        size_t j = text_.find(c, i + 1);
        if (j == std::string_view::npos)
          return make_error(ErrorCode::kInvalidInput, "cannot parse symbolic expression '{}': unterminated string",
                            text_);
        t.kind = Token::kString;
        t.text = std::string(text_.substr(i + 1, j - i - 1));
        i = j + 1;
      } else {
        t.kind = Token::kPunct;
        if (text_.substr(i, 2) == "//" || text_.substr(i, 2) == "**") {
          t.text = std::string(text_.substr(i, 2));
          i += 2;
        } else if (std::string_view("+-*%(),=/").find(c) != std::string_view::npos) {
          t.text = std::string(1, c);
          ++i;
        } else {
          return make_error(ErrorCode::kInvalidInput,
                            "cannot parse symbolic expression '{}': unexpected character '{}' at column {}",
                            text_, c, i + 1);
        }
      }
      tokens_.push_back(std::move(t));
    }
    Token end;
    end.kind = Token::kEnd;
    end.pos = text_.size();
    end.text = "end of text";
    tokens_.push_back(end);
    return Status::ok();
  }

  const Token& peek() const { return tokens_[idx_]; }
  bool accept(std::string_view punct) {
    if (peek().kind == Token::kPunct && peek().text == punct) {
      ++idx_;
      return true;
    }
    return false;
  }

  Expected<SymExpr> parse_expr() {
    AOTC_ASSIGN_OR_RETURN(SymExpr lhs, parse_term());
    while (true) {
      if (accept("+")) {
        AOTC_ASSIGN_OR_RETURN(SymExpr rhs, parse_term());
        lhs = lhs + rhs;
      } else if (accept("-")) {
        AOTC_ASSIGN_OR_RETURN(SymExpr rhs, parse_term());
        lhs = lhs - rhs;
      } else {
        return lhs;
      }
    }
  }

  Expected<SymExpr> parse_term() {
    AOTC_ASSIGN_OR_RETURN(SymExpr lhs, parse_unary());
    while (true) {
      if (accept("*")) {
        AOTC_ASSIGN_OR_RETURN(SymExpr rhs, parse_unary());
        lhs = lhs * rhs;
      } else if (accept("//")) {
        AOTC_ASSIGN_OR_RETURN(SymExpr rhs, parse_unary());
        if (rhs.constant() == 0) return fail("division by zero");
        lhs = SymExpr::floordiv(lhs, rhs);
      } else if (accept("%")) {
        AOTC_ASSIGN_OR_RETURN(SymExpr rhs, parse_unary());
        if (rhs.constant() == 0) return fail("modulo by zero");
        lhs = SymExpr::mod(lhs, rhs);
      } else if (peek().kind == Token::kPunct && peek().text == "/") {
        return fail("true division '/' does not give an integer size");
      } else {
        return lhs;
      }
    }
  }

  Expected<SymExpr> parse_unary() {
    if (accept("-")) {
      AOTC_ASSIGN_OR_RETURN(SymExpr e, parse_unary());
      return -e;
    }
    if (accept("+")) return parse_unary();
    return parse_power();
  }

  Expected<SymExpr> parse_power() {
    AOTC_ASSIGN_OR_RETURN(SymExpr base, parse_primary());
    if (accept("**")) {
      AOTC_ASSIGN_OR_RETURN(SymExpr exponent, parse_unary());
      return power(base, exponent);
    }
    return base;
  }

  Expected<SymExpr> power(const SymExpr& base, const SymExpr& exponent) {
    auto k = exponent.constant();
    if (!k || *k < 0 || *k > 64) return fail("only small non-negative integer powers are supported");
    SymExpr r(1);
    for (int64_t i = 0; i < *k; ++i) r = r * base;
    return r;
  }

  Expected<SymExpr> parse_primary() {
    const Token& t = peek();
    if (t.kind == Token::kInt) {
      ++idx_;
      return SymExpr(t.value);
    }
    if (accept("(")) {
      AOTC_ASSIGN_OR_RETURN(SymExpr e, parse_expr());
      if (!accept(")")) return fail("expected ')'");
      return e;
    }
    if (t.kind == Token::kName) {
      std::string name = t.text;
      ++idx_;
      if (accept("(")) return parse_call(name);
      return SymExpr::symbol(name);
    }
    return fail("unexpected '" + t.text + "'");
  }

  using Arg = std::variant<SymExpr, std::string>;

  Expected<SymExpr> parse_call(const std::string& fn) {
    std::vector<Arg> args;
    if (!accept(")")) {
      while (true) {
        // Keyword arguments (sympy assumptions such as integer=True) are skipped.
        if (peek().kind == Token::kName && tokens_[idx_ + 1].kind == Token::kPunct &&
            tokens_[idx_ + 1].text == "=") {
          idx_ += 2;
          if (peek().kind == Token::kEnd) return fail("expected a value");
          ++idx_;
        } else if (peek().kind == Token::kString) {
          args.emplace_back(peek().text);
          ++idx_;
        } else {
          AOTC_ASSIGN_OR_RETURN(SymExpr e, parse_expr());
          args.emplace_back(std::move(e));
        }
        if (accept(")")) break;
        if (!accept(",")) return fail("expected ',' or ')'");
      }
    }
    return apply(fn, args);
  }

  Expected<SymExpr> apply(const std::string& fn, const std::vector<Arg>& args) {
    auto expr_arg = [&](size_t i) -> const SymExpr* {
      return i < args.size() ? std::get_if<SymExpr>(&args[i]) : nullptr;
    };
    auto need = [&](size_t n) -> Status {
      if (args.size() != n) return fail(fmt::format("{}() takes {} arguments, got {}", fn, n, args.size()));
      for (size_t i = 0; i < n; ++i)
        if (!expr_arg(i)) return fail(fmt::format("{}() argument {} must be an expression", fn, i + 1));
      return Status::ok();
    };
    if (fn == "Symbol") {
      if (args.empty() || !std::holds_alternative<std::string>(args[0]))
        return fail("Symbol() needs a quoted name");
      return SymExpr::symbol(std::get<std::string>(args[0]));
    }
    if (fn == "Integer") {
      AOTC_RETURN_IF_ERROR(need(1));
      if (!expr_arg(0)->is_constant()) return fail("Integer() needs a number");
      return *expr_arg(0);
    }
    if (fn == "Identity") {
      AOTC_RETURN_IF_ERROR(need(1));
      return *expr_arg(0);
    }
    if (fn == "Add" || fn == "Mul") {
      if (args.empty()) return fail(fn + "() needs arguments");
      SymExpr r(fn == "Add" ? 0 : 1);
      for (size_t i = 0; i < args.size(); ++i) {
        if (!expr_arg(i)) return fail(fn + "() arguments must be expressions");
        r = fn == "Add" ? r + *expr_arg(i) : r * *expr_arg(i);
      }
      return r;
    }
    if (fn == "Pow" || fn == "PowByNatural") {
      AOTC_RETURN_IF_ERROR(need(2));
      return power(*expr_arg(0), *expr_arg(1));
    }
    if (fn == "FloorDiv" || fn == "floordiv" || fn == "CleanDiv" || fn == "CeilDiv" || fn == "ceildiv" ||
        fn == "Mod" || fn == "PythonMod" || fn == "mod") {
      AOTC_RETURN_IF_ERROR(need(2));
      if (expr_arg(1)->constant() == 0) return fail(fn + "() by zero");
      if (fn == "CeilDiv" || fn == "ceildiv") return SymExpr::ceildiv(*expr_arg(0), *expr_arg(1));
      if (fn == "Mod" || fn == "PythonMod" || fn == "mod") return SymExpr::mod(*expr_arg(0), *expr_arg(1));
      return SymExpr::floordiv(*expr_arg(0), *expr_arg(1));
    }
    if (fn == "Max" || fn == "max" || fn == "Min" || fn == "min") {
      if (args.empty()) return fail(fn + "() needs arguments");
      std::vector<SymExpr> xs;
      for (size_t i = 0; i < args.size(); ++i) {
        if (!expr_arg(i)) return fail(fn + "() arguments must be expressions");
        xs.push_back(*expr_arg(i));
      }
      return (fn == "Max" || fn == "max") ? SymExpr::max(std::move(xs)) : SymExpr::min(std::move(xs));
    }
    if (fn == "Rational") {
      AOTC_RETURN_IF_ERROR(need(2));
      auto p = expr_arg(0)->constant(), q = expr_arg(1)->constant();
      if (p && q && *q != 0 && *p % *q == 0) return SymExpr(*p / *q);
      return fail("Rational() is not an integer");
    }
    return make_error(ErrorCode::kUnsupported,
                      "symbolic expression '{}' uses function '{}', which aotc cannot compute as an integer size",
                      text_, fn);
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t idx_ = 0;
};

}  // namespace

Expected<SymExpr> parse_sym_expr(std::string_view text) { return Parser(text).parse(); }

bool is_srepr(std::string_view text) {
  return text.find("Symbol(") != std::string_view::npos || text.find("Integer(") != std::string_view::npos;
}

std::optional<std::string> bare_symbol_name(std::string_view text) {
  auto e = parse_sym_expr(text);
  if (!e || !e->is_symbol()) return std::nullopt;
  return e->symbol_name();
}

}  // namespace aotc

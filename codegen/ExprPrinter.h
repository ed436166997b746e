// Prints an expression DAG (Expr.h) as C++ (CPU) or CUDA C++ statements.
//
// Both dialects use the helpers of templates/common/aotc_math.h, so the
// printed text is the same for both targets except for what a Naming supplies
// (variable and buffer names). Subexpressions used more than once are named
// once (`const float t3 = ...;`); anything under a select branch or a guarded
// load is printed in place, so a load whose guard is false never executes.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "codegen/Expr.h"

namespace aotc::codegen {

/// How names in expressions print.
struct Naming {
  /// A symbol of an index expression: model symbol or loop variable ("@i0").
  std::function<std::string(const std::string&)> symbol;
  /// The pointer expression of a buffer.
  std::function<std::string(int buffer)> buffer;
  /// A template input (kInput).
  std::function<std::string(int input)> input;
};

/// The C type values of a dtype are held in ("float" for bfloat16).
std::string register_ctype(DType t);
/// The C element type of a buffer of this dtype ("aotc_gen::bf16").
std::string storage_ctype(DType t);
/// A literal of `t`'s register type.
std::string literal(const Scalar& s, DType t);
/// An index expression as int64_t C code.
std::string index_code(const SymExpr& e, const Naming& naming);

class ExprPrinter {
 public:
  explicit ExprPrinter(Naming naming, std::string temp_prefix = "t")
      : naming_(std::move(naming)), prefix_(std::move(temp_prefix)) {}

  /// Appends the statements computing `e` to `out` (one per line, each
  /// prefixed by `indent`) and returns the expression text for its value, in
  /// the register type of e->dtype.
  std::string print(const Expr& e, std::string& out, const std::string& indent);

 private:
  void count_uses(const Expr& e, bool lazy);
  std::string emit(const Expr& e, std::string& out, const std::string& indent, bool lazy);
  std::string inline_text(const Expr& e, std::string& out, const std::string& indent, bool lazy);

  Naming naming_;
  std::string prefix_;
  int next_temp_ = 0;
  std::unordered_map<const ExprNode*, int> uses_;
  std::unordered_map<const ExprNode*, std::string> named_;
};

/// A conversion of `value` (register type of `from`) to the register type of `to`,
/// with the rounding of a cast to `to`.
std::string cast_code(const std::string& value, DType from, DType to);

}  // namespace aotc::codegen

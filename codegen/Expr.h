// Expression IR for fused kernel bodies.
//
// A kernel computes, for each point of its index space, an expression built
// from loads of buffers, index arithmetic, constants and the graph's
// elementwise ops. Nodes are small, immutable and shared (a DAG); factories
// check their invariants. The emitters print a DAG once per point, naming each
// shared subexpression once.
//
// Numeric policy (the same as Inductor's): every node has a logical dtype,
// but values are held in registers in opmath of that dtype (float for
// float16/bfloat16/float32, double for float64, the integer type itself for
// integers, bool for bool). Rounding to a narrower type happens at stores and
// at explicit casts only, so a fused chain of bfloat16 ops is computed in
// float and rounded once (eager PyTorch rounds after every op; the difference
// is within bfloat16 tolerance and in PyTorch's own compiler too).
//
// Loads index buffers with an offset in elements. A guarded load yields a
// default value where its guard is false and must never touch memory there;
// emitters print it as a conditional expression and never hoist what it guards.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/Attr.h"
#include "ir/DType.h"
#include "ir/OpTable.h"
#include "ir/SymExpr.h"

namespace aotc::codegen {

struct ExprNode;
using Expr = std::shared_ptr<const ExprNode>;

enum class ExprKind : uint8_t {
  kConst,      ///< a Scalar of `dtype`
  kIndex,      ///< integer value of `index` (a SymExpr over loop variables and model symbols)
  kLoad,       ///< buffer[offset]; offset is an int64 Expr (usually a kIndex)
  kGuardedLoad,///< guard ? buffer[offset] : default (args: guard, offset, default)
  kInput,      ///< the value a template hands to its epilogue (e.g. the GEMM accumulator)
  kOp,         ///< an elementwise graph op applied to args (attributes copied from the node)
  kSelect,     ///< args[0] ? args[1] : args[2], only the chosen side evaluated
  kCast,       ///< convert args[0] to `dtype` (with rounding when narrowing)
};

struct ExprNode {
  ExprKind kind;
  DType dtype;                 ///< logical dtype of the value
  Scalar constant;             ///< kConst
  SymExpr index;               ///< kIndex
  int buffer = -1;             ///< kLoad, kGuardedLoad
  int input = 0;               ///< kInput: which template input (0 = the accumulator)
  OpId op = OpId::Add;         ///< kOp
  DType compute = DType::Float32;  ///< kOp: the dtype arithmetic runs in (before opmath)
  std::vector<AttrValue> attrs;    ///< kOp: the node's attributes
  std::vector<Expr> args;
};

Expr make_const(const Scalar& value, DType dtype);
Expr make_index(SymExpr index);
Expr make_load(int buffer, DType dtype, Expr offset);
Expr make_guarded_load(int buffer, DType dtype, Expr guard, Expr offset, Expr fallback);
Expr make_input(int input, DType dtype);
Expr make_op(OpId op, DType result, DType compute, std::vector<AttrValue> attrs, std::vector<Expr> args);
Expr make_select(Expr cond, Expr a, Expr b);
Expr make_cast(Expr value, DType dtype);

/// The register type a value of logical dtype `t` is held in.
DType register_type(DType t);

/// Structural equality and hash (for common-subexpression naming).
bool expr_equal(const Expr& a, const Expr& b);
size_t expr_hash(const Expr& e);

/// Every buffer an expression loads from.
void collect_buffers(const Expr& e, std::vector<int>& out);

/// Whether an expression contains a kInput leaf.
bool uses_input(const Expr& e);

/// Debug text, deterministic: `add(load(b3, (i0*16 + i1)), const(1.0))`.
std::string expr_to_string(const Expr& e);

}  // namespace aotc::codegen

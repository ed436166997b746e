// The reference evaluator: a plain CPU interpreter of the graph IR.
//
// It is the oracle that passes and backends are tested against, so it is
// written to be obviously right rather than fast (sensible loop orders, no
// tricks). Each op is PyTorch's ATen op of the same name (Ops.def, Graph.h).
//
// Precision policy: every op computes in double (int64 where integer
// exactness matters: integer arithmetic, comparisons of integers, indices,
// integer sums), then rounds its result to the node's dtype with
// HostTensor::set/set_int, so a bfloat16 graph is rounded to bfloat16 after
// every op, as eager PyTorch does. Results therefore match PyTorch to about
// one rounding of the result dtype; accumulation order differences vanish in
// double. docs/reference-evaluator.md lists the few places where it differs
// from PyTorch on purpose (integer division by zero, for one).
//
// Errors are values: a wrong input count, dtype, rank, size or symbol range
// (named by input and dimension), an out-of-range index, or an op it cannot
// evaluate (named by node and op). It never aborts on user data.
#pragma once

#include <span>
#include <vector>

#include "ir/Graph.h"
#include "ir/HostTensor.h"
#include "ir/SymExpr.h"
#include "support/Status.h"

namespace aotc {

/// Binds the graph's symbols from concrete input shapes: checks each input's
/// dtype, rank and static dims, solves symbols from dims that are a bare
/// symbol or linear `a*s + b`, checks every symbol is within its range and
/// consistent across inputs, and that every remaining dim expression evaluates
/// to the actual size. Errors name the input (index and name), the dimension,
/// the expected and the actual value.
Expected<SymbolValues> bind_symbols(const Graph& graph, std::span<const HostTensor> inputs);

/// Runs the graph on `inputs` (user inputs in graph.inputs() order) and
/// returns the values of graph.outputs(), in order.
Expected<std::vector<HostTensor>> evaluate(const Graph& graph, std::span<const HostTensor> inputs);

/// Evaluates one node on concrete operands (null entries for absent optional
/// operands), for constant folding and tests. Operands must have the dtypes
/// and (under `symbols`) the shapes of the node's operand values; the result
/// has the node's result type, which is checked against what was computed.
/// `input` nodes have no value of their own and give an error.
Expected<HostTensor> evaluate_node(const Node& node, std::span<const HostTensor* const> operands,
                                   const SymbolValues& symbols);

}  // namespace aotc

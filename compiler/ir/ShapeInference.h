// Result types of ops: dtype promotion and symbolic shape rules, per op.
//
// The importer checks what it builds against torch.export's recorded
// metadata through these rules, passes use them to type the nodes they
// create, and the verifier re-derives every node's types with them.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "ir/Graph.h"
#include "support/Status.h"

namespace aotc {

/// The result types `node` must have given its operands and attributes. Ops
/// whose result dtype is not implied by their operands (cast, full, arange,
/// scalar, input, constant) keep the dtype their result already has.
Expected<std::vector<TensorType>> infer_types(const Node& node);

/// Creates a node with inferred result types (at the end, or before `before`).
/// `dtype` sets the result dtype of cast/full/arange/scalar. On a type error
/// nothing is created and the error names the op and the problem.
Expected<Node*> build_node(Graph& graph, OpId op, std::vector<Value*> operands, const NamedAttrs& attrs,
                           std::optional<DType> dtype = std::nullopt, std::string name = {},
                           Node* before = nullptr);

/// The broadcast shape of several shapes (numpy rules), or an error naming the
/// mismatching dimensions.
Expected<Shape> broadcast_shapes(std::span<const Shape> shapes);

/// The dtype elementwise arithmetic in `node` computes in before rounding to
/// its result dtype: result_type over the operands (scalar nodes count as
/// wrapped numbers, 0-dim tensors as zero-dim).
DType elementwise_compute_type(const Node& node);

/// Whether an elementwise op's result is bool whatever its operands are.
bool is_predicate_op(OpId op);
/// Whether an elementwise op maps integral inputs to a floating result (exp, sigmoid, true div...).
bool is_float_only_op(OpId op);

}  // namespace aotc

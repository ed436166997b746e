// Fusion analysis: which values get a buffer and which are computed inside
// another kernel. A pure function of the graph; Lowering consumes it.
//
// Roles:
//   kInput, kWeight  buffers that exist before the run
//   kInline          computed inside each consumer's kernel (views always;
//                    elementwise and gather-like ops with one consumer that
//                    can take inline operands)
//   kMaterialize     its own kernel writes it to a buffer
//   kEpilogue        computed in the epilogue of a heavy kernel (GEMM,
//                    convolution, row op, reduction, pooling): the chain of
//                    single-use elementwise consumers of a heavy op's result
//                    whose shape equals that result's shape
// A heavy kernel runs at the position of the last node of its epilogue
// chain, so every other operand of the chain is computed before it.
// Values a consumer needs as a strided buffer (GEMM/conv/attention operands,
// gather tables) are never inlined, and a view needed that way asks for its
// source to be materialized.
#pragma once

#include <unordered_map>
#include <vector>

#include "ir/Graph.h"

namespace aotc::codegen {

enum class Role : uint8_t { kInput, kWeight, kInline, kMaterialize, kEpilogue };

struct FusionPlan {
  std::unordered_map<const Value*, Role> role;
  /// Heavy node -> the elementwise nodes fused into its epilogue, in order.
  std::unordered_map<const Node*, std::vector<const Node*>> epilogue;
  /// kEpilogue value -> the heavy node computing it.
  std::unordered_map<const Value*, const Node*> epilogue_owner;
  /// Values consumers need as buffers.
  std::unordered_map<const Value*, bool> need_buffer;

  Role role_of(const Value* v) const { return role.at(v); }
  /// The value a heavy node's kernel stores: the end of its epilogue chain, or its result.
  const Value* stored_value(const Node* heavy) const;
};

/// Whether a node is computed by a dedicated kernel (GEMM, conv, row op, reduction, pooling, attention, scan).
bool is_heavy(const Node& n);
/// Whether a node can be computed as an expression at any index (elementwise, views, sources, gathers).
bool is_expression_op(const Node& n);

FusionPlan plan_fusion(const Graph& graph);

}  // namespace aotc::codegen

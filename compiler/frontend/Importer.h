// Importing a torch.export program into the graph IR.
//
// What it does, in order: symbols and their ranges from range_constraints;
// graph inputs from the signature (parameters, buffers and constants become
// `constant` nodes with their weights, checked against the graph's recorded
// dtype and shape; user tensor inputs become `input` nodes); then every node,
// lowered through the ATen op table (compiler/frontend/AtenOps*.cpp) with
// omitted arguments filled from the op's schema defaults. Symbolic integer
// nodes (sym_size, _operator.*) are folded into SymExprs. In-place ops of the
// TRAINING dialect are functionalized (the mutated name is rebound to the
// result); mutating a graph input or a tensor that another live name aliases
// is refused. Every result is checked against the dtype and shape
// torch.export recorded for it, so a disagreement surfaces at import, naming
// the node. User outputs become graph outputs; other output kinds (buffer or
// input mutations) are refused.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "frontend/Frontend.h"
#include "ir/Graph.h"

namespace aotc {

/// A node aotc cannot import.
struct UnsupportedNode {
  std::string node_name;
  std::string target;
  std::string reason;
};

/// Every node whose target aotc does not know, in graph order (for `aotc check`).
std::vector<UnsupportedNode> find_unsupported_nodes(const schema::ExportedProgram& program);

/// The normalized target string: "torch.ops.aten.add.Tensor" -> "aten.add.Tensor".
std::string normalize_target(const std::string& target);

/// Imports a loaded program. The graph is verified before it is returned.
Expected<std::unique_ptr<Graph>> import_program(const LoadedProgram& program);

}  // namespace aotc

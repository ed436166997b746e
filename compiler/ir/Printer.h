// Deterministic text form of the graph IR, for dumps, `aotc inspect --ir` and tests.
//
//   graph mlp {
//     symbol s77 in [1, 1024]
//     %x: float32[s77, 10] = input()
//     %p_fc1_weight: float32[16, 10] = constant() {fqn="fc1.weight"}
//     %linear: float32[s77, 16] = linear(%x, %p_fc1_weight, %p_fc1_bias)
//     %sum: float32[s77] = sum(%linear) {dims=[1]}
//     return %sum
//   }
//
// Attributes equal to their default are left out; absent optional operands
// print as `none`. Nodes print in graph order, so a pass's output is stable.
#pragma once

#include <ostream>
#include <string>

#include "ir/Graph.h"

namespace aotc {

std::string print_graph(const Graph& graph);
void print_graph(const Graph& graph, std::ostream& os);
/// One node line without indentation or newline.
std::string print_node(const Node& node);
/// `[1, 1024]`, `[2, inf]`.
std::string range_to_string(const SymbolRange& range);

}  // namespace aotc

// Graph invariants, checked between passes in debug builds and in tests.
#pragma once

#include "ir/Graph.h"
#include "support/Status.h"

namespace aotc {

/// Checks: topological order, use lists, operand counts and optionality,
/// attribute types, every result type equal to what shape inference derives,
/// every symbol in a shape declared with a range, constant data matching its
/// type, outputs defined. Returns the first violation, naming the node.
Status verify(const Graph& graph);

}  // namespace aotc

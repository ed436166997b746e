// View simplification: collapses chains of views and removes identities, so
// that later stages see at most one view step where the program had several.
//   reshape(reshape(x))            -> reshape(x)
//   permute(permute(x))            -> permute(x) with the composed order
//   reshape/permute/expand/slice that change nothing -> x
//   cast(x) to x's dtype           -> x
//   expand(expand(x))              -> expand(x)
// Rewrites only; the graph's values keep their types. Tested in
// tests/passes/test_passes.cpp ("view simplification").
#pragma once

#include "ir/Graph.h"
#include "support/Status.h"

namespace aotc {

Expected<bool> simplify_views(Graph& graph);

}  // namespace aotc

// Constant folding: a node whose operands are all compile-time constants
// (weights, scalars, static fills) is evaluated once at compile time with the
// reference evaluator and replaced by a constant. This is how weight layout
// transforms (the permute of a linear weight in the ATen dialect, a cast of a
// weight) leave the per-call path. Results larger than `max_bytes`, or that
// would grow the weights (a broadcast of a small constant), are left alone.
// Tested in tests/passes/test_passes.cpp ("constant folding").
#pragma once

#include <cstddef>

#include "ir/Graph.h"
#include "support/Status.h"

namespace aotc {

struct FoldConstantsOptions {
  size_t max_bytes = size_t{256} << 20;
};

Expected<bool> fold_constants(Graph& graph, const FoldConstantsOptions& options = {});

}  // namespace aotc

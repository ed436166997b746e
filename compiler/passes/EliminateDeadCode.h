// Dead code elimination: removes nodes none of whose results is used by a
// node or a graph output. User inputs stay (they are the calling convention).
// Tested in tests/passes/test_passes.cpp ("dead code").
#pragma once

#include "ir/Graph.h"
#include "support/Status.h"

namespace aotc {

/// Returns whether anything was removed.
Expected<bool> eliminate_dead_code(Graph& graph);

}  // namespace aotc

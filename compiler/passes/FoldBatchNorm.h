// Batch-norm folding at compile time.
//
// An inference batch_norm whose input is a convolution (or a 2-D linear)
// used by nothing else, with constant weights and statistics, is folded into
// that convolution's weight and bias:
//     s = gamma / sqrt(var + eps)
//     W' = W * s (per output channel),  b' = (b - mean) * s + beta
// Any other batch_norm becomes a per-channel `x * scale + shift` with
// constant scale and shift (elementwise, so it fuses with its neighbours).
// Folded values are computed in double and rounded once to the weight dtype.
// Tested in tests/passes/test_passes.cpp ("batch-norm folding").
#pragma once

#include "ir/Graph.h"
#include "support/Status.h"

namespace aotc {

Expected<bool> fold_batch_norm(Graph& graph);

}  // namespace aotc

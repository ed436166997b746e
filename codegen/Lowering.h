// Lowering: optimized graph IR -> kernel program (KernelGraph.h).
//
// Consumes the fusion plan (FusionPlan.h): materialized values get buffers
// (inputs, outputs, weights, arena), each kernel computes its value(s) with
// inlined producers and epilogue chains as Exprs, views become index mappings
// or strided operands, and a value a template needs as a strided buffer that
// cannot be one gets a copy kernel. Ends with the memory plan (arena slots by
// liveness) and the weights layout (64-byte aligned blob).
#pragma once

#include "codegen/KernelGraph.h"
#include "ir/Graph.h"
#include "support/Status.h"

namespace aotc::codegen {

struct LoweringOptions {
  /// Alignment of arena buffers in bytes.
  int64_t arena_alignment = 256;
  /// Attention outputs read only through one permute store in the permuted
  /// order ([B, L, H, E] for transpose(1, 2)), so that the usual reshape to
  /// [B, L, H * E] that follows is a view instead of a copy kernel. Needs an
  /// emitter that honours AttentionKernel::out_strides (the CUDA one).
  bool permuted_attention_output = false;
  /// A float32 layer norm over the last dim whose only reader is a linear
  /// (float32, weight a package constant) is folded into that linear
  /// (GemmKernel::norm_a) instead of being a kernel of its own. Needs an
  /// emitter that honours norm_a (the CUDA one, without TF32).
  bool fold_layer_norm = false;
};

Expected<KernelGraph> lower_graph(const Graph& graph, const LoweringOptions& options = {});

}  // namespace aotc::codegen

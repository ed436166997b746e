// The kernel program: what a model computes, as buffers and kernels.
//
// Lowering (Lowering.h) turns the optimized graph IR into a KernelGraph; the
// CPU and CUDA emitters print it. Contract:
//   - Every materialized tensor is a Buffer with contiguous row-major storage:
//     a user input, a graph output (allocated by the runtime), a weight in the
//     weights blob, or a region of the arena (placed by the memory plan).
//   - Kernels run in order; each writes only its own output buffer(s) and
//     reads buffers written before it (or inputs/weights).
//   - Index spaces are given by loop variables that appear as symbols in
//     SymExprs: "@i0".."@iN" for a kernel's points, "@r0".. for reduced
//     dimensions, "@c" for a row op's column, "@m"/"@n"/"@b0".. for GEMM
//     outputs. Model symbols ("s77") appear beside them; both print as C
//     identifiers through the emitters' naming.
//   - Fused work is in Exprs (Expr.h): a kernel's value at a point, a
//     reduction's loader, a template's epilogue (kInput 0 = the template's
//     result at that point, bias already added).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "codegen/Expr.h"
#include "ir/Graph.h"
#include "ir/HostTensor.h"

namespace aotc::codegen {

struct Buffer {
  enum class Kind : uint8_t { kInput, kOutput, kWeight, kArena };
  int id = -1;
  std::string name;  ///< C identifier
  Kind kind = Kind::kArena;
  DType dtype = DType::Float32;
  Shape shape;
  int io_index = -1;           ///< kInput / kOutput: position in the call
  uint64_t weight_offset = 0;  ///< kWeight: byte offset in the weights blob
  int slot = -1;               ///< kArena: memory-plan slot
  int first_kernel = -1;       ///< kernel writing it (-1: before the run)
  int last_kernel = -1;        ///< last kernel reading it

  SymExpr numel() const;
  SymExpr nbytes() const { return numel() * SymExpr(static_cast<int64_t>(dtype_size(dtype))); }
};

/// Element (i_0..i_{r-1}) of a view sits at offset + sum(i_k * strides[k]) in buffer.
struct StridedView {
  int buffer = -1;
  DType dtype = DType::Float32;
  Shape shape;
  SymExpr offset;
  std::vector<SymExpr> strides;

  /// Whether the view is the buffer itself, row-major contiguous from offset 0.
  bool is_contiguous() const;
};

/// out[point] = value(point), for every point of `domain` ("@i0".. vars).
struct PointwiseKernel {
  struct Store {
    int buffer = -1;
    Expr offset;  ///< element offset into buffer
    Expr value;
  };
  Shape domain;
  std::vector<Store> stores;
};

/// out[point] = epilogue(combine over "@r" vars of value(point, r)).
struct ReductionKernel {
  enum class Combiner : uint8_t { kSum, kProd, kMax, kMin, kArgmax, kArgmin, kAny, kAll, kMeanVar };
  Combiner combiner = Combiner::kSum;
  Shape domain;         ///< "@i" vars: the kept dimensions
  Shape reduce_domain;  ///< "@r" vars
  Expr value;           ///< may be a guarded load (pooling windows); guards yield the identity
  Expr valid;           ///< optional bool: whether (point, r) counts (adaptive/padded windows)
  DType acc_dtype = DType::Float32;
  /// kArgmax/kArgmin: the reduced index is the flat row-major index over "@r" vars.
  /// kMeanVar: in0 = mean, in1 = M2 (sum of squared deviations), in2 = count.
  Expr epilogue;  ///< in0 = the combined value (for kSum: the sum; for kMax: the max; ...)
  int out_buffer = -1;
  Expr out_offset;  ///< over "@i" vars
};

/// Row normalizations over "@c" in [0, row_length) for each row ("@i" vars).
struct RowOpKernel {
  enum class Op : uint8_t { kSoftmax, kLogSoftmax, kLayerNorm };
  Op op = Op::kSoftmax;
  Shape rows;
  SymExpr row_length;
  Expr value;     ///< input at (@i.., @c)
  double eps = 0.0;
  Expr epilogue;  ///< in0 = softmax / log_softmax / (x - mean) * rstd at (@i.., @c)
  int out_buffer = -1;
  Expr out_offset;  ///< over (@i.., @c)
};

/// C[b, m, n] = epilogue(sum_k A[b, m, k] * B[b, k, n] + bias), into a
/// contiguous out buffer of shape batch + [m, n].
struct GemmKernel {
  Shape batch;  ///< "@b0".. vars
  SymExpr m, n, k;
  StridedView a;  ///< shape batch + [m, k]
  StridedView b;  ///< shape batch + [k, n]
  int bias = -1;  ///< optional buffer with n elements (added before the epilogue)
  Expr epilogue;  ///< over (@b.., @m, @n); in0 = accumulator + bias
  int out_buffer = -1;
  DType out_dtype = DType::Float32;
  /// A layer norm over A's rows (over k) folded in: the product is of the
  /// normalized rows (LoweringOptions::fold_layer_norm; the CUDA emitter's
  /// RowNormA). Its weight and bias buffers hold k elements, -1 where absent.
  struct RowNorm {
    int weight = -1;
    int bias = -1;
    double eps = 0.0;
  };
  std::optional<RowNorm> norm_a;
};

/// N-d convolution (NC + spatial, contiguous input), epilogue as for GEMM.
struct ConvKernel {
  StridedView input;   ///< [N, C, *spatial], contiguous
  int weight = -1;     ///< [O, C/groups, *k] (transposed: [C, O/groups, *k]), contiguous
  int bias = -1;       ///< optional, O elements
  std::vector<int64_t> stride, padding, dilation, output_padding;
  int64_t groups = 1;
  bool transposed = false;
  Shape out_shape;     ///< [N, O, *spatial_out]
  Expr epilogue;       ///< over "@i0".. (out index); in0 = conv + bias
  int out_buffer = -1;
};

/// softmax(q k^T * scale + mask) v over strided q [.., L, E], k [.., S, E], v [.., S, Ev].
struct AttentionKernel {
  StridedView q, k, v;
  std::optional<StridedView> mask;  ///< bool (keep) or additive float, broadcast to [.., L, S]
  bool causal = false;
  double scale = 1.0;
  int64_t gqa_group = 1;  ///< query heads per key/value head
  int out_buffer = -1;    ///< contiguous [.., L, Ev] unless out_strides says otherwise
  /// Where empty, the output is contiguous; else the element strides of the
  /// output's [B, H, L, Ev] dims in out_buffer (rank-4 attention only;
  /// LoweringOptions::permuted_attention_output).
  std::vector<SymExpr> out_strides;
};

/// Inclusive prefix sum along one dimension of a contiguous input.
struct ScanKernel {
  StridedView input;
  int64_t dim = 0;
  int out_buffer = -1;
};

struct Kernel {
  std::string name;  ///< C identifier, unique
  std::variant<PointwiseKernel, ReductionKernel, RowOpKernel, GemmKernel, ConvKernel, AttentionKernel, ScanKernel> body;
  std::vector<std::string> nodes;  ///< graph nodes this kernel computes, for the manifest

  std::string kind_name() const;
  /// Buffers read / written.
  std::vector<int> reads() const;
  std::vector<int> writes() const;
};

struct WeightEntry {
  int buffer = -1;
  std::string name;
  std::string fqn;
  bool folded = false;
  HostTensor data;
};

struct KernelGraph {
  std::string model_name;
  SymbolRanges symbols;
  std::vector<std::string> symbol_order;  ///< runtime order of symbols
  SymbolValues symbol_hints;              ///< torch.export's example values, where recorded
  std::vector<Buffer> buffers;
  std::vector<Kernel> kernels;
  std::vector<int> inputs;   ///< buffer per user input
  std::vector<int> outputs;  ///< buffer per output
  std::vector<std::string> input_names, output_names;
  std::vector<WeightEntry> weights;
  uint64_t weights_size = 0;
  /// Memory plan: arena slots (sizes in bytes) and their offsets, as expressions of the symbols.
  std::vector<SymExpr> slot_sizes;
  std::vector<SymExpr> slot_offsets;
  SymExpr arena_size;
  std::string in_spec, out_spec;

  const Buffer& buffer(int id) const { return buffers[static_cast<size_t>(id)]; }
};

/// Deterministic text dump (for --dump-dir and tests).
std::string print_kernel_graph(const KernelGraph& kg);

}  // namespace aotc::codegen

// aotc's CPU kernel library: the precompiled kernels generated model code
// calls for everything heavier than a fused elementwise chain.
//
// Built once as a static archive (aotc_cpu_kernels, hidden visibility) and
// linked into every CPU model library. It depends on the C++ standard library
// only and picks its instruction set at run time (baseline SSE2 / AVX2+FMA /
// AVX-512, see Isa), so one model library runs on any x86-64 machine.
//
// Conventions for every function here:
//   - Plain functions over raw pointers; sizes and strides are int64_t element
//     counts (not bytes). Sizes may be 0; a size-0 output is a no-op.
//   - Storage dtype per tensor (DType); computation is float32, bf16 / f16
//     outputs are rounded to nearest even, bit-exact with PyTorch's casts.
//   - Outputs never alias inputs unless a function says so.
//   - `parallel_for` is RunContext::parallel_for or null (serial). Kernels
//     never nest it. Results do not depend on how work is split.
//   - Scratch: packing buffers and attention tiles are thread-local inside
//     the library (grow-only, freed at thread exit, bounded by the block
//     sizes: about 10 MiB per thread at worst, typically under 1 MiB).
//     Functions that need more take it from the caller and say how much
//     with a *_scratch_bytes function.
//   - Preconditions (non-negative sizes, groups dividing channels, ...) are
//     the caller's; violating one aborts with a message (AOTC_CPU_CHECK).
#pragma once

#include <cstddef>
#include <cstdint>

#include "aotc_cpu_types.h"

namespace aotc_cpu {

#include "aotc_cpu_half.inc"

/// Bytes per element of a storage dtype.
inline constexpr int64_t dtype_size(DType t) { return t == DType::kF32 ? 4 : 2; }

// ---------------------------------------------------------------------------
// Dispatch

/// The instruction set the kernels use: the best the CPU supports, unless the
/// environment variable AOTC_CPU_ISA=baseline|avx2|avx512 asks for a lower one
/// (read once, at the first call), or force_isa() was called.
Isa active_isa();
/// The best level this CPU (and this build) supports.
Isa best_supported_isa();
/// Makes every later call use `isa`; returns false (and changes nothing) when
/// the CPU or the build lacks it. For tests and benchmarks; not thread-safe
/// against concurrently running kernels.
bool force_isa(Isa isa);
/// "baseline", "avx2", "avx512".
const char* isa_name(Isa isa);

// ---------------------------------------------------------------------------
// Conversions

/// dst[i] = src[i] converted (float32 in between), i in [0, n).
void convert(DType src_dtype, const void* src, DType dst_dtype, void* dst, int64_t n);

// ---------------------------------------------------------------------------
// GEMM (see GemmArgs for the full contract)

/// Batched, strided GEMM with float32 accumulation and fused epilogue.
/// Blocked BLIS-style (docs/cpu-kernels.md); parallel over batch x M-tiles
/// x N-tiles. A batch-broadcast A (a_batch_stride == 0) is packed once for
/// several batch elements.
void gemm(const GemmArgs& args, ParallelFor parallel_for);

// ---------------------------------------------------------------------------
// Convolution (see Conv2dArgs)

/// out = (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1 (floor), or
/// 0 when the window does not fit.
int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                         int64_t dilation);

/// Scratch bytes conv2d needs for these arguments. Depends only on shapes
/// and parameters. Every path is 0 today (im2col is fused into the GEMM's
/// packing); callers still ask, so a future path can need some.
size_t conv2d_scratch_bytes(const Conv2dArgs& args);
/// NCHW convolution: 1x1 stride-1 unpadded -> GEMM on the input; depthwise
/// (groups == in_channels > 1, out_channels a multiple of it) -> direct
/// kernel; otherwise implicit-im2col GEMM: the GEMM's B packing gathers
/// im2col slivers straight from the input (no column buffer). `scratch` is
/// conv2d_scratch_bytes() bytes (may be null when that is 0).
void conv2d(const Conv2dArgs& args, void* scratch, ParallelFor parallel_for);

size_t conv1d_scratch_bytes(const Conv1dArgs& args);
void conv1d(const Conv1dArgs& args, void* scratch, ParallelFor parallel_for);

/// out = (in - 1) * stride - 2 * pad + dilation * (kernel - 1) + output_pad + 1.
int64_t conv_transpose_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                                   int64_t dilation, int64_t output_pad);
/// Column buffer for a chunk of input pixels (at most 4 MiB) plus, for a
/// bf16 / f16 output, a float32 image of one output batch element.
size_t conv_transpose2d_scratch_bytes(const ConvTranspose2dArgs& args);
/// GEMM (weight^T @ input) into the column buffer in `scratch`, col2im
/// scatter-add (parallel over output channels), then bias / activation /
/// residual.
void conv_transpose2d(const ConvTranspose2dArgs& args, void* scratch, ParallelFor parallel_for);

// ---------------------------------------------------------------------------
// Pooling (see Pool2dArgs); parallel over batch * channels planes.

/// PyTorch's pooling output size: floor or ceil of
/// (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1, and in ceil mode
/// the last window must start inside the input or left padding.
int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                         int64_t dilation, bool ceil_mode);
/// max_pool2d; NaN propagating; padding never wins.
void max_pool2d(const Pool2dArgs& args, ParallelFor parallel_for);
/// avg_pool2d (count_include_pad, divisor_override, ceil_mode; no dilation).
void avg_pool2d(const Pool2dArgs& args, ParallelFor parallel_for);
/// adaptive_avg_pool2d / adaptive_max_pool2d over `planes` = batch * channels
/// contiguous [in_h, in_w] planes to [out_h, out_w]; window of output i is
/// [floor(i * in / out), ceil((i + 1) * in / out)).
void adaptive_avg_pool2d(DType dtype, const void* input, void* output, int64_t planes,
                         int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w,
                         ParallelFor parallel_for);
void adaptive_max_pool2d(DType dtype, const void* input, void* output, int64_t planes,
                         int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w,
                         ParallelFor parallel_for);

// ---------------------------------------------------------------------------
// Row operations over the middle dim of a contiguous [outer, n, inner] view
// (inner == 1: the innermost dim; inner > 1: reduce over a non-last dim).
// x and y have the same [outer, n, inner] layout; float32 accumulation;
// y may alias x exactly (in place) for softmax, log_softmax, layer_norm,
// rms_norm and group_norm when the dtypes match.

/// softmax / log_softmax over n (max-subtracted). An all -inf row gives NaN
/// (as PyTorch).
void softmax(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t outer, int64_t n,
             int64_t inner, ParallelFor parallel_for);
void log_softmax(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t outer,
                 int64_t n, int64_t inner, ParallelFor parallel_for);

/// layer_norm over the last n elements of each of `rows` rows: biased
/// variance, y = (x - mean) / sqrt(var + eps) * weight + bias; weight and bias
/// ([n], param_dtype) may each be null.
void layer_norm(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t rows, int64_t n,
                const void* weight, const void* bias, DType param_dtype, float eps,
                ParallelFor parallel_for);
/// rms_norm: y = x / sqrt(mean(x^2) + eps) * weight (weight may be null).
void rms_norm(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t rows, int64_t n,
              const void* weight, DType param_dtype, float eps, ParallelFor parallel_for);
/// group_norm on x [batch, channels, spatial] (spatial = H * W ...):
/// statistics per (batch, group) over channels / groups * spatial elements,
/// affine per channel (weight, bias [channels], may be null).
void group_norm(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t batch,
                int64_t channels, int64_t spatial, int64_t groups, const void* weight,
                const void* bias, DType param_dtype, float eps, ParallelFor parallel_for);

/// y[o, i] = op over j of x[o, j, i]; y is [outer, inner] contiguous.
/// correction is used by kVar only (1 = unbiased). Empty n: sum 0, mean and
/// var NaN, max -inf, min +inf.
void reduce(ReduceOp op, DType x_dtype, const void* x, DType y_dtype, void* y, int64_t outer,
            int64_t n, int64_t inner, int64_t correction, ParallelFor parallel_for);

/// Inclusive cumulative sum over n (float64 accumulation like PyTorch's CPU
/// kernel); y may alias x exactly.
void cumsum(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t outer, int64_t n,
            int64_t inner, ParallelFor parallel_for);

// ---------------------------------------------------------------------------
// Attention (see AttentionArgs)

/// Flash-style blocked attention: online softmax over key tiles, memory
/// O(tile) per thread; parallel over batch * heads * query blocks.
void attention(const AttentionArgs& args, ParallelFor parallel_for);

// ---------------------------------------------------------------------------
// Gather

/// index_select / embedding: dst[o, t, :] = src[o, index[t], :] for the
/// contiguous views src [outer, src_rows, row_elems] and
/// dst [outer, num_indices, row_elems]; elements are elem_bytes bytes (any
/// dtype). Indices are int64 (index_is_int32 = false) or int32; negative ones
/// count from the end when wrap_negative (Python indexing). Returns false if
/// an index is out of range; its destination row is zero-filled.
bool index_select(const void* src, int64_t outer, int64_t src_rows, int64_t row_elems,
                  int64_t elem_bytes, const void* indices, bool index_is_int32,
                  int64_t num_indices, bool wrap_negative, void* dst, ParallelFor parallel_for);

}  // namespace aotc_cpu

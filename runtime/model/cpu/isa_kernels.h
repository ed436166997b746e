// The table of kernels each instruction-set level provides, and the entry
// points every ISA namespace defines (internal to the library).
//
// The *_kernels.cpp files are compiled once per level into namespaces
// aotc_cpu::baseline / avx2 / avx512; isa_table.cpp gathers each level's entry
// points into a constant IsaKernels; dispatch.cpp picks one table at the
// first call and the public functions call through it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "aotc_cpu_types.h"

namespace aotc_cpu::detail {

struct IsaKernels {
  Isa isa;
  void (*gemm)(const GemmArgs& args, ParallelFor parallel_for);
  void (*softmax)(bool log, DType x_dtype, const void* x, DType y_dtype, void* y, int64_t outer,
                  int64_t n, int64_t inner, ParallelFor parallel_for);
  void (*layer_norm)(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t rows, int64_t n,
                     const void* weight, const void* bias, DType param_dtype, float eps, bool rms,
                     ParallelFor parallel_for);
  void (*group_norm)(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t batch,
                     int64_t channels, int64_t spatial, int64_t groups, const void* weight,
                     const void* bias, DType param_dtype, float eps, ParallelFor parallel_for);
  void (*reduce)(ReduceOp op, DType x_dtype, const void* x, DType y_dtype, void* y, int64_t outer,
                 int64_t n, int64_t inner, int64_t correction, ParallelFor parallel_for);
  void (*attention)(const AttentionArgs& args, ParallelFor parallel_for);
  /// groups == in_channels; out_channels a multiple of it.
  void (*depthwise_conv2d)(const Conv2dArgs& args, ParallelFor parallel_for);
  /// Any convolution, as GEMM with im2col done inside the B packing.
  void (*conv2d_implicit_gemm)(const Conv2dArgs& args, ParallelFor parallel_for);
  /// The epilogue over `rows` rows of `n` float32 values in place at `data`
  /// (row stride ld), writing `out` (out_dtype, row stride out_ld); bias per
  /// row (bias[row]) when bias_per_row, else per column. Residual rows at
  /// residual + row * residual_ld.
  void (*epilogue_rows)(const Epilogue& ep, const float* data, int64_t ld, void* out,
                        DType out_dtype, int64_t out_ld, int64_t rows, int64_t n,
                        bool bias_per_row, int64_t residual_ld);
  void (*convert)(DType src_dtype, const void* src, DType dst_dtype, void* dst, int64_t n);
};

extern const IsaKernels kBaselineKernels;
#if defined(AOTC_CPU_HAVE_X86_LEVELS)
extern const IsaKernels kAvx2Kernels;
extern const IsaKernels kAvx512Kernels;
#endif

/// The table of active_isa().
const IsaKernels& active_kernels();

}  // namespace aotc_cpu::detail

#if defined(AOTC_CPU_ISA_NS)
namespace aotc_cpu::AOTC_CPU_ISA_NS {
void gemm(const GemmArgs& args, ParallelFor parallel_for);
void softmax(bool log, DType x_dtype, const void* x, DType y_dtype, void* y, int64_t outer,
             int64_t n, int64_t inner, ParallelFor parallel_for);
void layer_norm(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t rows, int64_t n,
                const void* weight, const void* bias, DType param_dtype, float eps, bool rms,
                ParallelFor parallel_for);
void group_norm(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t batch,
                int64_t channels, int64_t spatial, int64_t groups, const void* weight,
                const void* bias, DType param_dtype, float eps, ParallelFor parallel_for);
void reduce(ReduceOp op, DType x_dtype, const void* x, DType y_dtype, void* y, int64_t outer,
            int64_t n, int64_t inner, int64_t correction, ParallelFor parallel_for);
void attention(const AttentionArgs& args, ParallelFor parallel_for);
void depthwise_conv2d(const Conv2dArgs& args, ParallelFor parallel_for);
void conv2d_implicit_gemm(const Conv2dArgs& args, ParallelFor parallel_for);
void epilogue_rows(const Epilogue& ep, const float* data, int64_t ld, void* out, DType out_dtype,
                   int64_t out_ld, int64_t rows, int64_t n, bool bias_per_row, int64_t residual_ld);
void convert(DType src_dtype, const void* src, DType dst_dtype, void* dst, int64_t n);
}  // namespace aotc_cpu::AOTC_CPU_ISA_NS
#endif

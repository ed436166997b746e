// Public GEMM and conversion entry points: argument checks, then the active
// instruction-set level's kernel (gemm_kernels.cpp).
#include "aotc_cpu_kernels.h"
#include "internal.h"
#include "isa_kernels.h"

namespace aotc_cpu {

void gemm(const GemmArgs& g, ParallelFor parallel_for) {
  AOTC_CPU_CHECK(g.batch >= 0 && g.m >= 0 && g.n >= 0 && g.k >= 0, "GEMM sizes must be >= 0");
  if (g.batch == 0 || g.m == 0 || g.n == 0) return;
  AOTC_CPU_CHECK(g.c != nullptr, "GEMM output is null");
  AOTC_CPU_CHECK(g.m == 1 || g.ldc >= g.n, "GEMM ldc must be >= n");
  AOTC_CPU_CHECK(g.k == 0 || (g.a != nullptr && g.b != nullptr), "GEMM operand is null");
  AOTC_CPU_CHECK(g.epilogue.residual == nullptr || g.m == 1 || g.residual_ld >= g.n,
                 "GEMM residual_ld must be >= n");
  detail::active_kernels().gemm(g, parallel_for);
}

void convert(DType src_dtype, const void* src, DType dst_dtype, void* dst, int64_t n) {
  AOTC_CPU_CHECK(n >= 0, "convert size must be >= 0");
  if (n == 0) return;
  detail::active_kernels().convert(src_dtype, src, dst_dtype, dst, n);
}

}  // namespace aotc_cpu

// Public row operations: argument checks, then the active instruction-set
// level's kernels (rowops_kernels.cpp); cumsum is here (sequential by nature,
// float64 accumulation).
#include "aotc_cpu_kernels.h"
#include "dtype_access.h"
#include "internal.h"
#include "isa_kernels.h"
#include "parallel.h"

namespace aotc_cpu {
namespace {

void check_view(int64_t outer, int64_t n, int64_t inner) {
  AOTC_CPU_CHECK(outer >= 0 && n >= 0 && inner >= 0, "row op sizes must be >= 0");
}

}  // namespace

void softmax(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t outer, int64_t n,
             int64_t inner, ParallelFor parallel_for) {
  check_view(outer, n, inner);
  detail::active_kernels().softmax(false, x_dtype, x, y_dtype, y, outer, n, inner, parallel_for);
}

void log_softmax(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t outer, int64_t n,
                 int64_t inner, ParallelFor parallel_for) {
  check_view(outer, n, inner);
  detail::active_kernels().softmax(true, x_dtype, x, y_dtype, y, outer, n, inner, parallel_for);
}

void layer_norm(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t rows, int64_t n,
                const void* weight, const void* bias, DType param_dtype, float eps,
                ParallelFor parallel_for) {
  check_view(rows, n, 1);
  detail::active_kernels().layer_norm(x_dtype, x, y_dtype, y, rows, n, weight, bias, param_dtype,
                                      eps, false, parallel_for);
}

void rms_norm(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t rows, int64_t n,
              const void* weight, DType param_dtype, float eps, ParallelFor parallel_for) {
  check_view(rows, n, 1);
  detail::active_kernels().layer_norm(x_dtype, x, y_dtype, y, rows, n, weight, nullptr, param_dtype,
                                      eps, true, parallel_for);
}

void group_norm(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t batch,
                int64_t channels, int64_t spatial, int64_t groups, const void* weight,
                const void* bias, DType param_dtype, float eps, ParallelFor parallel_for) {
  check_view(batch, channels, spatial);
  AOTC_CPU_CHECK(groups >= 1 && channels % groups == 0, "group_norm groups must divide channels");
  detail::active_kernels().group_norm(x_dtype, x, y_dtype, y, batch, channels, spatial, groups,
                                      weight, bias, param_dtype, eps, parallel_for);
}

void reduce(ReduceOp op, DType x_dtype, const void* x, DType y_dtype, void* y, int64_t outer,
            int64_t n, int64_t inner, int64_t correction, ParallelFor parallel_for) {
  check_view(outer, n, inner);
  detail::active_kernels().reduce(op, x_dtype, x, y_dtype, y, outer, n, inner, correction,
                                  parallel_for);
}

void cumsum(DType x_dtype, const void* x, DType y_dtype, void* y, int64_t outer, int64_t n,
            int64_t inner, ParallelFor parallel_for) {
  check_view(outer, n, inner);
  if (outer == 0 || n == 0 || inner == 0) return;
  detail::parallel_range(parallel_for, outer, detail::grain_for(n * inner), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      const int64_t base = o * n * inner;
      for (int64_t i = 0; i < inner; ++i) {
        double acc = 0.0;
        for (int64_t j = 0; j < n; ++j) {
          const int64_t idx = base + j * inner + i;
          acc += static_cast<double>(detail::load_f32(x, x_dtype, idx));
          detail::store_f32(y, y_dtype, idx, static_cast<float>(acc));
        }
      }
    }
  });
}

}  // namespace aotc_cpu

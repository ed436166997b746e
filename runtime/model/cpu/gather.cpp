// index_select / embedding gather: byte copies of whole rows.
#include <cstring>

#include "aotc_cpu_kernels.h"
#include "internal.h"
#include "parallel.h"

namespace aotc_cpu {

bool index_select(const void* src, int64_t outer, int64_t src_rows, int64_t row_elems,
                  int64_t elem_bytes, const void* indices, bool index_is_int32,
                  int64_t num_indices, bool wrap_negative, void* dst, ParallelFor parallel_for) {
  AOTC_CPU_CHECK(outer >= 0 && src_rows >= 0 && row_elems >= 0 && elem_bytes > 0 && num_indices >= 0,
                 "index_select sizes must be >= 0");
  if (outer == 0 || num_indices == 0) return true;
  const size_t row_bytes = static_cast<size_t>(row_elems * elem_bytes);
  bool ok = true;
  const int64_t items = outer * num_indices;
  auto body = [&](int64_t b, int64_t e) {
    bool bad = false;
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / num_indices;
      const int64_t r = t - o * num_indices;
      int64_t idx = index_is_int32 ? static_cast<const int32_t*>(indices)[r]
                                   : static_cast<const int64_t*>(indices)[r];
      if (idx < 0 && wrap_negative) idx += src_rows;
      char* d = static_cast<char*>(dst) + static_cast<size_t>(t) * row_bytes;
      if (idx < 0 || idx >= src_rows) {
        std::memset(d, 0, row_bytes);
        bad = true;
        continue;
      }
      std::memcpy(d, static_cast<const char*>(src) + static_cast<size_t>(o * src_rows + idx) * row_bytes,
                  row_bytes);
    }
    if (bad) __atomic_store_n(&ok, false, __ATOMIC_RELAXED);
  };
  detail::parallel_range(parallel_for, items, detail::grain_for(row_elems * elem_bytes / 4 + 1), body);
  return __atomic_load_n(&ok, __ATOMIC_RELAXED);
}

}  // namespace aotc_cpu

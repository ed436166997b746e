// parallel_for with a lambda body, for the library's baseline translation
// units (the ISA kernel files keep their own copy in their namespace).
#pragma once

#include <cstdint>

#include "aotc_cpu_types.h"

namespace aotc_cpu::detail {

/// Runs body(begin, end) over [0, n) in chunks of at least `grain` through
/// parallel_for, or inline when it is null or the range is one chunk.
template <class Body>
void parallel_range(ParallelFor parallel_for, int64_t n, int64_t grain, const Body& body) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (!parallel_for || n <= grain) {
    body(int64_t{0}, n);
    return;
  }
  parallel_for(
      n, grain,
      [](int64_t b, int64_t e, void* arg) { (*static_cast<const Body*>(arg))(b, e); },
      const_cast<void*>(static_cast<const void*>(&body)));
}

/// Items per chunk so that a chunk holds about `target` elements of work.
inline int64_t grain_for(int64_t work_per_item, int64_t target = 16384) {
  const int64_t w = work_per_item > 0 ? work_per_item : 1;
  return target / w > 1 ? target / w : 1;
}

}  // namespace aotc_cpu::detail

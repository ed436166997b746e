// Thread-local scratch buffers for the kernels (GEMM packing, attention
// tiles, row temporaries): one grow-only, 64-byte aligned buffer per slot and
// thread, freed when the thread exits.
#include <cstddef>
#include <cstdlib>
#include <new>

#include "internal.h"

namespace aotc_cpu::detail {
namespace {

struct ThreadBuffers {
  float* data[kSlotCount] = {};
  size_t capacity[kSlotCount] = {};
  ThreadBuffers() = default;
  ThreadBuffers(const ThreadBuffers&) = delete;
  ThreadBuffers& operator=(const ThreadBuffers&) = delete;
  ~ThreadBuffers() {
    for (float* p : data) std::free(p);
  }
};

thread_local ThreadBuffers tls_buffers;

}  // namespace

float* thread_buffer(int slot, size_t floats) {
  AOTC_CPU_CHECK(slot >= 0 && slot < kSlotCount, "scratch slot out of range");
  ThreadBuffers& t = tls_buffers;
  if (floats > t.capacity[slot] || t.data[slot] == nullptr) {
    // Grow by at least 1.5x so slowly growing requests do not reallocate often.
    size_t want = floats + floats / 2 + 16;
    size_t bytes = (want * sizeof(float) + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, bytes);
    AOTC_CPU_CHECK(p != nullptr, "out of memory for kernel scratch");
    std::free(t.data[slot]);
    t.data[slot] = static_cast<float*>(p);
    t.capacity[slot] = bytes / sizeof(float);
  }
  return t.data[slot];
}

}  // namespace aotc_cpu::detail

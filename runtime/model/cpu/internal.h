// Library-internal helpers shared by every translation unit of the CPU
// kernels (baseline and ISA-specific): the check macro and thread scratch.
// Declarations only: nothing inline, so ISA objects share no code through it.
#pragma once

#include <cstddef>

/// Aborts with file, line and message when `cond` is false (an internal
/// invariant or a violated precondition of the caller; never a user error).
#define AOTC_CPU_CHECK(cond, msg)                                         \
  do {                                                                    \
    if (__builtin_expect(!(cond), 0))                                     \
      ::aotc_cpu::detail::check_failed(__FILE__, __LINE__, #cond, msg);   \
  } while (0)

namespace aotc_cpu::detail {

/// Prints "aotc_cpu: FILE:LINE: check `cond` failed: msg" and aborts.
[[noreturn]] void check_failed(const char* file, int line, const char* cond, const char* msg);

/// Scratch slots: one buffer per slot and thread.
enum ScratchSlot : int {
  kSlotPackA = 0,
  kSlotPackB,
  kSlotGemmAcc,
  kSlotRow,
  kSlotAttnQ,
  kSlotAttnScores,
  kSlotAttnOut,
  kSlotCount,
};

/// A thread-local, 64-byte aligned buffer of at least `floats` floats for
/// `slot`, grow-only; its contents are undefined. Valid until the same thread
/// asks for the same slot again.
float* thread_buffer(int slot, size_t floats);

}  // namespace aotc_cpu::detail

// Run-time choice of the kernels' instruction-set level.
//
// The best level is detected once with __builtin_cpu_supports (which also
// checks that the OS saves the wide registers) plus CPUID for F16C; the
// environment variable AOTC_CPU_ISA can lower it (tests, benchmarks, bug
// hunts), and force_isa() changes it for later calls.
#include <atomic>
#include <cstdlib>
#include <cstring>

#if defined(AOTC_CPU_HAVE_X86_LEVELS)
#include <cpuid.h>
#endif

#include "aotc_cpu_kernels.h"
#include "isa_kernels.h"

namespace aotc_cpu {
namespace {

Isa detect_best_isa() {
#if defined(AOTC_CPU_HAVE_X86_LEVELS)
  __builtin_cpu_init();
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && ((ecx >> 29) & 1u) != 0;
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
  if (avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
    return Isa::kAvx512;
  }
  if (avx2) return Isa::kAvx2;
#endif
  return Isa::kBaseline;
}

const detail::IsaKernels& table_for(Isa isa) {
#if defined(AOTC_CPU_HAVE_X86_LEVELS)
  if (isa == Isa::kAvx512) return detail::kAvx512Kernels;
  if (isa == Isa::kAvx2) return detail::kAvx2Kernels;
#endif
  (void)isa;
  return detail::kBaselineKernels;
}

std::atomic<const detail::IsaKernels*> g_active{nullptr};

const detail::IsaKernels& choose_at_first_use() {
  Isa isa = best_supported_isa();
  if (const char* env = std::getenv("AOTC_CPU_ISA")) {
    Isa want = isa;
    if (std::strcmp(env, "baseline") == 0) want = Isa::kBaseline;
    if (std::strcmp(env, "avx2") == 0) want = Isa::kAvx2;
    if (std::strcmp(env, "avx512") == 0) want = Isa::kAvx512;
    if (static_cast<int>(want) < static_cast<int>(isa)) isa = want;
  }
  const detail::IsaKernels* t = &table_for(isa);
  const detail::IsaKernels* expected = nullptr;
  // A racing first call may have stored the same choice; either is fine.
  g_active.compare_exchange_strong(expected, t, std::memory_order_acq_rel);
  return *g_active.load(std::memory_order_acquire);
}

}  // namespace

Isa best_supported_isa() {
  static const Isa best = detect_best_isa();
  return best;
}

Isa active_isa() { return detail::active_kernels().isa; }

bool force_isa(Isa isa) {
  if (static_cast<int>(isa) < 0 || static_cast<int>(isa) > static_cast<int>(best_supported_isa())) {
    return false;
  }
  g_active.store(&table_for(isa), std::memory_order_release);
  return true;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kBaseline: return "baseline";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "unknown";
}

namespace detail {

const IsaKernels& active_kernels() {
  const IsaKernels* t = g_active.load(std::memory_order_acquire);
  return t ? *t : choose_at_first_use();
}

}  // namespace detail
}  // namespace aotc_cpu

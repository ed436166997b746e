// Public attention entry point: argument checks, then the active
// instruction-set level's kernel (attention_kernels.cpp).
#include "aotc_cpu_kernels.h"
#include "internal.h"
#include "isa_kernels.h"

namespace aotc_cpu {

void attention(const AttentionArgs& a, ParallelFor parallel_for) {
  AOTC_CPU_CHECK(a.batch >= 0 && a.heads >= 0 && a.l >= 0 && a.s >= 0 && a.e >= 0 && a.ev >= 0,
                 "attention sizes must be >= 0");
  if (a.batch == 0 || a.heads == 0 || a.l == 0 || a.ev == 0) return;
  AOTC_CPU_CHECK(a.out != nullptr, "attention output is null");
  AOTC_CPU_CHECK(a.s == 0 || a.v != nullptr, "attention v is null");
  AOTC_CPU_CHECK(a.s == 0 || a.e == 0 || (a.q != nullptr && a.k != nullptr), "attention q or k is null");
  AOTC_CPU_CHECK(a.mask_kind == MaskKind::kNone || a.mask != nullptr, "attention mask is null");
  detail::active_kernels().attention(a, parallel_for);
}

}  // namespace aotc_cpu

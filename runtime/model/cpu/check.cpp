// The library's check-failure path (AOTC_CPU_CHECK in internal.h).
#include <cstdio>
#include <cstdlib>

#include "internal.h"

namespace aotc_cpu::detail {

void check_failed(const char* file, int line, const char* cond, const char* msg) {
  std::fprintf(stderr, "aotc_cpu: %s:%d: check `%s` failed: %s\n", file, line, cond, msg);
  std::fflush(stderr);
  std::abort();
}

}  // namespace aotc_cpu::detail

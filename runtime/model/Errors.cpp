// The thread's last error message; see Errors.h.
#include "Errors.h"

#include <atomic>
#include <cstdio>
#include <cstring>

namespace aotc_model::rt {
namespace {

constexpr size_t kMaxMessage = 4096;
thread_local char t_last_error[kMaxMessage];
std::atomic<bool> g_print_errors{false};

}  // namespace

void set_last_error(const char* message) {
  std::strncpy(t_last_error, message, kMaxMessage - 1);
  t_last_error[kMaxMessage - 1] = '\0';
  if (g_print_errors.load(std::memory_order_relaxed)) std::fprintf(stderr, "Error: %s\n", message);
}

void clear_last_error() {
  t_last_error[0] = '\0';
}

const char* last_error() {
  return t_last_error;
}

void set_print_errors(bool print) {
  g_print_errors.store(print, std::memory_order_relaxed);
}

bool print_errors() {
  return g_print_errors.load(std::memory_order_relaxed);
}

}  // namespace aotc_model::rt

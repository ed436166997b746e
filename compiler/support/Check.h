// Internal invariant checks. A failing AOTC_CHECK is a bug in aotc, never a
// user error: it prints the condition, file and line and aborts. User errors
// are values (support/Status.h).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

namespace aotc::detail {
[[noreturn]] void check_failed(const char* cond, const char* file, int line, const std::string& msg);
}  // namespace aotc::detail

#define AOTC_CHECK(cond, ...)                                                          \
  do {                                                                                 \
    if (!(cond)) [[unlikely]]                                                          \
      ::aotc::detail::check_failed(#cond, __FILE__, __LINE__, ::fmt::format("" __VA_ARGS__)); \
  } while (0)

#define AOTC_UNREACHABLE(...) \
  ::aotc::detail::check_failed("unreachable", __FILE__, __LINE__, ::fmt::format("" __VA_ARGS__))

#ifdef NDEBUG
#define AOTC_DCHECK(cond, ...) ((void)0)
#else
#define AOTC_DCHECK(cond, ...) AOTC_CHECK(cond, __VA_ARGS__)
#endif

// Errors inside the host runtime, and the C layer's thread-local last error.
//
// Inside libaotc_runtime.so failures are exceptions: Failure carries the
// aotc_status the C function returns and a sentence for the user. Every
// exported function runs under guard(), which converts any exception into a
// status and the thread's last error; no exception crosses the C ABI.
#pragma once

#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include "aotc/runtime.h"

namespace aotc::rt {

class Failure : public std::runtime_error {
 public:
  Failure(aotc_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  aotc_status status() const { return status_; }

 private:
  aotc_status status_;
};

[[noreturn]] inline void fail(aotc_status status, const std::string& message) {
  throw Failure(status, message);
}

void set_last_error(std::string message);
void clear_last_error();
const char* last_error();

/// Runs `body`, mapping exceptions to a status and the last error.
template <typename Body>
aotc_status guard(Body&& body) noexcept {
  try {
    body();
    return AOTC_OK;
  } catch (const Failure& e) {
    set_last_error(e.what());
    return e.status();
  } catch (const std::bad_alloc&) {
    set_last_error("out of memory");
    return AOTC_ERROR_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    set_last_error(e.what());
    return AOTC_ERROR_RUNTIME;
  } catch (...) {
    set_last_error("unknown exception");
    return AOTC_ERROR_INTERNAL;
  }
}

}  // namespace aotc::rt

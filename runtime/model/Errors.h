// Errors inside a model library, and the thread's last error message.
//
// Inside the library, failures are C++ exceptions (ModelError for the ones
// with a message for the user); every exported function runs its body under
// guard(), which turns any exception into a return code and the thread's
// last error, so nothing escapes through the C ABI. The message lives in a
// fixed thread-local buffer: no destructor to run at thread exit or dlclose.
#pragma once

#include <cstdint>
#include <cstdio>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include "aotc/model_abi.h"

namespace aotc_model::rt {

/// A failure with a message for the user and the code the ABI returns.
class ModelError : public std::runtime_error {
 public:
  ModelError(int32_t code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int32_t code() const { return code_; }

 private:
  int32_t code_;
};

/// Throws a ModelError with AOTI_RUNTIME_FAILURE.
[[noreturn]] inline void fail(const std::string& message) {
  throw ModelError(AOTI_RUNTIME_FAILURE, message);
}

/// Throws a ModelError with AOTC_MODEL_ERROR_INVALID_INPUT (the inputs were refused).
[[noreturn]] inline void refuse(const std::string& message) {
  throw ModelError(AOTC_MODEL_ERROR_INVALID_INPUT, message);
}

/// Copies `message` into an error buffer of the generated-code interface
/// (aotc_model.h: return non-zero with a sentence); returns 1.
inline int write_error(const std::string& message, char* error, size_t error_size) {
  if (error != nullptr && error_size > 0) std::snprintf(error, error_size, "%s", message.c_str());
  return 1;
}

void set_last_error(const char* message);
void clear_last_error();
/// The thread's last message ("" if none); valid until the next call on this thread.
const char* last_error();

/// Whether failures are also printed to stderr as "Error: <message>", as
/// AOTInductor's own libraries do: PyTorch's runner reports only "API call
/// failed", so inside PyTorch the message would otherwise be lost. Set when a
/// container is created through the PyTorch entry points.
void set_print_errors(bool print);
bool print_errors();

/// Runs `body` (returning void), mapping exceptions to codes and the last error.
template <typename Body>
AOTIRuntimeError guard(const char* function, Body&& body) noexcept {
  clear_last_error();
  std::string message;
  int32_t code = AOTI_RUNTIME_FAILURE;
  try {
    body();
    return AOTI_RUNTIME_SUCCESS;
  } catch (const ModelError& e) {
    message = e.what();
    code = e.code();
  } catch (const std::bad_alloc&) {
    message = std::string(function) + ": out of memory";
  } catch (const std::exception& e) {
    message = std::string(function) + ": " + e.what();
  } catch (...) {
    message = std::string(function) + ": unknown exception";
  }
  set_last_error(message.c_str());
  return code;
}

}  // namespace aotc_model::rt

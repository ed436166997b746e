// Errors as values: aotc::Status and aotc::Expected<T>.
//
// User errors (bad input, unsupported op, missing weight) travel as values
// through the compiler and out of its public functions; they carry a message
// that names the file, node, op, input or dimension at fault and reads as a
// sentence the user can act on. Internal invariants are not errors: they are
// AOTC_CHECK failures (support/Check.h) that abort with file and line.
//
// The CLI maps ErrorCode::Usage to exit code 2 and every other code to 1.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace aotc {

enum class ErrorCode {
  kInvalidInput,   ///< malformed file, schema violation, inconsistent graph
  kUnsupported,    ///< valid input that aotc does not handle (yet)
  kNotFound,       ///< a file, entry, weight or name is missing
  kIo,             ///< reading or writing failed
  kToolchain,      ///< the host compiler or NVRTC failed
  kUsage,          ///< bad command-line usage
  kRuntime,        ///< a failure while loading or running a package
  kInternal,       ///< a bug in aotc that was caught and reported as a value
};

const char* error_code_name(ErrorCode code);

/// A user-facing error: a code and a complete message.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  /// Prefixes the message with more context: "while reading X: <message>".
  Error& with_context(const std::string& context) {
    message = context + ": " + message;
    return *this;
  }
};

template <typename... Args>
Error make_error(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  return Error{code, fmt::format(format, std::forward<Args>(args)...)};
}

/// Success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  static Status ok() { return Status(); }
  bool is_ok() const { return !error_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

/// A T or an Error.
template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT
  Expected(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  Expected(Status status) : v_(std::in_place_index<1>, Error{}) {  // NOLINT
    assert(!status.is_ok());
    std::get<1>(v_) = std::move(status).error();
  }

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }
  Status status() const { return has_value() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace aotc

#define AOTC_CONCAT_INNER_(a, b) a##b
#define AOTC_CONCAT_(a, b) AOTC_CONCAT_INNER_(a, b)

/// Returns the error of a Status or Expected expression from the current function.
#define AOTC_RETURN_IF_ERROR(expr)                                   \
  do {                                                               \
    auto&& aotc_status_ = (expr);                                    \
    if (!aotc_status_) return ::aotc::Error(std::move(aotc_status_).error()); \
  } while (0)

/// `AOTC_ASSIGN_OR_RETURN(auto x, compute());` declares x from an Expected or
/// returns its error.
#define AOTC_ASSIGN_OR_RETURN(decl, expr) \
  AOTC_ASSIGN_OR_RETURN_IMPL_(AOTC_CONCAT_(aotc_expected_, __LINE__), decl, expr)
#define AOTC_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr)               \
  auto tmp = (expr);                                               \
  if (!tmp) return ::aotc::Error(std::move(tmp).error());          \
  decl = std::move(tmp).value()

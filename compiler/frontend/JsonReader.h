// A small path-tracking reader over nlohmann::json, for the frontend's parsers.
//
// Every value is reached through a Cursor that knows how it was reached
// (`graph_module.graph.nodes[3].inputs[1].arg`), so a type mismatch or a bad
// union can be reported with its JSON path. The path is only materialized when
// an error is raised: a Cursor is a pointer to its JSON value plus a pointer to
// its parent Cursor, so reading costs no allocations. Children therefore must
// not outlive their parent: bind intermediate cursors to named variables
// instead of chaining `a.field("x").field("y")` across statements.
//
// Errors are thrown as JsonError inside the parsers and converted to
// aotc::Error by catch_json_errors() at the public functions; exceptions never
// leave the frontend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "support/Status.h"

namespace aotc::json_reader {

using Json = nlohmann::json;

/// A parse failure at a JSON path. Thrown inside the frontend only.
struct JsonError {
  ErrorCode code = ErrorCode::kInvalidInput;
  std::string path;  ///< empty: the error is about the whole document
  std::string message;
};

class Cursor {
 public:
  /// The document root.
  static Cursor root(const Json& json) { return Cursor(&json, nullptr, Step::kRoot, {}, 0); }

  /// True when the value exists and is not JSON null.
  explicit operator bool() const { return json_ != nullptr && !json_->is_null(); }
  const Json& json() const { return *json_; }

  /// Object member `name`; an absent or null member gives an empty Cursor
  /// (missing fields take their defaults). Fails if this is not an object.
  Cursor field(std::string_view name) const;
  /// Array element `i` (no bounds check: use size()).
  Cursor element(size_t i) const { return Cursor(&(*json_)[i], this, Step::kIndex, {}, i); }
  /// Number of elements; fails if this is not an array.
  size_t array_size() const;

  /// Calls f(Cursor) for each element of an array.
  template <typename F>
  void for_each_element(F&& f) const {
    size_t n = array_size();
    for (size_t i = 0; i < n; ++i) f(element(i));
  }
  /// Calls f(const std::string& key, Cursor) for each member of an object (a
  /// dict[str, X] in the schema), in key order.
  template <typename F>
  void for_each_member(F&& f) const {
    expect_object();
    for (auto it = json_->begin(); it != json_->end(); ++it) {
      const std::string& key = it.key();
      f(key, Cursor(&it.value(), this, Step::kKey, key, 0));
    }
  }

  /// The single member of a union object: {"as_int": 3} -> ("as_int", cursor at 3).
  /// Fails unless this is an object with exactly one key. `union_name` is for messages.
  std::pair<std::string_view, Cursor> union_member(std::string_view union_name) const;

  int64_t as_int() const;   ///< exactly, as int64 (never through double)
  double as_float() const;  ///< numbers and "Infinity" / "-Infinity" / "NaN"
  bool as_bool() const;
  const std::string& as_string() const;

  void expect_object() const;
  void expect_array() const;

  /// Throws a JsonError at this cursor's path.
  [[noreturn]] void fail(std::string message, ErrorCode code = ErrorCode::kInvalidInput) const;
  /// This cursor's path, e.g. `graph_module.graph.nodes[3].inputs[1].arg`.
  std::string path() const;

 private:
  enum class Step : uint8_t { kRoot, kField, kIndex, kKey };
  Cursor(const Json* json, const Cursor* parent, Step step, std::string_view name, size_t index)
      : json_(json), parent_(parent), step_(step), name_(name), index_(index) {}
  void append_path(std::string& out) const;
  [[noreturn]] void fail_type(std::string_view expected) const;

  const Json* json_;
  const Cursor* parent_;
  Step step_;
  std::string_view name_;
  size_t index_;
};

/// A short description of a JSON value for messages: `a string "abc"`, `an array`.
std::string describe(const Json& json);

/// Parses JSON text. A syntax error gives `<source>: malformed JSON at line L,
/// column C: <reason>`.
Expected<Json> parse_json(std::string_view text, std::string_view source);

/// Runs `read()` and converts a JsonError into `<source>: <path>: <message>`.
template <typename F>
auto catch_json_errors(std::string_view source, F&& read) -> Expected<decltype(read())> {
  try {
    return read();
  } catch (const JsonError& e) {
    if (e.path.empty()) return Error{e.code, fmt::format("{}: {}", source, e.message)};
    return Error{e.code, fmt::format("{}: {}: {}", source, e.path, e.message)};
  } catch (const nlohmann::json::exception& e) {
    // The readers check types before every access, so this is a bug; report it
    // as a value rather than letting the exception escape.
    return Error{ErrorCode::kInternal,
                 fmt::format("{}: internal error while reading JSON: {}", source, e.what())};
  }
}

}  // namespace aotc::json_reader

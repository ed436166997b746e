// Path-tracking JSON access and JSON text parsing with line/column errors.
#include "frontend/JsonReader.h"

#include <cmath>
#include <limits>

namespace aotc::json_reader {

Cursor Cursor::field(std::string_view name) const {
  expect_object();
  auto it = json_->find(name);
  if (it == json_->end()) return Cursor(nullptr, this, Step::kField, name, 0);
  return Cursor(&*it, this, Step::kField, name, 0);
}

size_t Cursor::array_size() const {
  expect_array();
  return json_->size();
}

std::pair<std::string_view, Cursor> Cursor::union_member(std::string_view union_name) const {
  if (json_ == nullptr || !json_->is_object())
    fail(fmt::format("expected a union object with one key naming the {} variant, got {}",
                     union_name, json_ == nullptr ? std::string("nothing") : describe(*json_)));
  if (json_->size() != 1) {
    std::string keys;
    for (auto it = json_->begin(); it != json_->end(); ++it)
      keys += fmt::format("{}\"{}\"", keys.empty() ? "" : ", ", it.key());
    fail(fmt::format("union object must have exactly one key, got {}{}", json_->size(),
                     keys.empty() ? "" : " (" + keys + ")"));
  }
  auto it = json_->begin();
  const std::string& key = it.key();
  return {key, Cursor(&it.value(), this, Step::kField, key, 0)};
}

int64_t Cursor::as_int() const {
  if (json_ == nullptr) fail_type("an integer");
  switch (json_->type()) {
    case Json::value_t::number_integer:
      return json_->get<int64_t>();
    case Json::value_t::number_unsigned: {
      uint64_t u = json_->get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        fail(fmt::format("integer {} is out of the int64 range", u));
      return static_cast<int64_t>(u);
    }
    case Json::value_t::number_float: {
      // nlohmann stores integer literals beyond 64 bits as doubles; the text is
      // gone, but an integral value that large can only have been such a literal.
      double d = json_->get<double>();
      if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) >= 9.2e18)
        fail(fmt::format("integer {} is out of the int64 range", json_->dump()));
      fail(fmt::format("expected an integer, got the floating-point number {}", json_->dump()));
    }
    default:
      fail_type("an integer");
  }
}

double Cursor::as_float() const {
  if (json_ == nullptr) fail_type("a number");
  if (json_->is_number()) return json_->get<double>();
  if (json_->is_string()) {
    const auto& s = json_->get_ref<const std::string&>();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  }
  fail_type("a number (or \"Infinity\", \"-Infinity\", \"NaN\")");
}

bool Cursor::as_bool() const {
  if (json_ == nullptr || !json_->is_boolean()) fail_type("a boolean");
  return json_->get<bool>();
}

const std::string& Cursor::as_string() const {
  if (json_ == nullptr || !json_->is_string()) fail_type("a string");
  return json_->get_ref<const std::string&>();
}

void Cursor::expect_object() const {
  if (json_ == nullptr || !json_->is_object()) fail_type("an object");
}

void Cursor::expect_array() const {
  if (json_ == nullptr || !json_->is_array()) fail_type("an array");
}

void Cursor::fail(std::string message, ErrorCode code) const {
  throw JsonError{code, path(), std::move(message)};
}

void Cursor::fail_type(std::string_view expected) const {
  fail(fmt::format("expected {}, got {}", expected,
                   json_ == nullptr ? std::string("nothing") : describe(*json_)));
}

std::string Cursor::path() const {
  std::string out;
  append_path(out);
  return out;
}

void Cursor::append_path(std::string& out) const {
  if (parent_ != nullptr) parent_->append_path(out);
  switch (step_) {
    case Step::kRoot:
      break;
    case Step::kField:
      if (!out.empty()) out += '.';
      out.append(name_);
      break;
    case Step::kIndex:
      out += fmt::format("[{}]", index_);
      break;
    case Step::kKey:
      // dict keys are user names ("fc1.weight"), so quote them.
      out += fmt::format("[\"{}\"]", name_);
      break;
  }
}

std::string describe(const Json& json) {
  constexpr size_t kMaxPreview = 40;
  switch (json.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::boolean:
      return fmt::format("the boolean {}", json.get<bool>());
    case Json::value_t::string: {
      std::string s = json.dump();
      if (s.size() > kMaxPreview) s = s.substr(0, kMaxPreview) + "...\"";
      return "the string " + s;
    }
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "the integer " + json.dump();
    case Json::value_t::number_float:
      return "the number " + json.dump();
    default:
      return "a binary value";
  }
}

Expected<Json> parse_json(std::string_view text, std::string_view source) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // e.byte is the 1-based index of the last character read, i.e. where
    // parsing stopped; count lines and columns up to it ourselves.
    size_t pos = e.byte == 0 ? 0 : std::min(e.byte - 1, text.size());
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < pos; ++i) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    size_t column = pos - line_start + 1;
    // Keep nlohmann's reason, dropping its "[json.exception...] parse error at ...:" prefix.
    std::string_view what = e.what();
    std::string_view reason = what;
    if (size_t p = what.find("parse error"); p != std::string_view::npos) {
      size_t colon = what.find(": ", p);
      if (colon != std::string_view::npos) reason = what.substr(colon + 2);
    }
    if (text.empty())
      return make_error(ErrorCode::kInvalidInput, "{}: malformed JSON: the file is empty", source);
    return make_error(ErrorCode::kInvalidInput, "{}: malformed JSON at line {}, column {}: {}",
                      source, line, column, reason);
  } catch (const Json::exception& e) {
    return make_error(ErrorCode::kInvalidInput, "{}: malformed JSON: {}", source, e.what());
  }
}

}  // namespace aotc::json_reader

// Parser for the ATen signature subset (see AtenSchema.h).
#include "frontend/AtenSchema.h"

#include <cctype>
#include <cstdlib>

namespace aotc {
namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

// Splits on commas that are not inside brackets or quotes.
std::vector<std::string> split_top(std::string_view s) {
  std::vector<std::string> out;
  int depth = 0;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"' || c == '\'') quoted = !quoted;
    if (quoted) continue;
    if (c == '[' || c == '(') ++depth;
    if (c == ']' || c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (!trim(s.substr(start)).empty()) out.push_back(trim(s.substr(start)));
  return out;
}

Error bad(std::string_view text, const std::string& what) {
  return make_error(ErrorCode::kInternal, "bad ATen schema '{}': {}", text, what);
}

bool is_int_text(const std::string& s) {
  if (s.empty()) return false;
  size_t i = (s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

Expected<schema::Argument> parse_default(std::string_view schema_text, const SchemaParam& p, const std::string& text) {
  using K = schema::Argument::Kind;
  schema::Argument a;
  if (text == "None") {
    a.kind = K::kNone;
    return a;
  }
  switch (p.type) {
    case SchemaType::kBool:
      if (text != "True" && text != "False") return bad(schema_text, "bool default " + text);
      a.kind = K::kBool;
      a.bools = {text == "True"};
      return a;
    case SchemaType::kInt:
    case SchemaType::kSymInt:
      if (!is_int_text(text)) return bad(schema_text, "int default " + text);
      a.kind = K::kInt;
      a.ints = {std::strtoll(text.c_str(), nullptr, 10)};
      return a;
    case SchemaType::kFloat:
      a.kind = K::kFloat;
      a.floats = {std::strtod(text.c_str(), nullptr)};
      return a;
    case SchemaType::kScalar:
      if (is_int_text(text)) {
        a.kind = K::kInt;
        a.ints = {std::strtoll(text.c_str(), nullptr, 10)};
      } else if (text == "True" || text == "False") {
        a.kind = K::kBool;
        a.bools = {text == "True"};
      } else {
        a.kind = K::kFloat;
        a.floats = {std::strtod(text.c_str(), nullptr)};
      }
      return a;
    case SchemaType::kStr:
      if (text.size() < 2 || (text.front() != '"' && text.front() != '\''))
        return bad(schema_text, "str default " + text);
      a.kind = K::kString;
      a.strings = {text.substr(1, text.size() - 2)};
      return a;
    case SchemaType::kIntList:
    case SchemaType::kSymIntList: {
      a.kind = K::kInts;
      if (is_int_text(text)) {
        // `int[2] padding=0` broadcasts.
        int n = p.list_size > 0 ? p.list_size : 1;
        a.ints.assign(static_cast<size_t>(n), std::strtoll(text.c_str(), nullptr, 10));
        return a;
      }
      if (text.size() < 2 || text.front() != '[' || text.back() != ']') return bad(schema_text, "list default " + text);
      for (const std::string& item : split_top(text.substr(1, text.size() - 2))) {
        if (!is_int_text(item)) return bad(schema_text, "list default " + text);
        a.ints.push_back(std::strtoll(item.c_str(), nullptr, 10));
      }
      return a;
    }
    case SchemaType::kMemoryFormat:
    case SchemaType::kLayout:
    case SchemaType::kScalarType:
    case SchemaType::kDevice:
      // Enum defaults (contiguous_format, ...) carry no meaning for aotc.
      a.kind = K::kNone;
      return a;
    default:
      return bad(schema_text, "default for this type: " + text);
  }
}

}  // namespace

int OpSchema::param_index(std::string_view param) const {
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].name == param) return static_cast<int>(i);
  return -1;
}

Expected<OpSchema> parse_op_schema(std::string_view text) {
  OpSchema s;
  size_t open = text.find('(');
  size_t arrow = text.rfind("->");
  size_t close = text.rfind(')', arrow);
  if (open == std::string_view::npos || arrow == std::string_view::npos || close == std::string_view::npos ||
      close < open)
    return bad(text, "expected 'name(params) -> returns'");
  std::string full_name = trim(text.substr(0, open));
  if (size_t dot = full_name.find('.'); dot != std::string::npos) {
    s.name = full_name.substr(0, dot);
    s.overload = full_name.substr(dot + 1);
  } else {
    s.name = full_name;
    s.overload = "default";
  }
  std::string returns = trim(text.substr(arrow + 2));
  if (returns == "()") {
    s.num_returns = 0;
  } else if (returns.front() == '(') {
    s.num_returns = static_cast<int>(split_top(returns.substr(1, returns.size() - 2)).size());
  } else {
    s.returns_list = returns.find("[]") != std::string::npos;
  }

  bool kwarg_only = false;
  for (const std::string& item : split_top(text.substr(open + 1, close - open - 1))) {
    if (item == "*") {
      kwarg_only = true;
      continue;
    }
    SchemaParam p;
    p.kwarg_only = kwarg_only;
    std::string decl = item;
    std::string default_text;
    if (size_t eq = decl.find('='); eq != std::string::npos) {
      default_text = trim(decl.substr(eq + 1));
      decl = trim(decl.substr(0, eq));
      p.has_default = true;
    }
    size_t space = decl.rfind(' ');
    if (space == std::string::npos) return bad(text, "parameter without a name: " + item);
    std::string type = trim(decl.substr(0, space));
    p.name = trim(decl.substr(space + 1));
    // Strip alias annotations: Tensor(a!) -> Tensor.
    if (size_t paren = type.find('('); paren != std::string::npos) {
      size_t end = type.find(')', paren);
      type.erase(paren, end - paren + 1);
    }
    if (!type.empty() && type.back() == '?') {
      p.optional = true;
      type.pop_back();
    }
    bool list = false;
    if (size_t br = type.find('['); br != std::string::npos) {
      list = true;
      std::string n = type.substr(br + 1, type.find(']') - br - 1);
      p.list_size = n.empty() ? 0 : std::atoi(n.c_str());
      type = type.substr(0, br);
      if (!type.empty() && type.back() == '?') {  // Tensor?[]
        type.pop_back();
        if (type != "Tensor") return bad(text, "optional list element type " + type);
        p.type = SchemaType::kOptionalTensorList;
      }
    }
    if (p.type != SchemaType::kOptionalTensorList || !list) {
      static const std::pair<const char*, std::pair<SchemaType, SchemaType>> kTypes[] = {
          {"Tensor", {SchemaType::kTensor, SchemaType::kTensorList}},
          {"int", {SchemaType::kInt, SchemaType::kIntList}},
          {"SymInt", {SchemaType::kSymInt, SchemaType::kSymIntList}},
          {"float", {SchemaType::kFloat, SchemaType::kFloatList}},
          {"bool", {SchemaType::kBool, SchemaType::kBoolList}},
          {"str", {SchemaType::kStr, SchemaType::kStr}},
          {"Scalar", {SchemaType::kScalar, SchemaType::kScalar}},
          {"ScalarType", {SchemaType::kScalarType, SchemaType::kScalarType}},
          {"Layout", {SchemaType::kLayout, SchemaType::kLayout}},
          {"Device", {SchemaType::kDevice, SchemaType::kDevice}},
          {"MemoryFormat", {SchemaType::kMemoryFormat, SchemaType::kMemoryFormat}},
          {"Generator", {SchemaType::kGenerator, SchemaType::kGenerator}},
      };
      bool found = false;
      for (const auto& [name, types] : kTypes) {
        if (type == name) {
          p.type = list ? types.second : types.first;
          found = true;
          break;
        }
      }
      if (!found && p.type != SchemaType::kOptionalTensorList) return bad(text, "unknown type " + type);
    }
    if (p.has_default) {
      AOTC_ASSIGN_OR_RETURN(p.default_value, parse_default(text, p, default_text));
    }
    s.params.push_back(std::move(p));
  }
  return s;
}

}  // namespace aotc

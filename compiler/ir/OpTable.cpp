// Parses the operand and attribute specs of Ops.def once, at first use.
#include "ir/OpTable.h"

#include <array>
#include <charconv>
#include <cstdlib>

#include "support/Check.h"

namespace aotc {
namespace {

struct RawOp {
  OpId id;
  const char* name;
  OpKind kind;
  const char* inputs;
  const char* attrs;
};

constexpr RawOp kRawOps[] = {
#define AOTC_OP(id, name, kind, inputs, attrs) {OpId::id, name, OpKind::kind, inputs, attrs},
#include "ir/Ops.def"
};

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  if (trim(s).empty()) return out;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    out.push_back(trim(s.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

AttrType parse_attr_type(const std::string& t, const char* op) {
  static const std::pair<const char*, AttrType> kTypes[] = {
      {"bool", AttrType::kBool},   {"int", AttrType::kInt},       {"float", AttrType::kFloat},
      {"str", AttrType::kStr},     {"ints", AttrType::kInts},     {"floats", AttrType::kFloats},
      {"sym", AttrType::kSym},     {"syms", AttrType::kSyms},     {"dtype", AttrType::kDType},
      {"scalar", AttrType::kScalar}};
  for (const auto& [name, type] : kTypes)
    if (t == name) return type;
  AOTC_UNREACHABLE("Ops.def: op '{}' has unknown attribute type '{}'", op, t);
}

AttrValue parse_default(const std::string& text, AttrType type, const char* op) {
  switch (type) {
    case AttrType::kBool:
      AOTC_CHECK(text == "true" || text == "false", "Ops.def: op '{}': bad bool default '{}'", op, text);
      return text == "true";
    case AttrType::kInt: return static_cast<int64_t>(std::strtoll(text.c_str(), nullptr, 10));
    case AttrType::kFloat: return std::strtod(text.c_str(), nullptr);
    case AttrType::kStr: return text;
    case AttrType::kScalar:
      if (text.find_first_of(".e") != std::string::npos) return Scalar::from_float(std::strtod(text.c_str(), nullptr));
      return Scalar::from_int(std::strtoll(text.c_str(), nullptr, 10));
    default: AOTC_UNREACHABLE("Ops.def: op '{}': defaults of type {} unsupported", op, attr_type_name(type));
  }
}

std::vector<OpInfo> build_table() {
  std::vector<OpInfo> table;
  for (const RawOp& raw : kRawOps) {
    OpInfo info;
    info.id = raw.id;
    info.name = raw.name;
    info.kind = raw.kind;
    for (const std::string& operand : split_commas(raw.inputs)) {
      OperandSpec spec;
      spec.name = operand;
      if (!spec.name.empty() && spec.name.back() == '?') {
        spec.optional = true;
        spec.name.pop_back();
      } else if (!spec.name.empty() && spec.name.back() == '*') {
        spec.variadic = true;
        spec.name.pop_back();
      }
      info.operands.push_back(spec);
    }
    for (const std::string& attr : split_commas(raw.attrs)) {
      AttrSpec spec;
      size_t colon = attr.find(':');
      AOTC_CHECK(colon != std::string::npos, "Ops.def: op '{}': attribute '{}' has no type", raw.name, attr);
      spec.name = trim(attr.substr(0, colon));
      std::string rest = trim(attr.substr(colon + 1));
      std::string default_text;
      if (size_t eq = rest.find('='); eq != std::string::npos) {
        default_text = trim(rest.substr(eq + 1));
        rest = trim(rest.substr(0, eq));
        spec.has_default = true;
      }
      if (!rest.empty() && rest.back() == '?') {
        spec.optional = true;
        rest.pop_back();
        spec.has_default = true;  // None
      }
      spec.type = parse_attr_type(rest, raw.name);
      if (!default_text.empty()) spec.default_value = parse_default(default_text, spec.type, raw.name);
      info.attrs.push_back(spec);
    }
    table.push_back(std::move(info));
  }
  return table;
}

const std::vector<OpInfo>& table() {
  static const std::vector<OpInfo> t = build_table();
  return t;
}

}  // namespace

std::string_view op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::kSource: return "source";
    case OpKind::kElementwise: return "elementwise";
    case OpKind::kReduction: return "reduction";
    case OpKind::kNormalization: return "normalization";
    case OpKind::kGemm: return "gemm";
    case OpKind::kConv: return "conv";
    case OpKind::kPool: return "pool";
    case OpKind::kView: return "view";
    case OpKind::kData: return "data";
    case OpKind::kAttention: return "attention";
  }
  return "?";
}

int OpInfo::attr_index(std::string_view attr) const {
  for (size_t i = 0; i < attrs.size(); ++i)
    if (attrs[i].name == attr) return static_cast<int>(i);
  return -1;
}

const OpInfo& op_info(OpId id) {
  const auto& t = table();
  AOTC_DCHECK(static_cast<size_t>(id) < t.size());
  return t[static_cast<size_t>(id)];
}

std::optional<OpId> op_from_name(std::string_view name) {
  for (const OpInfo& info : table())
    if (info.name == name) return info.id;
  return std::nullopt;
}

std::span<const OpInfo> all_ops() { return table(); }

}  // namespace aotc

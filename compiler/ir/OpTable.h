// The op table: what Ops.def declares, parsed once into OpInfo records.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/Attr.h"

namespace aotc {

enum class OpId : uint16_t {
#define AOTC_OP(id, name, kind, inputs, attrs) id,
#include "ir/Ops.def"
  kNumOps
};

enum class OpKind : uint8_t {
  kSource, kElementwise, kReduction, kNormalization, kGemm, kConv, kPool, kView, kData, kAttention
};

std::string_view op_kind_name(OpKind kind);

struct OperandSpec {
  std::string name;
  bool optional = false;
  bool variadic = false;
};

struct AttrSpec {
  std::string name;
  AttrType type;
  bool optional = false;     ///< None allowed
  AttrValue default_value;   ///< monostate when there is no default
  bool has_default = false;
};

struct OpInfo {
  OpId id;
  std::string name;
  OpKind kind;
  std::vector<OperandSpec> operands;
  std::vector<AttrSpec> attrs;

  bool is_variadic() const { return operands.size() == 1 && operands[0].variadic; }
  /// Index of an attribute by name, or -1.
  int attr_index(std::string_view attr) const;
};

const OpInfo& op_info(OpId id);
std::optional<OpId> op_from_name(std::string_view name);
std::span<const OpInfo> all_ops();

}  // namespace aotc

// Name tables of the torch.export schema: Argument union tags and ScalarType
// member names (spec §8 and §9).
#include "frontend/Schema.h"

#include <array>

namespace aotc::schema {
namespace {

struct ArgumentTag {
  Argument::Kind kind;
  const char* tag;
};

// In Argument::Kind order, so that argument_kind_tag() can index it.
constexpr std::array<ArgumentTag, 31> kArgumentTags = {{
    {Argument::Kind::kNone, "as_none"},
    {Argument::Kind::kTensor, "as_tensor"},
    {Argument::Kind::kTensors, "as_tensors"},
    {Argument::Kind::kInt, "as_int"},
    {Argument::Kind::kInts, "as_ints"},
    {Argument::Kind::kFloat, "as_float"},
    {Argument::Kind::kFloats, "as_floats"},
    {Argument::Kind::kString, "as_string"},
    {Argument::Kind::kStrings, "as_strings"},
    {Argument::Kind::kSymInt, "as_sym_int"},
    {Argument::Kind::kSymInts, "as_sym_ints"},
    {Argument::Kind::kScalarType, "as_scalar_type"},
    {Argument::Kind::kMemoryFormat, "as_memory_format"},
    {Argument::Kind::kLayout, "as_layout"},
    {Argument::Kind::kDevice, "as_device"},
    {Argument::Kind::kBool, "as_bool"},
    {Argument::Kind::kBools, "as_bools"},
    {Argument::Kind::kSymBool, "as_sym_bool"},
    {Argument::Kind::kSymBools, "as_sym_bools"},
    {Argument::Kind::kOptionalTensors, "as_optional_tensors"},
    {Argument::Kind::kOptionalTensor, "as_optional_tensor"},
    {Argument::Kind::kGraph, "as_graph"},
    {Argument::Kind::kCustomObj, "as_custom_obj"},
    {Argument::Kind::kOperator, "as_operator"},
    {Argument::Kind::kSymFloat, "as_sym_float"},
    {Argument::Kind::kSymFloats, "as_sym_floats"},
    {Argument::Kind::kComplex, "as_complex"},
    {Argument::Kind::kNestedTensors, "as_nested_tensors"},
    {Argument::Kind::kIntLists, "as_int_lists"},
    {Argument::Kind::kFloatLists, "as_float_lists"},
    {Argument::Kind::kStringToArgument, "as_string_to_argument"},
}};

constexpr bool tags_in_kind_order() {
  for (size_t i = 0; i < kArgumentTags.size(); ++i)
    if (static_cast<size_t>(kArgumentTags[i].kind) != i) return false;
  return true;
}
static_assert(tags_in_kind_order(), "kArgumentTags must follow Argument::Kind order");

struct ScalarTypeName {
  int64_t code;
  const char* name;
};

// torch/_export/serde/schema.py ScalarType (8.20); 14..27 are unused.
constexpr std::array<ScalarTypeName, 22> kScalarTypes = {{
    {0, "UNKNOWN"},
    {1, "BYTE"},
    {2, "CHAR"},
    {3, "SHORT"},
    {4, "INT"},
    {5, "LONG"},
    {6, "HALF"},
    {7, "FLOAT"},
    {8, "DOUBLE"},
    {9, "COMPLEXHALF"},
    {10, "COMPLEXFLOAT"},
    {11, "COMPLEXDOUBLE"},
    {12, "BOOL"},
    {13, "BFLOAT16"},
    {28, "UINT16"},
    {29, "FLOAT8E4M3FN"},
    {30, "FLOAT8E5M2"},
    {31, "FLOAT8E4M3FNUZ"},
    {32, "FLOAT8E5M2FNUZ"},
    {33, "FLOAT8E8M0FNU"},
    {34, "UINT32"},
    {35, "UINT64"},
}};

}  // namespace

const char* argument_kind_tag(Argument::Kind kind) {
  return kArgumentTags[static_cast<size_t>(kind)].tag;
}

std::optional<Argument::Kind> argument_kind_from_tag(std::string_view tag) {
  for (const auto& t : kArgumentTags)
    if (tag == t.tag) return t.kind;
  return std::nullopt;
}

const char* scalar_type_name(int64_t code) {
  for (const auto& t : kScalarTypes)
    if (t.code == code) return t.name;
  return nullptr;
}

std::optional<int64_t> scalar_type_from_name(std::string_view name) {
  for (const auto& t : kScalarTypes)
    if (name == t.name) return t.code;
  return std::nullopt;
}

}  // namespace aotc::schema

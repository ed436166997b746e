// ATen operator schemas: the `native_functions.yaml` signature text of each
// op aotc imports, parsed into parameter lists with types and defaults.
//
// torch.export omits arguments the call did not pass, so the importer fills
// them from these defaults (spec §7). The schema text is PyTorch's own
// spelling, e.g.
//   "linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor"
//   "max_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], ...) -> Tensor"
// Only the subset of the schema language ATen signatures use is accepted.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/Schema.h"
#include "support/Status.h"

namespace aotc {

/// The base type of a schema parameter.
enum class SchemaType {
  kTensor, kTensorList, kOptionalTensorList, kInt, kIntList, kSymInt, kSymIntList, kFloat, kFloatList,
  kBool, kBoolList, kStr, kScalar, kScalarType, kLayout, kDevice, kMemoryFormat, kGenerator,
};

struct SchemaParam {
  std::string name;
  SchemaType type;
  bool optional = false;    ///< `T?`: None allowed
  bool kwarg_only = false;  ///< after `*`
  int list_size = 0;        ///< `int[2]`: a single int broadcasts to this many
  bool has_default = false;
  /// The default as a torch.export Argument (kNone for None).
  schema::Argument default_value;
};

struct OpSchema {
  std::string name;      ///< "linear"
  std::string overload;  ///< "default", "Tensor", ...
  std::vector<SchemaParam> params;
  int num_returns = 1;
  bool returns_list = false;  ///< `-> Tensor[]`

  /// Index of a parameter by name, or -1.
  int param_index(std::string_view param) const;
};

/// Parses a schema. The overload comes from `name.overload(`; without one it is "default".
Expected<OpSchema> parse_op_schema(std::string_view text);

}  // namespace aotc

// Plain structs mirroring torch.export's serialized ExportedProgram (schema 8.x).
//
// This is the JSON as PyTorch writes it (shared/reference/torch_export_json_spec.md
// is the field guide), before any interpretation: names, enums and unions
// are kept as recorded. Unions become a `kind` plus the payload fields that
// kind uses. Fields missing from older files take the defaults below; unknown
// fields are ignored. Importing into the graph IR is Importer.h's job.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace aotc::schema {

/// `{"expr_str": ..., "hint": ...}`; hint is the example value, if any.
/// The SymExprHint union is `as_int` (SymInt), `as_float` (SymFloat) or
/// `as_bool` (SymBool); `hint` holds the int form, the others their own field.
struct SymExprText {
  std::string expr_str;
  std::optional<int64_t> hint;
  std::optional<double> float_hint;
  std::optional<bool> bool_hint;
};

/// SymInt union: `as_int` or `as_expr`.
struct SymInt {
  std::variant<int64_t, SymExprText> value;
  bool is_int() const { return std::holds_alternative<int64_t>(value); }
  int64_t as_int() const { return std::get<int64_t>(value); }
  const SymExprText& as_expr() const { return std::get<SymExprText>(value); }
};

/// SymBool / SymFloat unions: a literal or an expression.
struct SymBool {
  std::variant<bool, SymExprText> value;
};
struct SymFloat {
  std::variant<double, SymExprText> value;
};

struct Device {
  std::string type = "cpu";
  std::optional<int64_t> index;
};

struct TensorMeta {
  int64_t dtype = 0;  ///< export ScalarType (see ir/DTypes.def), not c10's
  std::vector<SymInt> sizes;
  bool requires_grad = false;
  Device device;
  std::vector<SymInt> strides;
  SymInt storage_offset{int64_t{0}};
  int64_t layout = 7;  ///< 7 = strided
};

struct TensorArgument {
  std::string name;
};

/// SymIntArgument / SymFloatArgument / SymBoolArgument: a named value or a literal.
struct SymIntArgument {
  std::variant<std::string, int64_t> value;  ///< as_name | as_int
};
struct SymFloatArgument {
  std::variant<std::string, double> value;  ///< as_name | as_float
};
struct SymBoolArgument {
  std::variant<std::string, bool> value;  ///< as_name | as_bool
};

/// `{"as_tensor": {...}}` or `{"as_none": ...}`.
struct OptionalTensorArgument {
  std::optional<TensorArgument> tensor;
};

struct CustomObjArgument {
  std::string name;
  std::string class_fqn;
};

struct ComplexValue {
  double real = 0.0;
  double imag = 0.0;
};

struct Graph;
struct Argument;

struct GraphArgument {
  std::string name;
  std::shared_ptr<Graph> graph;
};

/// The Argument union. `kind` says which payload fields are meaningful:
///   kNone                 -
///   kTensor               tensors[0]
///   kTensors              tensors
///   kInt                  ints[0]         (also Scalar-typed schema args holding a Python int)
///   kInts                 ints
///   kFloat                floats[0]       ("Infinity"/"-Infinity"/"NaN" strings decoded)
///   kFloats               floats
///   kString               strings[0]
///   kStrings              strings
///   kSymInt               sym_ints[0]
///   kSymInts              sym_ints
///   kScalarType           ints[0]         (export ScalarType code)
///   kMemoryFormat         ints[0]
///   kLayout               ints[0]
///   kDevice               device
///   kBool                 bools[0]
///   kBools                bools
///   kSymBool              sym_bools[0]
///   kSymBools             sym_bools
///   kOptionalTensors      optional_tensors
///   kOptionalTensor       optional_tensors[0]
///   kGraph                graph
///   kCustomObj            custom_obj
///   kOperator             strings[0]
///   kSymFloat             sym_floats[0]
///   kSymFloats            sym_floats
///   kComplex              complex
///   kNestedTensors        nested_tensors
///   kIntLists             int_lists
///   kFloatLists           float_lists
///   kStringToArgument     string_to_argument
struct Argument {
  enum class Kind {
    kNone, kTensor, kTensors, kInt, kInts, kFloat, kFloats, kString, kStrings, kSymInt, kSymInts,
    kScalarType, kMemoryFormat, kLayout, kDevice, kBool, kBools, kSymBool, kSymBools, kOptionalTensors,
    kOptionalTensor, kGraph, kCustomObj, kOperator, kSymFloat, kSymFloats, kComplex, kNestedTensors,
    kIntLists, kFloatLists, kStringToArgument,
  };
  Kind kind = Kind::kNone;
  std::vector<TensorArgument> tensors;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> strings;
  std::vector<bool> bools;
  std::vector<SymIntArgument> sym_ints;
  std::vector<SymBoolArgument> sym_bools;
  std::vector<SymFloatArgument> sym_floats;
  std::vector<OptionalTensorArgument> optional_tensors;
  Device device;
  GraphArgument graph;
  CustomObjArgument custom_obj;
  ComplexValue complex;
  std::vector<std::vector<TensorArgument>> nested_tensors;
  std::vector<std::vector<int64_t>> int_lists;
  std::vector<std::vector<double>> float_lists;
  std::vector<std::pair<std::string, std::shared_ptr<Argument>>> string_to_argument;
};

/// The JSON union tag of an Argument kind ("as_tensor", ...), for messages.
const char* argument_kind_tag(Argument::Kind kind);
/// The Argument kind of a JSON union tag; nullopt for an unknown tag.
std::optional<Argument::Kind> argument_kind_from_tag(std::string_view tag);

/// The export ScalarType member name of a code ("FLOAT" for 7), or nullptr.
const char* scalar_type_name(int64_t code);
/// The export ScalarType code of a member name ("BFLOAT16" -> 13).
std::optional<int64_t> scalar_type_from_name(std::string_view name);

struct NamedArgument {
  std::string name;  ///< schema argument name; empty for higher-order op positionals
  Argument arg;
  int64_t kind = 0;  ///< ArgumentKind: 0 unknown, 1 positional, 2 keyword
};

struct Node {
  std::string target;  ///< "torch.ops.aten.linear.default", "_operator.mul", ...
  std::vector<NamedArgument> inputs;
  std::vector<Argument> outputs;
  std::map<std::string, std::string> metadata;
  std::optional<bool> is_hop_single_tensor_return;
  std::string name;  ///< FX node name; empty in older files
};

struct Graph {
  std::vector<Argument> inputs;
  std::vector<Argument> outputs;
  std::vector<Node> nodes;
  std::map<std::string, TensorMeta> tensor_values;
  std::map<std::string, SymInt> sym_int_values;
  std::map<std::string, SymBool> sym_bool_values;
  std::map<std::string, SymFloat> sym_float_values;
  std::map<std::string, CustomObjArgument> custom_obj_values;
  bool is_single_tensor_return = false;
};

struct InputSpec {
  enum class Kind { kUserInput, kParameter, kBuffer, kTensorConstant, kCustomObj, kToken, kConstantInput };
  Kind kind = Kind::kUserInput;
  /// user_input: the Argument; parameter/buffer/tensor_constant/token: kind kTensor
  /// with the placeholder name; custom_obj: kCustomObj; constant_input: the
  /// constant value (kNone, kInt, kFloat, kString or kBool).
  Argument arg;
  /// parameter_name / buffer_name / tensor_constant_name / custom_obj_name;
  /// for constant_input, the input's name.
  std::string target;
  bool persistent = true;  ///< buffers only
};

struct OutputSpec {
  enum class Kind {
    kUserOutput, kLossOutput, kBufferMutation, kGradientToParameter, kGradientToUserInput,
    kUserInputMutation, kToken, kParameterMutation,
  };
  Kind kind = Kind::kUserOutput;
  Argument arg;        ///< user_output: the Argument; others: kTensor with the value name
  std::string target;  ///< buffer_name / parameter_name / user_input_name, where the kind has one
};

struct GraphSignature {
  std::vector<InputSpec> input_specs;
  std::vector<OutputSpec> output_specs;
};

struct ModuleCallSignature {
  std::vector<Argument> inputs;
  std::vector<Argument> outputs;
  std::string in_spec;   ///< pytree TreeSpec JSON text
  std::string out_spec;
  std::optional<std::vector<std::string>> forward_arg_names;
};

struct ModuleCallEntry {
  std::string fqn;
  std::optional<ModuleCallSignature> signature;
};

struct GraphModule {
  Graph graph;
  GraphSignature signature;
  std::vector<ModuleCallEntry> module_call_graph;
  std::map<std::string, std::string> metadata;
};

struct RangeConstraint {
  std::optional<int64_t> min_val;  ///< nullopt: unbounded (JSON null)
  std::optional<int64_t> max_val;
};

struct SchemaVersion {
  int64_t major = 0;
  int64_t minor = 0;
};

struct ExportedProgram {
  GraphModule graph_module;
  std::map<std::string, int64_t> opset_version;
  std::map<std::string, RangeConstraint> range_constraints;
  SchemaVersion schema_version;
  std::vector<std::string> verifiers;  ///< dialect: "TRAINING", "ATEN", ...; empty means ATEN
  std::string torch_version = "<=2.4";
  std::vector<std::string> guards_code;
};

/// One entry of a weights/constants PayloadConfig (`model_weights_config.json`).
struct PayloadEntry {
  std::string path_name;  ///< file name under data/weights/ or data/constants/
  bool is_param = false;
  bool use_pickle = false;
  std::optional<TensorMeta> tensor_meta;  ///< null for pickled custom objects
};

struct PayloadConfig {
  std::map<std::string, PayloadEntry> config;  ///< FQN -> entry
};

}  // namespace aotc::schema

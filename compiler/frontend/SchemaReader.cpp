// ExportedProgram and PayloadConfig JSON -> the plain structs of Schema.h.
//
// Follows the encoding rules of shared/reference/torch_export_json_spec.md §2
// and §13: unions are single-key objects whose key is the variant; floats may
// be "Infinity"/"-Infinity"/"NaN" strings; ints are read exactly as int64;
// missing and null fields take the defaults of Schema.h; unknown fields are
// ignored; unknown union variants are errors naming the variant and the path.
// Parsers throw json_reader::JsonError; the two public functions at the bottom
// turn it into an aotc::Error.
#include <string>
#include <vector>

#include "frontend/Frontend.h"
#include "frontend/JsonReader.h"

namespace aotc {
namespace {

using json_reader::Cursor;
using schema::Argument;

constexpr int64_t kSupportedSchemaMajor = 8;

// ---- scalars with defaults -------------------------------------------------

std::string string_field(const Cursor& obj, std::string_view name, std::string fallback = {}) {
  Cursor c = obj.field(name);
  return c ? c.as_string() : std::move(fallback);
}

int64_t int_field(const Cursor& obj, std::string_view name, int64_t fallback = 0) {
  Cursor c = obj.field(name);
  return c ? c.as_int() : fallback;
}

bool bool_field(const Cursor& obj, std::string_view name, bool fallback = false) {
  Cursor c = obj.field(name);
  return c ? c.as_bool() : fallback;
}

std::optional<int64_t> optional_int_field(const Cursor& obj, std::string_view name) {
  Cursor c = obj.field(name);
  if (!c) return std::nullopt;
  return c.as_int();
}

// ScalarType: an int as written by PyTorch, or a member name ("FLOAT").
int64_t read_scalar_type(const Cursor& c) {
  if (c.json().is_string()) {
    auto code = schema::scalar_type_from_name(c.as_string());
    if (!code) c.fail(fmt::format("unknown ScalarType name \"{}\"", c.as_string()));
    return *code;
  }
  return c.as_int();
}

template <typename T, typename F>
std::vector<T> read_list(const Cursor& c, F&& read_one) {
  std::vector<T> out;
  out.reserve(c.array_size());
  c.for_each_element([&](const Cursor& e) { out.push_back(read_one(e)); });
  return out;
}

template <typename T, typename F>
std::vector<T> list_field(const Cursor& obj, std::string_view name, F&& read_one) {
  Cursor c = obj.field(name);
  if (!c) return {};
  return read_list<T>(c, read_one);
}

std::vector<std::string> string_list_field(const Cursor& obj, std::string_view name) {
  return list_field<std::string>(obj, name, [](const Cursor& e) { return e.as_string(); });
}

template <typename T, typename F>
std::map<std::string, T> map_field(const Cursor& obj, std::string_view name, F&& read_one) {
  std::map<std::string, T> out;
  Cursor c = obj.field(name);
  if (!c) return out;
  c.for_each_member(
      [&](const std::string& key, const Cursor& v) { out.emplace(key, read_one(v)); });
  return out;
}

// Metadata values are strings; anything else is kept as its JSON text rather
// than rejected, since metadata never changes what a program computes.
std::map<std::string, std::string> string_map_field(const Cursor& obj, std::string_view name) {
  return map_field<std::string>(obj, name, [](const Cursor& v) {
    return v.json().is_string() ? v.as_string() : v.json().dump();
  });
}

// ---- symbolic values ---------------------------------------------------------

schema::SymExprText read_sym_expr(const Cursor& c) {
  c.expect_object();
  schema::SymExprText out;
  out.expr_str = string_field(c, "expr_str");
  if (Cursor hint = c.field("hint")) {
    auto [tag, payload] = hint.union_member("SymExprHint");
    if (tag == "as_int")
      out.hint = payload.as_int();
    else if (tag == "as_float")
      out.float_hint = payload.as_float();
    else if (tag == "as_bool")
      out.bool_hint = payload.as_bool();
    else
      hint.fail(fmt::format("unknown SymExprHint variant \"{}\"", tag));
  }
  return out;
}

schema::SymInt read_sym_int(const Cursor& c) {
  auto [tag, payload] = c.union_member("SymInt");
  if (tag == "as_int") return {payload.as_int()};
  if (tag == "as_expr") return {read_sym_expr(payload)};
  c.fail(fmt::format("unknown SymInt variant \"{}\"", tag));
}

schema::SymBool read_sym_bool(const Cursor& c) {
  auto [tag, payload] = c.union_member("SymBool");
  if (tag == "as_bool") return {payload.as_bool()};
  if (tag == "as_expr") return {read_sym_expr(payload)};
  c.fail(fmt::format("unknown SymBool variant \"{}\"", tag));
}

schema::SymFloat read_sym_float(const Cursor& c) {
  auto [tag, payload] = c.union_member("SymFloat");
  if (tag == "as_float") return {payload.as_float()};
  if (tag == "as_expr") return {read_sym_expr(payload)};
  c.fail(fmt::format("unknown SymFloat variant \"{}\"", tag));
}

schema::SymIntArgument read_sym_int_argument(const Cursor& c) {
  auto [tag, payload] = c.union_member("SymIntArgument");
  if (tag == "as_name") return {payload.as_string()};
  if (tag == "as_int") return {payload.as_int()};
  c.fail(fmt::format("unknown SymIntArgument variant \"{}\"", tag));
}

schema::SymFloatArgument read_sym_float_argument(const Cursor& c) {
  auto [tag, payload] = c.union_member("SymFloatArgument");
  if (tag == "as_name") return {payload.as_string()};
  if (tag == "as_float") return {payload.as_float()};
  c.fail(fmt::format("unknown SymFloatArgument variant \"{}\"", tag));
}

schema::SymBoolArgument read_sym_bool_argument(const Cursor& c) {
  auto [tag, payload] = c.union_member("SymBoolArgument");
  if (tag == "as_name") return {payload.as_string()};
  if (tag == "as_bool") return {payload.as_bool()};
  c.fail(fmt::format("unknown SymBoolArgument variant \"{}\"", tag));
}

// ---- tensors -------------------------------------------------------------------

schema::Device read_device(const Cursor& c) {
  c.expect_object();
  schema::Device out;
  out.type = string_field(c, "type", "cpu");
  out.index = optional_int_field(c, "index");
  return out;
}

schema::TensorMeta read_tensor_meta(const Cursor& c) {
  c.expect_object();
  schema::TensorMeta out;
  if (Cursor dtype = c.field("dtype")) out.dtype = read_scalar_type(dtype);
  out.sizes = list_field<schema::SymInt>(c, "sizes", read_sym_int);
  out.requires_grad = bool_field(c, "requires_grad");
  if (Cursor device = c.field("device")) out.device = read_device(device);
  out.strides = list_field<schema::SymInt>(c, "strides", read_sym_int);
  if (Cursor offset = c.field("storage_offset")) out.storage_offset = read_sym_int(offset);
  out.layout = int_field(c, "layout", 7);
  return out;
}

schema::TensorArgument read_tensor_argument(const Cursor& c) {
  c.expect_object();
  return {string_field(c, "name")};
}

schema::CustomObjArgument read_custom_obj_argument(const Cursor& c) {
  c.expect_object();
  return {string_field(c, "name"), string_field(c, "class_fqn")};
}

schema::OptionalTensorArgument read_optional_tensor(const Cursor& c) {
  auto [tag, payload] = c.union_member("OptionalTensorArgument");
  if (tag == "as_tensor") return {read_tensor_argument(payload)};
  if (tag == "as_none") return {std::nullopt};  // payload (true / false / []) carries nothing
  c.fail(fmt::format("unknown OptionalTensorArgument variant \"{}\"", tag));
}

// ---- arguments and graphs -----------------------------------------------------------

schema::Graph read_graph(const Cursor& c);

Argument read_argument(const Cursor& c) {
  auto [tag, p] = c.union_member("Argument");
  auto kind = schema::argument_kind_from_tag(tag);
  if (!kind) c.fail(fmt::format("unknown Argument variant \"{}\"", tag));
  Argument a;
  a.kind = *kind;
  auto ints = [](const Cursor& e) { return e.as_int(); };
  auto floats = [](const Cursor& e) { return e.as_float(); };
  switch (*kind) {
    case Argument::Kind::kNone:
      break;  // payload (true / false / []) carries nothing
    case Argument::Kind::kTensor:
      a.tensors.push_back(read_tensor_argument(p));
      break;
    case Argument::Kind::kTensors:
      a.tensors = read_list<schema::TensorArgument>(p, read_tensor_argument);
      break;
    case Argument::Kind::kInt:
      a.ints.push_back(p.as_int());
      break;
    case Argument::Kind::kInts:
      a.ints = read_list<int64_t>(p, ints);
      break;
    case Argument::Kind::kFloat:
      a.floats.push_back(p.as_float());
      break;
    case Argument::Kind::kFloats:
      a.floats = read_list<double>(p, floats);
      break;
    case Argument::Kind::kString:
    case Argument::Kind::kOperator:
      a.strings.push_back(p.as_string());
      break;
    case Argument::Kind::kStrings:
      a.strings = read_list<std::string>(p, [](const Cursor& e) { return e.as_string(); });
      break;
    case Argument::Kind::kSymInt:
      a.sym_ints.push_back(read_sym_int_argument(p));
      break;
    case Argument::Kind::kSymInts:
      a.sym_ints = read_list<schema::SymIntArgument>(p, read_sym_int_argument);
      break;
    case Argument::Kind::kScalarType:
      a.ints.push_back(read_scalar_type(p));
      break;
    case Argument::Kind::kMemoryFormat:
    case Argument::Kind::kLayout:
      a.ints.push_back(p.as_int());
      break;
    case Argument::Kind::kDevice:
      a.device = read_device(p);
      break;
    case Argument::Kind::kBool:
      a.bools.push_back(p.as_bool());
      break;
    case Argument::Kind::kBools:
      p.for_each_element([&](const Cursor& e) { a.bools.push_back(e.as_bool()); });
      break;
    case Argument::Kind::kSymBool:
      a.sym_bools.push_back(read_sym_bool_argument(p));
      break;
    case Argument::Kind::kSymBools:
      a.sym_bools = read_list<schema::SymBoolArgument>(p, read_sym_bool_argument);
      break;
    case Argument::Kind::kOptionalTensors:
      a.optional_tensors = read_list<schema::OptionalTensorArgument>(p, read_optional_tensor);
      break;
    case Argument::Kind::kOptionalTensor:
      a.optional_tensors.push_back(read_optional_tensor(p));
      break;
    case Argument::Kind::kGraph: {
      p.expect_object();
      a.graph.name = string_field(p, "name");
      Cursor g = p.field("graph");
      a.graph.graph = std::make_shared<schema::Graph>(g ? read_graph(g) : schema::Graph{});
      break;
    }
    case Argument::Kind::kCustomObj:
      a.custom_obj = read_custom_obj_argument(p);
      break;
    case Argument::Kind::kSymFloat:
      a.sym_floats.push_back(read_sym_float_argument(p));
      break;
    case Argument::Kind::kSymFloats:
      a.sym_floats = read_list<schema::SymFloatArgument>(p, read_sym_float_argument);
      break;
    case Argument::Kind::kComplex:
      p.expect_object();
      if (Cursor re = p.field("real")) a.complex.real = re.as_float();
      if (Cursor im = p.field("imag")) a.complex.imag = im.as_float();
      break;
    case Argument::Kind::kNestedTensors:
      a.nested_tensors = read_list<std::vector<schema::TensorArgument>>(p, [](const Cursor& e) {
        return read_list<schema::TensorArgument>(e, read_tensor_argument);
      });
      break;
    case Argument::Kind::kIntLists:
      a.int_lists = read_list<std::vector<int64_t>>(
          p, [&](const Cursor& e) { return read_list<int64_t>(e, ints); });
      break;
    case Argument::Kind::kFloatLists:
      a.float_lists = read_list<std::vector<double>>(
          p, [&](const Cursor& e) { return read_list<double>(e, floats); });
      break;
    case Argument::Kind::kStringToArgument:
      p.for_each_member([&](const std::string& key, const Cursor& v) {
        a.string_to_argument.emplace_back(key, std::make_shared<Argument>(read_argument(v)));
      });
      break;
  }
  return a;
}

schema::NamedArgument read_named_argument(const Cursor& c) {
  c.expect_object();
  schema::NamedArgument out;
  out.name = string_field(c, "name");
  Cursor arg = c.field("arg");
  if (!arg) c.fail("missing \"arg\"");
  out.arg = read_argument(arg);
  out.kind = int_field(c, "kind");
  return out;
}

schema::Node read_node(const Cursor& c) {
  c.expect_object();
  schema::Node out;
  out.target = string_field(c, "target");
  out.inputs = list_field<schema::NamedArgument>(c, "inputs", read_named_argument);
  out.outputs = list_field<Argument>(c, "outputs", read_argument);
  out.metadata = string_map_field(c, "metadata");
  if (Cursor single = c.field("is_hop_single_tensor_return"))
    out.is_hop_single_tensor_return = single.as_bool();
  out.name = string_field(c, "name");
  return out;
}

schema::Graph read_graph(const Cursor& c) {
  c.expect_object();
  schema::Graph out;
  out.inputs = list_field<Argument>(c, "inputs", read_argument);
  out.outputs = list_field<Argument>(c, "outputs", read_argument);
  out.nodes = list_field<schema::Node>(c, "nodes", read_node);
  out.tensor_values = map_field<schema::TensorMeta>(c, "tensor_values", read_tensor_meta);
  out.sym_int_values = map_field<schema::SymInt>(c, "sym_int_values", read_sym_int);
  out.sym_bool_values = map_field<schema::SymBool>(c, "sym_bool_values", read_sym_bool);
  out.sym_float_values = map_field<schema::SymFloat>(c, "sym_float_values", read_sym_float);
  out.custom_obj_values =
      map_field<schema::CustomObjArgument>(c, "custom_obj_values", read_custom_obj_argument);
  out.is_single_tensor_return = bool_field(c, "is_single_tensor_return");
  return out;
}

// ---- signature ------------------------------------------------------------------

// The `arg` of parameter/buffer/tensor_constant/token specs: a TensorArgument.
Argument tensor_spec_arg(const Cursor& spec) {
  Argument a;
  a.kind = Argument::Kind::kTensor;
  Cursor arg = spec.field("arg");
  a.tensors.push_back(arg ? read_tensor_argument(arg) : schema::TensorArgument{});
  return a;
}

Argument user_spec_arg(const Cursor& spec) {
  Cursor arg = spec.field("arg");
  if (!arg) spec.fail("missing \"arg\"");
  return read_argument(arg);
}

// ConstantValue: the Argument variants as_none/as_int/as_float/as_string/as_bool.
Argument read_constant_value(const Cursor& c) {
  auto [tag, payload] = c.union_member("ConstantValue");
  (void)payload;
  if (tag != "as_none" && tag != "as_int" && tag != "as_float" && tag != "as_string" &&
      tag != "as_bool")
    c.fail(fmt::format("unknown ConstantValue variant \"{}\"", tag));
  return read_argument(c);
}

schema::InputSpec read_input_spec(const Cursor& c) {
  using K = schema::InputSpec::Kind;
  auto [tag, p] = c.union_member("InputSpec");
  schema::InputSpec out;
  if (tag == "user_input") {
    p.expect_object();
    out.kind = K::kUserInput;
    out.arg = user_spec_arg(p);
  } else if (tag == "parameter") {
    p.expect_object();
    out.kind = K::kParameter;
    out.arg = tensor_spec_arg(p);
    out.target = string_field(p, "parameter_name");
  } else if (tag == "buffer") {
    p.expect_object();
    out.kind = K::kBuffer;
    out.arg = tensor_spec_arg(p);
    out.target = string_field(p, "buffer_name");
    out.persistent = bool_field(p, "persistent", true);
  } else if (tag == "tensor_constant") {
    p.expect_object();
    out.kind = K::kTensorConstant;
    out.arg = tensor_spec_arg(p);
    out.target = string_field(p, "tensor_constant_name");
  } else if (tag == "custom_obj") {
    p.expect_object();
    out.kind = K::kCustomObj;
    out.arg.kind = Argument::Kind::kCustomObj;
    if (Cursor arg = p.field("arg")) out.arg.custom_obj = read_custom_obj_argument(arg);
    out.target = string_field(p, "custom_obj_name");
  } else if (tag == "token") {
    p.expect_object();
    out.kind = K::kToken;
    out.arg = tensor_spec_arg(p);
  } else if (tag == "constant_input") {
    p.expect_object();
    out.kind = K::kConstantInput;
    out.target = string_field(p, "name");
    Cursor value = p.field("value");
    if (value) out.arg = read_constant_value(value);  // else kNone: the default
  } else {
    c.fail(fmt::format("unknown InputSpec variant \"{}\"", tag));
  }
  return out;
}

// OutputSpec variants other than user_output: all carry a TensorArgument `arg`,
// and most name what they write to in one more field.
struct OutputSpecVariant {
  const char* tag;
  schema::OutputSpec::Kind kind;
  const char* target_field;  // nullptr: none
};
constexpr OutputSpecVariant kOutputSpecVariants[] = {
    {"loss_output", schema::OutputSpec::Kind::kLossOutput, nullptr},
    {"buffer_mutation", schema::OutputSpec::Kind::kBufferMutation, "buffer_name"},
    {"gradient_to_parameter", schema::OutputSpec::Kind::kGradientToParameter, "parameter_name"},
    {"gradient_to_user_input", schema::OutputSpec::Kind::kGradientToUserInput, "user_input_name"},
    {"user_input_mutation", schema::OutputSpec::Kind::kUserInputMutation, "user_input_name"},
    {"token", schema::OutputSpec::Kind::kToken, nullptr},
    {"parameter_mutation", schema::OutputSpec::Kind::kParameterMutation, "parameter_name"},
};

schema::OutputSpec read_output_spec(const Cursor& c) {
  auto [tag, p] = c.union_member("OutputSpec");
  schema::OutputSpec out;
  if (tag == "user_output") {
    p.expect_object();
    out.kind = schema::OutputSpec::Kind::kUserOutput;
    out.arg = user_spec_arg(p);
    return out;
  }
  for (const auto& v : kOutputSpecVariants) {
    if (tag != v.tag) continue;
    p.expect_object();
    out.kind = v.kind;
    out.arg = tensor_spec_arg(p);
    if (v.target_field != nullptr) out.target = string_field(p, v.target_field);
    return out;
  }
  c.fail(fmt::format("unknown OutputSpec variant \"{}\"", tag));
}

schema::GraphSignature read_signature(const Cursor& c) {
  c.expect_object();
  schema::GraphSignature out;
  out.input_specs = list_field<schema::InputSpec>(c, "input_specs", read_input_spec);
  out.output_specs = list_field<schema::OutputSpec>(c, "output_specs", read_output_spec);
  return out;
}

schema::ModuleCallEntry read_module_call_entry(const Cursor& c) {
  c.expect_object();
  schema::ModuleCallEntry out;
  out.fqn = string_field(c, "fqn");
  if (Cursor sig = c.field("signature")) {
    sig.expect_object();
    schema::ModuleCallSignature s;
    s.inputs = list_field<Argument>(sig, "inputs", read_argument);
    s.outputs = list_field<Argument>(sig, "outputs", read_argument);
    s.in_spec = string_field(sig, "in_spec");
    s.out_spec = string_field(sig, "out_spec");
    if (Cursor names = sig.field("forward_arg_names"))
      s.forward_arg_names =
          read_list<std::string>(names, [](const Cursor& e) { return e.as_string(); });
    out.signature = std::move(s);
  }
  return out;
}

schema::GraphModule read_graph_module(const Cursor& c) {
  c.expect_object();
  schema::GraphModule out;
  Cursor graph = c.field("graph");
  if (!graph) c.fail("missing \"graph\"");
  out.graph = read_graph(graph);
  if (Cursor sig = c.field("signature")) out.signature = read_signature(sig);
  out.module_call_graph =
      list_field<schema::ModuleCallEntry>(c, "module_call_graph", read_module_call_entry);
  out.metadata = string_map_field(c, "metadata");
  return out;
}

schema::RangeConstraint read_range(const Cursor& c) {
  c.expect_object();
  return {optional_int_field(c, "min_val"), optional_int_field(c, "max_val")};
}

// Checked before anything else, so that a file of another major version gets
// this message rather than a complaint about a field it renamed.
schema::SchemaVersion read_schema_version(const Cursor& root) {
  Cursor v = root.field("schema_version");
  if (!v) root.fail("no \"schema_version\": this is not a torch.export ExportedProgram JSON");
  v.expect_object();
  schema::SchemaVersion out{int_field(v, "major"), int_field(v, "minor")};
  if (out.major != kSupportedSchemaMajor)
    throw json_reader::JsonError{
        ErrorCode::kUnsupported, "",
        fmt::format("schema version {}.{} is not supported (aotc reads torch.export "
                    "schema {}.x)",
                    out.major, out.minor, kSupportedSchemaMajor)};
  return out;
}

schema::ExportedProgram read_exported_program(const Cursor& root) {
  root.expect_object();
  schema::ExportedProgram out;
  out.schema_version = read_schema_version(root);
  Cursor gm = root.field("graph_module");
  if (!gm) root.fail("no \"graph_module\": this is not a torch.export ExportedProgram JSON");
  out.graph_module = read_graph_module(gm);
  out.opset_version =
      map_field<int64_t>(root, "opset_version", [](const Cursor& v) { return v.as_int(); });
  out.range_constraints = map_field<schema::RangeConstraint>(root, "range_constraints", read_range);
  if (Cursor verifiers = root.field("verifiers")) {
    out.verifiers =
        read_list<std::string>(verifiers, [](const Cursor& e) { return e.as_string(); });
  } else if (Cursor dialect = root.field("dialect")) {
    // Files from before `verifiers` existed name their single dialect here.
    if (!dialect.as_string().empty()) out.verifiers.push_back(dialect.as_string());
  }
  out.torch_version = string_field(root, "torch_version", "<=2.4");
  out.guards_code = string_list_field(root, "guards_code");
  return out;
}

schema::PayloadEntry read_payload_entry(const Cursor& c) {
  c.expect_object();
  schema::PayloadEntry out;
  out.path_name = string_field(c, "path_name");
  out.is_param = bool_field(c, "is_param");
  out.use_pickle = bool_field(c, "use_pickle");
  if (Cursor meta = c.field("tensor_meta")) out.tensor_meta = read_tensor_meta(meta);
  return out;
}

}  // namespace

Expected<schema::ExportedProgram> parse_exported_program(std::string_view json_text,
                                                         std::string_view source) {
  AOTC_ASSIGN_OR_RETURN(json_reader::Json json, json_reader::parse_json(json_text, source));
  return json_reader::catch_json_errors(source,
                                        [&] { return read_exported_program(Cursor::root(json)); });
}

Expected<schema::PayloadConfig> parse_payload_config(std::string_view json_text,
                                                     std::string_view source) {
  AOTC_ASSIGN_OR_RETURN(json_reader::Json json, json_reader::parse_json(json_text, source));
  return json_reader::catch_json_errors(source, [&] {
    Cursor root = Cursor::root(json);
    root.expect_object();
    schema::PayloadConfig out;
    out.config = map_field<schema::PayloadEntry>(root, "config", read_payload_entry);
    return out;
  });
}

}  // namespace aotc

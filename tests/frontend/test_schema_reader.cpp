// ExportedProgram / PayloadConfig JSON reading on synthetic documents: every
// Argument variant and encoding rule of the spec (§2, §8, §13), and the error
// messages for each way a document can be wrong.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "frontend/Frontend.h"

using aotc::ErrorCode;
using aotc::schema::Argument;
using Kind = aotc::schema::Argument::Kind;

namespace {

// A minimal program around `nodes`, with extra graph and top-level members.
std::string program(const std::string& nodes, const std::string& graph_extra = "",
                    const std::string& top_extra = "", const std::string& signature = "") {
  return R"({"schema_version": {"major": 8, "minor": 17}, "graph_module": {"graph": {"inputs": [], "outputs": [], "nodes": [)" +
         nodes + "]" + graph_extra + R"(}, "signature": {"input_specs": [)" + signature +
         R"(], "output_specs": []}, "module_call_graph": []})" + top_extra + "}";
}

std::string node_with_arg(const std::string& arg) {
  return R"({"target": "torch.ops.aten.foo.default", "inputs": [{"name": "a", "arg": )" + arg +
         R"(, "kind": 1}], "outputs": [], "name": "foo"})";
}

aotc::schema::ExportedProgram parse_ok(const std::string& json) {
  auto r = aotc::parse_exported_program(json, "model.json");
  if (!r) FAIL(r.error().message);
  return std::move(r).value();
}

Argument parse_arg(const std::string& arg) {
  auto p = parse_ok(program(node_with_arg(arg)));
  REQUIRE(p.graph_module.graph.nodes.size() == 1);
  REQUIRE(p.graph_module.graph.nodes[0].inputs.size() == 1);
  return p.graph_module.graph.nodes[0].inputs[0].arg;
}

aotc::Error parse_fails(const std::string& json) {
  auto r = aotc::parse_exported_program(json, "model.json");
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

std::string arg_error(const std::string& arg) {
  return parse_fails(program(node_with_arg(arg))).message;
}

constexpr const char* kArgPath = "model.json: graph_module.graph.nodes[0].inputs[0].arg";

}  // namespace

TEST_CASE("every Argument tag maps to its kind and back") {
  for (int k = 0; k <= static_cast<int>(Kind::kStringToArgument); ++k) {
    auto kind = static_cast<Kind>(k);
    const char* tag = aotc::schema::argument_kind_tag(kind);
    CHECK(aotc::schema::argument_kind_from_tag(tag) == kind);
  }
  CHECK(std::string(aotc::schema::argument_kind_tag(Kind::kFloatLists)) == "as_float_lists");
  CHECK_FALSE(aotc::schema::argument_kind_from_tag("as_nothing").has_value());
}

TEST_CASE("as_none accepts true, false, [] and any other payload") {
  for (const char* payload : {"true", "false", "[]", "{}", "null"}) {
    INFO(payload);
    CHECK(parse_arg(std::string(R"({"as_none": )") + payload + "}").kind == Kind::kNone);
  }
}

TEST_CASE("tensor arguments") {
  auto t = parse_arg(R"({"as_tensor": {"name": "x"}})");
  CHECK(t.kind == Kind::kTensor);
  REQUIRE(t.tensors.size() == 1);
  CHECK(t.tensors[0].name == "x");

  auto ts = parse_arg(R"({"as_tensors": [{"name": "a"}, {"name": "b"}]})");
  CHECK(ts.kind == Kind::kTensors);
  REQUIRE(ts.tensors.size() == 2);
  CHECK(ts.tensors[1].name == "b");
  CHECK(parse_arg(R"({"as_tensors": []})").tensors.empty());

  auto ot = parse_arg(
      R"({"as_optional_tensors": [{"as_tensor": {"name": "i"}}, {"as_none": true}, {"as_none": []}]})");
  CHECK(ot.kind == Kind::kOptionalTensors);
  REQUIRE(ot.optional_tensors.size() == 3);
  REQUIRE(ot.optional_tensors[0].tensor.has_value());
  CHECK(ot.optional_tensors[0].tensor->name == "i");
  CHECK_FALSE(ot.optional_tensors[1].tensor.has_value());
  CHECK_FALSE(ot.optional_tensors[2].tensor.has_value());

  auto o1 = parse_arg(R"({"as_optional_tensor": {"as_tensor": {"name": "w"}}})");
  CHECK(o1.kind == Kind::kOptionalTensor);
  REQUIRE(o1.optional_tensors.size() == 1);
  CHECK(o1.optional_tensors[0].tensor->name == "w");

  auto nt = parse_arg(R"({"as_nested_tensors": [[{"name": "a"}, {"name": "b"}], []]})");
  CHECK(nt.kind == Kind::kNestedTensors);
  REQUIRE(nt.nested_tensors.size() == 2);
  CHECK(nt.nested_tensors[0][1].name == "b");
  CHECK(nt.nested_tensors[1].empty());
}

TEST_CASE("integers are exact int64, including the extremes") {
  auto a = parse_arg(R"({"as_int": 9223372036854775807})");
  CHECK(a.kind == Kind::kInt);
  CHECK(a.ints.at(0) == std::numeric_limits<int64_t>::max());
  CHECK(parse_arg(R"({"as_int": -9223372036854775808})").ints.at(0) ==
        std::numeric_limits<int64_t>::min());
  // 2^53 + 1 is not representable as a double: a reader going through double loses it.
  CHECK(parse_arg(R"({"as_int": 9007199254740993})").ints.at(0) == 9007199254740993LL);
  CHECK(parse_arg(R"({"as_int": -9007199254740993})").ints.at(0) == -9007199254740993LL);

  auto l = parse_arg(R"({"as_ints": [-1, 0, 9223372036854775807]})");
  CHECK(l.kind == Kind::kInts);
  CHECK(l.ints == std::vector<int64_t>{-1, 0, std::numeric_limits<int64_t>::max()});

  auto ll = parse_arg(R"({"as_int_lists": [[1, 2], [3], []]})");
  CHECK(ll.kind == Kind::kIntLists);
  CHECK(ll.int_lists == std::vector<std::vector<int64_t>>{{1, 2}, {3}, {}});
}

TEST_CASE("floats accept numbers, integer literals and Infinity / -Infinity / NaN strings") {
  CHECK(parse_arg(R"({"as_float": 0.5})").floats.at(0) == 0.5);
  CHECK(parse_arg(R"({"as_float": 1e-05})").floats.at(0) == 1e-05);
  CHECK(parse_arg(R"({"as_float": 2})").floats.at(0) == 2.0);
  CHECK(parse_arg(R"({"as_float": "Infinity"})").floats.at(0) ==
        std::numeric_limits<double>::infinity());
  CHECK(parse_arg(R"({"as_float": "-Infinity"})").floats.at(0) ==
        -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(parse_arg(R"({"as_float": "NaN"})").floats.at(0)));

  auto fs = parse_arg(R"({"as_floats": [2.0, "Infinity", -1]})");
  CHECK(fs.kind == Kind::kFloats);
  REQUIRE(fs.floats.size() == 3);
  CHECK(std::isinf(fs.floats[1]));
  CHECK(fs.floats[2] == -1.0);

  auto fl = parse_arg(R"({"as_float_lists": [[0.5, 1.5], ["NaN"]]})");
  CHECK(fl.kind == Kind::kFloatLists);
  REQUIRE(fl.float_lists.size() == 2);
  CHECK(fl.float_lists[0] == std::vector<double>{0.5, 1.5});
  CHECK(std::isnan(fl.float_lists[1][0]));

  auto c = parse_arg(R"({"as_complex": {"real": 1.5, "imag": "-Infinity"}})");
  CHECK(c.kind == Kind::kComplex);
  CHECK(c.complex.real == 1.5);
  CHECK(c.complex.imag == -std::numeric_limits<double>::infinity());
}

TEST_CASE("strings, bools, enums, devices and operators") {
  auto s = parse_arg(R"({"as_string": "tanh"})");
  CHECK(s.kind == Kind::kString);
  CHECK(s.strings.at(0) == "tanh");
  CHECK(parse_arg(R"({"as_strings": ["a", "b\u00e9"]})").strings ==
        std::vector<std::string>{"a", "b\xc3\xa9"});
  CHECK(parse_arg(R"({"as_bool": true})").bools == std::vector<bool>{true});
  CHECK(parse_arg(R"({"as_bools": [true, false]})").bools == std::vector<bool>{true, false});

  auto st = parse_arg(R"({"as_scalar_type": 13})");
  CHECK(st.kind == Kind::kScalarType);
  CHECK(st.ints.at(0) == 13);
  CHECK(parse_arg(R"({"as_scalar_type": "BFLOAT16"})").ints.at(0) == 13);
  auto mf = parse_arg(R"({"as_memory_format": 2})");
  CHECK(mf.kind == Kind::kMemoryFormat);
  CHECK(mf.ints.at(0) == 2);
  auto lay = parse_arg(R"({"as_layout": 7})");
  CHECK(lay.kind == Kind::kLayout);
  CHECK(lay.ints.at(0) == 7);

  auto d = parse_arg(R"({"as_device": {"type": "cuda", "index": 1}})");
  CHECK(d.kind == Kind::kDevice);
  CHECK(d.device.type == "cuda");
  CHECK(d.device.index == 1);
  CHECK_FALSE(
      parse_arg(R"({"as_device": {"type": "cpu", "index": null}})").device.index.has_value());

  auto op = parse_arg(R"({"as_operator": "torch.ops.aten.add.Tensor"})");
  CHECK(op.kind == Kind::kOperator);
  CHECK(op.strings.at(0) == "torch.ops.aten.add.Tensor");

  auto co = parse_arg(
      R"({"as_custom_obj": {"name": "obj0", "class_fqn": "__torch__.torch.classes.my.Foo"}})");
  CHECK(co.kind == Kind::kCustomObj);
  CHECK(co.custom_obj.name == "obj0");
  CHECK(co.custom_obj.class_fqn == "__torch__.torch.classes.my.Foo");
}

TEST_CASE("symbolic arguments") {
  auto si = parse_arg(R"({"as_sym_int": {"as_name": "sym_size_int_2"}})");
  CHECK(si.kind == Kind::kSymInt);
  CHECK(std::get<std::string>(si.sym_ints.at(0).value) == "sym_size_int_2");
  auto sis = parse_arg(R"({"as_sym_ints": [{"as_int": 1}, {"as_name": "n"}, {"as_int": -1}]})");
  CHECK(sis.kind == Kind::kSymInts);
  REQUIRE(sis.sym_ints.size() == 3);
  CHECK(std::get<int64_t>(sis.sym_ints[0].value) == 1);
  CHECK(std::get<std::string>(sis.sym_ints[1].value) == "n");
  CHECK(std::get<int64_t>(sis.sym_ints[2].value) == -1);

  auto sb = parse_arg(R"({"as_sym_bool": {"as_name": "ge"}})");
  CHECK(sb.kind == Kind::kSymBool);
  CHECK(std::get<std::string>(sb.sym_bools.at(0).value) == "ge");
  auto sbs = parse_arg(R"({"as_sym_bools": [{"as_bool": true}, {"as_name": "b"}]})");
  CHECK(sbs.kind == Kind::kSymBools);
  CHECK(std::get<bool>(sbs.sym_bools.at(0).value) == true);

  auto sf = parse_arg(R"({"as_sym_float": {"as_float": "NaN"}})");
  CHECK(sf.kind == Kind::kSymFloat);
  CHECK(std::isnan(std::get<double>(sf.sym_floats.at(0).value)));
  auto sfs = parse_arg(R"({"as_sym_floats": [{"as_name": "zf0"}, {"as_float": 0.25}]})");
  CHECK(sfs.kind == Kind::kSymFloats);
  CHECK(std::get<std::string>(sfs.sym_floats.at(0).value) == "zf0");
  CHECK(std::get<double>(sfs.sym_floats.at(1).value) == 0.25);
}

TEST_CASE("as_string_to_argument holds nested Arguments") {
  auto a = parse_arg(
      R"({"as_string_to_argument": {"t": {"as_tensor": {"name": "x"}}, "k": {"as_int": 4}}})");
  CHECK(a.kind == Kind::kStringToArgument);
  REQUIRE(a.string_to_argument.size() == 2);
  // Members come in key order.
  CHECK(a.string_to_argument[0].first == "k");
  CHECK(a.string_to_argument[0].second->ints.at(0) == 4);
  CHECK(a.string_to_argument[1].first == "t");
  CHECK(a.string_to_argument[1].second->tensors.at(0).name == "x");
}

TEST_CASE("as_graph nests whole graphs, recursively") {
  const std::string inner =
      R"({"name": "inner_0", "graph": {"inputs": [{"as_tensor": {"name": "y"}}],
      "outputs": [{"as_tensor": {"name": "y"}}], "nodes": [], "is_single_tensor_return": true,
      "tensor_values": {"y": {"dtype": 7, "sizes": [{"as_int": 2}], "strides": [{"as_int": 1}]}}}})";
  const std::string outer = R"({"as_graph": {"name": "true_graph_0", "graph": {
      "inputs": [{"as_tensor": {"name": "x"}}], "outputs": [{"as_tensor": {"name": "neg"}}],
      "nodes": [{"target": "torch.ops.higher_order.map_impl", "inputs": [{"name": "", "arg": {"as_graph": )" +
                            inner +
                            R"(}, "kind": 1}], "outputs": [{"as_tensor": {"name": "neg"}}]}],
      "tensor_values": {"x": {"dtype": 6, "sizes": [{"as_int": 3}], "strides": [{"as_int": 1}]}}}}})";
  auto a = parse_arg(outer);
  CHECK(a.kind == Kind::kGraph);
  CHECK(a.graph.name == "true_graph_0");
  REQUIRE(a.graph.graph);
  const auto& g = *a.graph.graph;
  CHECK(g.inputs.at(0).tensors.at(0).name == "x");
  CHECK(g.tensor_values.at("x").dtype == 6);
  CHECK_FALSE(g.is_single_tensor_return);
  REQUIRE(g.nodes.size() == 1);
  CHECK(g.nodes[0].target == "torch.ops.higher_order.map_impl");
  const auto& in = g.nodes[0].inputs.at(0).arg;
  CHECK(in.kind == Kind::kGraph);
  CHECK(in.graph.name == "inner_0");
  CHECK(in.graph.graph->is_single_tensor_return);
  CHECK(in.graph.graph->tensor_values.at("y").sizes.at(0).as_int() == 2);
}

TEST_CASE("missing optional fields take their defaults") {
  // No kind / name / metadata / is_hop_single_tensor_return on the node, no
  // sym_*_values / custom_obj_values on the graph, no verifiers /
  // torch_version / guards_code / opset_version / range_constraints.
  const std::string json =
      R"({"schema_version": {"major": 8, "minor": 1}, "graph_module": {"graph": {
      "inputs": [{"as_tensor": {"name": "x"}}], "outputs": [{"as_tensor": {"name": "r"}}],
      "nodes": [{"target": "torch.ops.aten.relu.default", "inputs": [{"name": "self", "arg": {"as_tensor": {"name": "x"}}}],
                 "outputs": [{"as_tensor": {"name": "r"}}]}],
      "tensor_values": {"x": {"dtype": 7, "sizes": [{"as_int": 4}], "strides": [{"as_int": 1}]}}}}})";
  auto p = parse_ok(json);
  CHECK(p.schema_version.minor == 1);
  CHECK(p.torch_version == "<=2.4");
  CHECK(p.verifiers.empty());
  CHECK(p.guards_code.empty());
  CHECK(p.range_constraints.empty());
  CHECK(p.graph_module.signature.input_specs.empty());
  CHECK(p.graph_module.module_call_graph.empty());
  const auto& n = p.graph_module.graph.nodes.at(0);
  CHECK(n.inputs.at(0).kind == 0);
  CHECK(n.name.empty());
  CHECK(n.metadata.empty());
  CHECK_FALSE(n.is_hop_single_tensor_return.has_value());
  const auto& x = p.graph_module.graph.tensor_values.at("x");
  CHECK(x.device.type == "cpu");
  CHECK_FALSE(x.device.index.has_value());
  CHECK(x.layout == 7);
  CHECK(x.storage_offset.as_int() == 0);
  CHECK_FALSE(x.requires_grad);
}

TEST_CASE("unknown fields are ignored at every level") {
  const std::string node = R"({"target": "t", "future": {"x": [1, 2]}, "inputs": [{"name": "a",
      "arg": {"as_tensor": {"name": "x", "new_field": 3}}, "kind": 1, "extra": null}], "outputs": []})";
  auto p = parse_ok(
      program(node, R"(, "graph_extra": {"a": 1})", R"(, "shiny_new_thing": [1, {"b": 2}])"));
  CHECK(p.graph_module.graph.nodes.at(0).inputs.at(0).arg.tensors.at(0).name == "x");
}

TEST_CASE("legacy dialect field fills verifiers") {
  auto p = parse_ok(program("", "", R"(, "dialect": "ATEN")"));
  CHECK(p.verifiers == std::vector<std::string>{"ATEN"});
  auto q = parse_ok(program("", "", R"(, "verifiers": ["TRAINING"], "dialect": "ATEN")"));
  CHECK(q.verifiers == std::vector<std::string>{"TRAINING"});
}

TEST_CASE("symbolic sizes keep their expression text verbatim, srepr and legacy infix") {
  const std::string tv = R"J(, "tensor_values": {
      "a": {"dtype": 7, "sizes": [{"as_expr": {"expr_str": "2*s0", "hint": {"as_int": 6}}}, {"as_expr": {"expr_str": "(s0//2)", "hint": null}}],
            "strides": [{"as_expr": {"expr_str": "s0 + s1"}}, {"as_int": 1}], "storage_offset": {"as_int": 6}},
      "b": {"dtype": 7, "sizes": [{"as_expr": {"expr_str": "Mul(Integer(8), Symbol('s77', positive=True, integer=True))", "hint": {"as_int": 24}}}], "strides": [{"as_int": 1}]}},
    "sym_int_values": {"n": {"as_expr": {"expr_str": "Symbol('u0', integer=True)", "hint": null}}, "k": {"as_int": 5}},
    "sym_float_values": {"f": {"as_expr": {"expr_str": "IntTrueDiv(Symbol('s0'), Integer(2))", "hint": {"as_float": 4.0}}}, "g": {"as_float": "-Infinity"}},
    "sym_bool_values": {"c": {"as_expr": {"expr_str": "GreaterThan(Symbol('u0', integer=True), Integer(0))"}}, "d": {"as_bool": false}})J";
  auto p = parse_ok(program("", tv));
  const auto& g = p.graph_module.graph;
  const auto& a = g.tensor_values.at("a");
  CHECK(a.sizes.at(0).as_expr().expr_str == "2*s0");
  CHECK(a.sizes.at(0).as_expr().hint == 6);
  CHECK(a.sizes.at(1).as_expr().expr_str == "(s0//2)");
  CHECK_FALSE(a.sizes.at(1).as_expr().hint.has_value());
  CHECK(a.strides.at(0).as_expr().expr_str == "s0 + s1");
  CHECK(a.strides.at(1).as_int() == 1);
  CHECK(a.storage_offset.as_int() == 6);
  CHECK(g.tensor_values.at("b").sizes.at(0).as_expr().expr_str ==
        "Mul(Integer(8), Symbol('s77', positive=True, integer=True))");
  CHECK(g.sym_int_values.at("n").as_expr().expr_str == "Symbol('u0', integer=True)");
  CHECK(g.sym_int_values.at("k").as_int() == 5);
  const auto& f = std::get<aotc::schema::SymExprText>(g.sym_float_values.at("f").value);
  CHECK(f.float_hint == 4.0);
  CHECK_FALSE(f.hint.has_value());
  CHECK(std::get<double>(g.sym_float_values.at("g").value) ==
        -std::numeric_limits<double>::infinity());
  CHECK(std::get<aotc::schema::SymExprText>(g.sym_bool_values.at("c").value).expr_str ==
        "GreaterThan(Symbol('u0', integer=True), Integer(0))");
  CHECK(std::get<bool>(g.sym_bool_values.at("d").value) == false);
}

TEST_CASE("range constraints: null bounds are unbounded") {
  auto p = parse_ok(program(
      "", "",
      R"(, "range_constraints": {"s77": {"min_val": 1, "max_val": 1024}, "s17": {"min_val": 2, "max_val": null},
                               "u0": {"min_val": null, "max_val": 9223372036854775807}})"));
  const auto& rc = p.range_constraints;
  CHECK(rc.at("s77").min_val == 1);
  CHECK(rc.at("s77").max_val == 1024);
  CHECK(rc.at("s17").min_val == 2);
  CHECK_FALSE(rc.at("s17").max_val.has_value());
  CHECK_FALSE(rc.at("u0").min_val.has_value());
  CHECK(rc.at("u0").max_val == std::numeric_limits<int64_t>::max());
}

TEST_CASE("every InputSpec and OutputSpec variant") {
  const std::string inputs = R"(
    {"user_input": {"arg": {"as_tensor": {"name": "x"}}}},
    {"user_input": {"arg": {"as_sym_int": {"as_name": "n"}}}},
    {"parameter": {"arg": {"name": "p_l_weight"}, "parameter_name": "l.weight"}},
    {"buffer": {"arg": {"name": "b_nb"}, "buffer_name": "nb", "persistent": false}},
    {"buffer": {"arg": {"name": "b_b"}, "buffer_name": "b"}},
    {"tensor_constant": {"arg": {"name": "c_c"}, "tensor_constant_name": "c"}},
    {"custom_obj": {"arg": {"name": "obj", "class_fqn": "__torch__.Foo"}, "custom_obj_name": "foo"}},
    {"token": {"arg": {"name": "token_0"}}},
    {"constant_input": {"name": "f", "value": {"as_float": 0.5}}},
    {"constant_input": {"name": "flag", "value": {"as_none": true}}})";
  const std::string outputs = R"(, "output_specs": [
    {"user_output": {"arg": {"as_tensor": {"name": "y"}}}},
    {"user_output": {"arg": {"as_int": 3}}},
    {"loss_output": {"arg": {"name": "loss"}}},
    {"buffer_mutation": {"arg": {"name": "add"}, "buffer_name": "cnt"}},
    {"gradient_to_parameter": {"arg": {"name": "g"}, "parameter_name": "l.weight"}},
    {"gradient_to_user_input": {"arg": {"name": "gx"}, "user_input_name": "x"}},
    {"user_input_mutation": {"arg": {"name": "mul_2"}, "user_input_name": "x"}},
    {"token": {"arg": {"name": "token_1"}}},
    {"parameter_mutation": {"arg": {"name": "pm"}, "parameter_name": "l.bias"}}]})";
  std::string json = program("", "", "", inputs);
  // Replace the empty output_specs the helper writes.
  auto pos = json.find(R"(, "output_specs": []})");
  REQUIRE(pos != std::string::npos);
  json.replace(pos, std::string(R"(, "output_specs": []})").size(), outputs);
  auto p = parse_ok(json);
  using IK = aotc::schema::InputSpec::Kind;
  using OK = aotc::schema::OutputSpec::Kind;
  const auto& in = p.graph_module.signature.input_specs;
  REQUIRE(in.size() == 10);
  CHECK(in[0].kind == IK::kUserInput);
  CHECK(in[0].arg.tensors.at(0).name == "x");
  CHECK(in[1].arg.kind == Kind::kSymInt);
  CHECK(in[2].kind == IK::kParameter);
  CHECK(in[2].arg.kind == Kind::kTensor);
  CHECK(in[2].arg.tensors.at(0).name == "p_l_weight");
  CHECK(in[2].target == "l.weight");
  CHECK(in[3].kind == IK::kBuffer);
  CHECK(in[3].target == "nb");
  CHECK_FALSE(in[3].persistent);
  CHECK(in[4].persistent);
  CHECK(in[5].kind == IK::kTensorConstant);
  CHECK(in[5].target == "c");
  CHECK(in[6].kind == IK::kCustomObj);
  CHECK(in[6].arg.custom_obj.class_fqn == "__torch__.Foo");
  CHECK(in[6].target == "foo");
  CHECK(in[7].kind == IK::kToken);
  CHECK(in[7].arg.tensors.at(0).name == "token_0");
  CHECK(in[8].kind == IK::kConstantInput);
  CHECK(in[8].target == "f");
  CHECK(in[8].arg.kind == Kind::kFloat);
  CHECK(in[8].arg.floats.at(0) == 0.5);
  CHECK(in[9].arg.kind == Kind::kNone);

  const auto& out = p.graph_module.signature.output_specs;
  REQUIRE(out.size() == 9);
  CHECK(out[0].kind == OK::kUserOutput);
  CHECK(out[1].arg.kind == Kind::kInt);
  CHECK(out[2].kind == OK::kLossOutput);
  CHECK(out[2].arg.tensors.at(0).name == "loss");
  CHECK(out[3].kind == OK::kBufferMutation);
  CHECK(out[3].target == "cnt");
  CHECK(out[4].kind == OK::kGradientToParameter);
  CHECK(out[4].target == "l.weight");
  CHECK(out[5].kind == OK::kGradientToUserInput);
  CHECK(out[6].kind == OK::kUserInputMutation);
  CHECK(out[6].arg.tensors.at(0).name == "mul_2");
  CHECK(out[6].target == "x");
  CHECK(out[7].kind == OK::kToken);
  CHECK(out[8].kind == OK::kParameterMutation);
  CHECK(out[8].target == "l.bias");
}

TEST_CASE("module_call_graph keeps in_spec/out_spec text, null signatures stay empty") {
  const std::string mcg =
      R"({"schema_version": {"major": 8, "minor": 17}, "graph_module": {"graph": {},
      "module_call_graph": [
        {"fqn": "", "signature": {"inputs": [], "outputs": [], "in_spec": "[1, {\"type\": \"builtins.tuple\"}]",
                                  "out_spec": "[1, {\"type\": null}]", "forward_arg_names": ["x", "y"]}},
        {"fqn": "fc1", "signature": null},
        {"fqn": "fc2"}]}})";
  auto p = parse_ok(mcg);
  const auto& m = p.graph_module.module_call_graph;
  REQUIRE(m.size() == 3);
  REQUIRE(m[0].signature.has_value());
  CHECK(m[0].signature->in_spec == R"([1, {"type": "builtins.tuple"}])");
  CHECK(m[0].signature->out_spec == R"([1, {"type": null}])");
  CHECK(m[0].signature->forward_arg_names == std::vector<std::string>{"x", "y"});
  CHECK(m[1].fqn == "fc1");
  CHECK_FALSE(m[1].signature.has_value());
  CHECK_FALSE(m[2].signature.has_value());
}

TEST_CASE("node metadata keeps strings and tolerates other values") {
  const std::string node = R"({"target": "t", "inputs": [], "outputs": [],
      "metadata": {"stack_trace": "line 1\nline 2", "custom": {"k": 1}}, "is_hop_single_tensor_return": false})";
  auto p = parse_ok(program(node));
  const auto& n = p.graph_module.graph.nodes.at(0);
  CHECK(n.metadata.at("stack_trace") == "line 1\nline 2");
  CHECK(n.metadata.at("custom") == R"({"k":1})");
  CHECK(n.is_hop_single_tensor_return == false);
}

// ---- errors ---------------------------------------------------------------------

TEST_CASE("malformed JSON reports line and column") {
  auto e = parse_fails("{\n  \"a\": 1,\n  \"b\": x\n}");
  CHECK(e.code == ErrorCode::kInvalidInput);
  CHECK_THAT(e.message, Catch::StartsWith("model.json: malformed JSON at line 3, column 8: "));

  auto truncated =
      parse_fails("{\"schema_version\": {\"major\": 8,\n\"minor\": 17}, \"graph_module\": [1, 2");
  CHECK_THAT(truncated.message, Catch::StartsWith("model.json: malformed JSON at line 2, column "));
  CHECK_THAT(parse_fails("").message, Catch::Contains("model.json: malformed JSON"));
}

TEST_CASE("another schema major is refused") {
  auto e = parse_fails(
      R"({"schema_version": {"major": 9, "minor": 0}, "graph_module": {"renamed": 1}})");
  CHECK(e.code == ErrorCode::kUnsupported);
  CHECK(e.message ==
        "model.json: schema version 9.0 is not supported (aotc reads torch.export schema 8.x)");
  CHECK_THAT(parse_fails(R"({"graph_module": {}})").message,
             Catch::Contains("model.json: no \"schema_version\"") &&
                 Catch::Contains("not a torch.export"));
  CHECK_THAT(parse_fails(R"([1, 2])").message,
             Catch::Contains("model.json: expected an object, got an array"));
}

TEST_CASE("a union object with other than one key names its path") {
  CHECK(arg_error(R"({"as_int": 1, "as_float": 2.0})") ==
        std::string(kArgPath) +
            ": union object must have exactly one key, got 2 (\"as_float\", \"as_int\")");
  CHECK(arg_error("{}") ==
        std::string(kArgPath) + ": union object must have exactly one key, got 0");
  CHECK(
      arg_error("3") ==
      std::string(kArgPath) +
          ": expected a union object with one key naming the Argument variant, got the integer 3");
}

TEST_CASE("an unknown union tag names the tag and its path") {
  CHECK(arg_error(R"({"as_quaternion": [1, 2, 3, 4]})") ==
        std::string(kArgPath) + ": unknown Argument variant \"as_quaternion\"");
  auto sig =
      parse_fails(program("", "", "", R"({"mystery_input": {"arg": {"name": "x"}}})")).message;
  CHECK(sig ==
        "model.json: graph_module.signature.input_specs[0]: unknown InputSpec variant "
        "\"mystery_input\"");
  auto sym = parse_fails(program("", R"(, "sym_int_values": {"n": {"as_sym": 1}})")).message;
  CHECK(sym ==
        "model.json: graph_module.graph.sym_int_values[\"n\"]: unknown SymInt variant \"as_sym\"");
}

TEST_CASE("a value of the wrong JSON type names its path") {
  CHECK(arg_error(R"({"as_int": "3"})") ==
        std::string(kArgPath) + ".as_int: expected an integer, got the string \"3\"");
  CHECK(arg_error(R"({"as_int": 1.5})") ==
        std::string(kArgPath) + ".as_int: expected an integer, got the floating-point number 1.5");
  CHECK(arg_error(R"({"as_ints": [1, true]})") ==
        std::string(kArgPath) + ".as_ints[1]: expected an integer, got the boolean true");
  CHECK(arg_error(R"({"as_float": "inf"})") ==
        std::string(kArgPath) +
            ".as_float: expected a number (or \"Infinity\", \"-Infinity\", \"NaN\"), got the "
            "string \"inf\"");
  CHECK(arg_error(R"({"as_tensor": ["x"]})") ==
        std::string(kArgPath) + ".as_tensor: expected an object, got an array");
  auto tv =
      parse_fails(
          program("", R"(, "tensor_values": {"fc1.w": {"dtype": 7, "sizes": {"as_int": 3}}})"))
          .message;
  CHECK(tv ==
        "model.json: graph_module.graph.tensor_values[\"fc1.w\"].sizes: expected an array, got an "
        "object");
}

TEST_CASE("integers beyond int64 are refused, not rounded") {
  CHECK(arg_error(R"({"as_int": 9223372036854775808})") ==
        std::string(kArgPath) + ".as_int: integer 9223372036854775808 is out of the int64 range");
  CHECK_THAT(arg_error(R"({"as_ints": [1, -99999999999999999999]})"),
             Catch::StartsWith(std::string(kArgPath) + ".as_ints[1]: integer ") &&
                 Catch::EndsWith("is out of the int64 range"));
}

TEST_CASE("payload configs") {
  const std::string json = R"({"config": {
      "fc1.weight": {"path_name": "weight_0", "is_param": true, "use_pickle": false,
                     "tensor_meta": {"dtype": 7, "sizes": [{"as_int": 16}, {"as_int": 10}], "requires_grad": true,
                                     "device": {"type": "cuda", "index": 0},
                                     "strides": [{"as_int": 10}, {"as_int": 1}], "storage_offset": {"as_int": 0}, "layout": 7}},
      "obj": {"path_name": "custom_obj_0", "is_param": false, "use_pickle": true, "tensor_meta": null}}})";
  auto r = aotc::parse_payload_config(json, "model_weights_config.json");
  REQUIRE(r.has_value());
  const auto& c = r->config;
  REQUIRE(c.size() == 2);
  const auto& w = c.at("fc1.weight");
  CHECK(w.path_name == "weight_0");
  CHECK(w.is_param);
  CHECK_FALSE(w.use_pickle);
  REQUIRE(w.tensor_meta.has_value());
  CHECK(w.tensor_meta->sizes.at(1).as_int() == 10);
  CHECK(w.tensor_meta->device.type == "cuda");
  CHECK(w.tensor_meta->device.index == 0);
  CHECK(c.at("obj").use_pickle);
  CHECK_FALSE(c.at("obj").tensor_meta.has_value());

  auto bad = aotc::parse_payload_config(R"({"config": {"w": {"path_name": 3}}})", "cfg.json");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message ==
        "cfg.json: config[\"w\"].path_name: expected a string, got the integer 3");
  auto syntax = aotc::parse_payload_config("{\"config\": }", "cfg.json");
  REQUIRE_FALSE(syntax.has_value());
  CHECK_THAT(syntax.error().message,
             Catch::StartsWith("cfg.json: malformed JSON at line 1, column 12"));
}

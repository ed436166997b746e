// The real torch.export (PyTorch 2.11) fixtures in ../shared/fixtures: each
// model.json and model.pt2 parses, and facts read independently from the
// JSON and the raw weight bytes (with Python's json and struct modules) hold.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "TestSupport.h"
#include "frontend/Frontend.h"

using aotc::test::fixture;
using Kind = aotc::schema::Argument::Kind;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

aotc::schema::ExportedProgram parse_fixture_json(const std::string& name) {
  auto path = fixture(name + "/model.json");
  auto r = aotc::parse_exported_program(slurp(path), path.string());
  if (!r) FAIL(r.error().message);
  return std::move(r).value();
}

aotc::LoadedProgram load_fixture(const std::string& name) {
  auto r = aotc::load_program(fixture(name + "/model.pt2"));
  if (!r) FAIL(r.error().message);
  return std::move(r).value();
}

const aotc::schema::Node& node_named(const aotc::schema::Graph& g, const std::string& name) {
  for (const auto& n : g.nodes)
    if (n.name == name) return n;
  FAIL("no node " << name);
  return g.nodes.front();
}

const aotc::schema::Argument& input_named(const aotc::schema::Node& n, const std::string& name) {
  for (const auto& i : n.inputs)
    if (i.name == name) return i.arg;
  FAIL("no input " << name << " on " << n.name);
  return n.inputs.front().arg;
}

struct FixtureFacts {
  const char* name;
  size_t nodes;
  size_t tensor_values;
  size_t weights;
  size_t input_specs;
  const char* verifier;
};

// Counted with Python from model.json and data/weights/model_weights_config.json.
constexpr FixtureFacts kFacts[] = {
    {"mlp", 4, 9, 4, 5, "TRAINING"},           {"mlp_core_aten", 6, 11, 4, 5, "ATEN"},
    {"silu_mlp_bf16", 3, 8, 4, 5, "TRAINING"}, {"small_cnn", 11, 28, 16, 17, "TRAINING"},
    {"gpt_block", 20, 34, 12, 13, "TRAINING"}, {"resnet18", 69, 192, 122, 123, "TRAINING"},
};

}  // namespace

TEST_CASE("every fixture's model.json and model.pt2 parse to the same program") {
  for (const auto& f : kFacts) {
    INFO(f.name);
    auto json = parse_fixture_json(f.name);
    auto loaded = load_fixture(f.name);
    for (const auto* p : {&json, &loaded.program}) {
      CHECK(p->schema_version.major == 8);
      CHECK(p->schema_version.minor == 17);
      CHECK(p->torch_version == "2.11.0+cu130");
      CHECK(p->opset_version.at("aten") == 10);
      CHECK(p->verifiers == std::vector<std::string>{f.verifier});
      CHECK(p->graph_module.graph.nodes.size() == f.nodes);
      CHECK(p->graph_module.graph.tensor_values.size() == f.tensor_values);
      CHECK(p->graph_module.signature.input_specs.size() == f.input_specs);
    }
    REQUIRE(json.graph_module.graph.nodes.size() == loaded.program.graph_module.graph.nodes.size());
    for (size_t i = 0; i < json.graph_module.graph.nodes.size(); ++i)
      CHECK(json.graph_module.graph.nodes[i].target ==
            loaded.program.graph_module.graph.nodes[i].target);
    CHECK(loaded.weights.size() == f.weights);
    CHECK(loaded.model_name == "model");
    CHECK(loaded.source == fixture(std::string(f.name) + "/model.pt2").string());
  }
}

TEST_CASE("mlp: nodes, signature, ranges, call spec") {
  auto p = parse_fixture_json("mlp");
  const auto& g = p.graph_module.graph;
  REQUIRE(g.nodes.size() == 4);
  CHECK(g.nodes[0].target == "torch.ops.aten.linear.default");
  CHECK(g.nodes[1].target == "torch.ops.aten.relu.default");
  CHECK(g.nodes[2].target == "torch.ops.aten.linear.default");
  CHECK(g.nodes[3].target == "torch.ops.aten.sigmoid.default");
  const auto& lin = g.nodes[0];
  CHECK(lin.name == "linear");
  REQUIRE(lin.inputs.size() == 3);
  CHECK(lin.inputs[0].name == "input");
  CHECK(lin.inputs[0].kind == 1);
  CHECK(lin.inputs[0].arg.kind == Kind::kTensor);
  CHECK(lin.inputs[0].arg.tensors.at(0).name == "x");
  CHECK(lin.inputs[1].arg.tensors.at(0).name == "p_fc1_weight");
  CHECK(lin.outputs.at(0).tensors.at(0).name == "linear");
  CHECK_FALSE(lin.is_hop_single_tensor_return.has_value());
  CHECK(lin.metadata.at("torch_fn") == "linear_1;builtin_function_or_method.linear");
  CHECK(lin.metadata.at("nn_module_stack") ==
        "L__self__,,__main__.MLP;L__self__fc1,fc1,torch.nn.modules.linear.Linear");

  REQUIRE(p.range_constraints.size() == 1);
  CHECK(p.range_constraints.at("s77").min_val == 1);
  CHECK(p.range_constraints.at("s77").max_val == 1024);

  const auto& x = g.tensor_values.at("x");
  CHECK(x.dtype == 7);
  REQUIRE(x.sizes.size() == 2);
  CHECK(x.sizes[0].as_expr().expr_str == "Symbol('s77', positive=True, integer=True)");
  CHECK(x.sizes[0].as_expr().hint == 8);
  CHECK(x.sizes[1].as_int() == 10);
  CHECK(x.strides[0].as_int() == 10);
  CHECK(x.device.type == "cpu");
  CHECK(g.tensor_values.at("p_fc1_weight").requires_grad);

  using IK = aotc::schema::InputSpec::Kind;
  const auto& in = p.graph_module.signature.input_specs;
  REQUIRE(in.size() == 5);
  CHECK(in[0].kind == IK::kParameter);
  CHECK(in[0].arg.tensors.at(0).name == "p_fc1_weight");
  CHECK(in[0].target == "fc1.weight");
  CHECK(in[3].target == "fc2.bias");
  CHECK(in[4].kind == IK::kUserInput);
  CHECK(in[4].arg.tensors.at(0).name == "x");
  const auto& out = p.graph_module.signature.output_specs;
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == aotc::schema::OutputSpec::Kind::kUserOutput);
  CHECK(out[0].arg.tensors.at(0).name == "sigmoid");

  const auto& mcg = p.graph_module.module_call_graph;
  REQUIRE(mcg.size() == 5);
  CHECK(mcg[0].fqn.empty());
  REQUIRE(mcg[0].signature.has_value());
  CHECK(
      mcg[0].signature->in_spec ==
      R"([1, {"type": "builtins.tuple", "context": "null", "children_spec": [{"type": "builtins.tuple", "context": "null", "children_spec": [{"type": null, "context": null, "children_spec": []}]}, {"type": "builtins.dict", "context": "[]", "children_spec": []}]}])");
  CHECK(mcg[0].signature->out_spec ==
        R"([1, {"type": null, "context": null, "children_spec": []}])");
  CHECK(mcg[0].signature->forward_arg_names == std::vector<std::string>{"x"});
  CHECK(mcg[1].fqn == "fc1");
  CHECK_FALSE(mcg[1].signature.has_value());
}

TEST_CASE("mlp_core_aten: permute dims and addmm") {
  auto p = parse_fixture_json("mlp_core_aten");
  const auto& g = p.graph_module.graph;
  CHECK(g.nodes[0].target == "torch.ops.aten.permute.default");
  const auto& dims = input_named(g.nodes[0], "dims");
  CHECK(dims.kind == Kind::kInts);
  CHECK(dims.ints == std::vector<int64_t>{1, 0});
  CHECK(g.nodes[1].target == "torch.ops.aten.addmm.default");
}

TEST_CASE("small_cnn: batch_norm scalars, buffers, range") {
  auto p = parse_fixture_json("small_cnn");
  const auto& g = p.graph_module.graph;
  const auto& conv = node_named(g, "conv2d");
  CHECK(input_named(conv, "padding").ints == std::vector<int64_t>{1, 1});
  const auto& bn = node_named(g, "batch_norm");
  CHECK(bn.target == "torch.ops.aten.batch_norm.default");
  const auto& training = input_named(bn, "training");
  CHECK(training.kind == Kind::kBool);
  CHECK(training.bools.at(0) == false);
  CHECK(input_named(bn, "momentum").floats.at(0) == 0.1);
  CHECK(input_named(bn, "eps").kind == Kind::kFloat);
  CHECK(input_named(bn, "eps").floats.at(0) == 1e-05);
  CHECK(input_named(bn, "running_mean").tensors.at(0).name == "b_b1_running_mean");
  CHECK(p.range_constraints.at("s77").min_val == 1);
  CHECK(p.range_constraints.at("s77").max_val == 64);
  int buffers = 0;
  for (const auto& s : p.graph_module.signature.input_specs)
    if (s.kind == aotc::schema::InputSpec::Kind::kBuffer) {
      ++buffers;
      CHECK(s.persistent);
    }
  CHECK(buffers == 6);
}

TEST_CASE("gpt_block: sym_size, sym_ints, split outputs, as_none, keyword string") {
  auto p = parse_fixture_json("gpt_block");
  const auto& g = p.graph_module.graph;
  CHECK(p.range_constraints.at("s27").min_val == 2);
  CHECK(p.range_constraints.at("s27").max_val == 512);
  const auto& ss = g.nodes.at(0);
  CHECK(ss.target == "torch.ops.aten.sym_size.int");
  CHECK(input_named(ss, "dim").ints.at(0) == 1);
  REQUIRE(ss.outputs.size() == 1);
  CHECK(ss.outputs[0].kind == Kind::kSymInt);
  CHECK(std::get<std::string>(ss.outputs[0].sym_ints.at(0).value) == "sym_size_int_2");
  const auto& sym = g.sym_int_values.at("sym_size_int_2");
  CHECK(sym.as_expr().expr_str == "Symbol('s27', positive=True, integer=True)");
  CHECK(sym.as_expr().hint == 16);

  const auto& split = node_named(g, "split");
  REQUIRE(split.outputs.size() == 1);
  CHECK(split.outputs[0].kind == Kind::kTensors);
  REQUIRE(split.outputs[0].tensors.size() == 3);
  CHECK(split.outputs[0].tensors[2].name == "getitem_2");

  const auto& size = input_named(node_named(g, "view"), "size");
  CHECK(size.kind == Kind::kSymInts);
  REQUIRE(size.sym_ints.size() == 4);
  CHECK(std::get<int64_t>(size.sym_ints[0].value) == 1);
  CHECK(std::get<std::string>(size.sym_ints[1].value) == "sym_size_int_2");
  CHECK(std::get<int64_t>(size.sym_ints[3].value) == 64);

  const auto& sdpa = node_named(g, "scaled_dot_product_attention");
  CHECK(input_named(sdpa, "attn_mask").kind == Kind::kNone);
  CHECK(input_named(sdpa, "is_causal").bools.at(0) == true);
  CHECK(input_named(sdpa, "dropout_p").floats.at(0) == 0.0);

  const auto& gelu = node_named(g, "gelu");
  REQUIRE(gelu.inputs.size() == 2);
  CHECK(gelu.inputs[1].name == "approximate");
  CHECK(gelu.inputs[1].kind == 2);
  CHECK(gelu.inputs[1].arg.strings.at(0) == "tanh");
}

TEST_CASE("resnet18: in-place ops, conv without bias, static shapes, its JSON parses fast") {
  auto path = fixture("resnet18/model.json");
  std::string text = slurp(path);
  auto t0 = std::chrono::steady_clock::now();
  auto r = aotc::parse_exported_program(text, path.string());
  auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(r.has_value());
  CHECK(ms < 1000.0);
  const auto& g = r->graph_module.graph;
  CHECK(r->range_constraints.empty());
  const auto& conv = g.nodes.at(0);
  CHECK(conv.target == "torch.ops.aten.conv2d.default");
  CHECK(input_named(conv, "bias").kind == Kind::kNone);
  CHECK(input_named(conv, "stride").ints == std::vector<int64_t>{2, 2});
  CHECK(input_named(conv, "padding").ints == std::vector<int64_t>{3, 3});
  CHECK(g.nodes.at(2).target == "torch.ops.aten.relu_.default");
  int adds = 0;
  for (const auto& n : g.nodes) adds += n.target == "torch.ops.aten.add_.Tensor";
  CHECK(adds == 8);
  const auto& x = g.tensor_values.at("x");
  REQUIRE(x.sizes.size() == 4);
  CHECK(x.sizes[0].as_int() == 2);
  CHECK(x.sizes[3].as_int() == 224);
  CHECK(x.strides[0].as_int() == 150528);
}

TEST_CASE("fixture weights: dtypes, shapes and values from the raw bytes") {
  auto mlp = load_fixture("mlp");
  const auto& w = mlp.weights.at("fc1.weight");
  CHECK(w.dtype() == aotc::DType::Float32);
  CHECK(w.shape() == std::vector<int64_t>{16, 10});
  CHECK(w.get(0) == Approx(-0.297899693).epsilon(1e-7));
  CHECK(w.get(1) == Approx(-0.0620447956).epsilon(1e-7));
  CHECK(w.get(159) == Approx(0.175054625).epsilon(1e-7));
  CHECK(mlp.weights.at("fc2.bias").shape() == std::vector<int64_t>{1});
  CHECK(mlp.weights.at("fc2.bias").get(0) == Approx(-0.0295908153).epsilon(1e-7));

  auto bf16 = load_fixture("silu_mlp_bf16");
  const auto& l1 = bf16.weights.at("linear1.weight");
  CHECK(l1.dtype() == aotc::DType::BFloat16);
  CHECK(l1.shape() == std::vector<int64_t>{64, 128});
  CHECK(l1.get(0) == Approx(0.0737304688).epsilon(1e-7));
  CHECK(l1.get(2) == Approx(-0.0629882812).epsilon(1e-7));
  CHECK(bf16.weights.at("linear1.bias").get(63) == Approx(-0.0427246094).epsilon(1e-7));

  auto cnn = load_fixture("small_cnn");
  const auto& nbt = cnn.weights.at("b1.num_batches_tracked");
  CHECK(nbt.dtype() == aotc::DType::Int64);
  CHECK(nbt.shape().empty());
  CHECK(nbt.get_int(0) == 0);
  const auto& rv = cnn.weights.at("b1.running_var");
  for (int64_t i = 0; i < rv.numel(); ++i) CHECK(rv.get(i) == 1.0);
  const auto& c2 = cnn.weights.at("c2.weight");
  CHECK(c2.shape() == std::vector<int64_t>{32, 16, 3, 3});
  CHECK(c2.get(0) == Approx(0.0592594072).epsilon(1e-7));
  CHECK(c2.get(c2.numel() - 1) == Approx(0.0567058027).epsilon(1e-7));

  auto resnet = load_fixture("resnet18");
  CHECK(resnet.weights.at("conv1.weight").shape() == std::vector<int64_t>{64, 3, 7, 7});
  CHECK(resnet.weights.at("conv1.weight").get(0) == Approx(0.0107318591).epsilon(1e-7));
  CHECK(resnet.weights.at("fc.bias").get(999) == Approx(0.0119507285).epsilon(1e-7));
  CHECK(resnet.weights.at("bn1.running_mean").get(63) == 0.0);
}

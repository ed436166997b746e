// aotc inspect FILE: what an exported program or an aotc package holds.
#include <cstdio>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "Commands.h"
#include "ProgramInfo.h"
#include "aotc/runtime.hpp"
#include "codegen/Lowering.h"
#include "frontend/Importer.h"
#include "ir/DType.h"
#include "ir/Printer.h"
#include "passes/Pipeline.h"

namespace aotc::cli {
namespace {

using json = nlohmann::ordered_json;

struct InspectArgs {
  std::string input;
  std::string weights;
  std::string name;
  bool as_json = false;
  bool ir = false;
  bool optimized = false;
  bool kernels = false;
};

std::string dim_text(const schema::SymInt& s) {
  if (s.is_int()) return std::to_string(s.as_int());
  auto e = parse_sym_expr(s.as_expr().expr_str);
  return e ? e->to_string() : s.as_expr().expr_str;
}

json tensor_json(const std::string& name, const schema::TensorMeta& m) {
  json j;
  j["name"] = name;
  auto d = dtype_from_export_code(m.dtype);
  j["dtype"] = d ? std::string(dtype_name(*d)) : fmt::format("code {}", m.dtype);
  j["shape"] = json::array();
  for (const auto& s : m.sizes) j["shape"].push_back(dim_text(s));
  return j;
}

std::string tensor_text(const json& t) {
  std::string shape;
  for (size_t i = 0; i < t["shape"].size(); ++i) shape += (i ? ", " : "") + t["shape"][i].get<std::string>();
  return fmt::format("{}: {}[{}]", t["name"].get<std::string>(), t["dtype"].get<std::string>(), shape);
}

json program_json(const ProgramSource& src) {
  const auto& ep = src.program;
  const auto& g = ep.graph_module.graph;
  json j;
  j["kind"] = "exported_program";
  j["file"] = src.path;
  j["schema_version"] = fmt::format("{}.{}", ep.schema_version.major, ep.schema_version.minor);
  j["torch_version"] = ep.torch_version;
  j["dialect"] = ep.verifiers.empty() ? "ATEN" : ep.verifiers[0];
  auto meta = [&](const std::string& name) -> const schema::TensorMeta* {
    auto it = g.tensor_values.find(name);
    return it == g.tensor_values.end() ? nullptr : &it->second;
  };
  j["inputs"] = json::array();
  j["weights"] = json::object();
  std::map<std::string, std::pair<int64_t, int64_t>> by_dtype;  // dtype -> (count, bytes)
  int64_t weight_count = 0, weight_bytes = 0;
  for (const auto& spec : ep.graph_module.signature.input_specs) {
    if (spec.kind == schema::InputSpec::Kind::kUserInput && spec.arg.kind == schema::Argument::Kind::kTensor) {
      if (auto* m = meta(spec.arg.tensors[0].name)) j["inputs"].push_back(tensor_json(spec.arg.tensors[0].name, *m));
    } else if (spec.kind == schema::InputSpec::Kind::kParameter || spec.kind == schema::InputSpec::Kind::kBuffer ||
               spec.kind == schema::InputSpec::Kind::kTensorConstant) {
      const auto* m = meta(spec.arg.tensors.at(0).name);
      if (!m) continue;
      auto d = dtype_from_export_code(m->dtype);
      int64_t n = 1;
      for (const auto& s : m->sizes) n *= s.is_int() ? s.as_int() : 0;
      int64_t bytes = n * static_cast<int64_t>(d ? dtype_size(*d) : 0);
      std::string dn = d ? std::string(dtype_name(*d)) : "?";
      by_dtype[dn].first += 1;
      by_dtype[dn].second += bytes;
      weight_count += 1;
      weight_bytes += bytes;
    }
  }
  j["outputs"] = json::array();
  for (size_t i = 0; i < ep.graph_module.signature.output_specs.size(); ++i) {
    const auto& spec = ep.graph_module.signature.output_specs[i];
    if (spec.kind != schema::OutputSpec::Kind::kUserOutput || spec.arg.kind != schema::Argument::Kind::kTensor) continue;
    if (auto* m = meta(spec.arg.tensors[0].name)) j["outputs"].push_back(tensor_json(spec.arg.tensors[0].name, *m));
  }
  j["symbols"] = json::array();
  for (const auto& [name, rc] : ep.range_constraints) {
    json s;
    s["name"] = name;
    s["min"] = rc.min_val ? json(*rc.min_val) : json(nullptr);
    s["max"] = rc.max_val ? json(*rc.max_val) : json(nullptr);
    j["symbols"].push_back(s);
  }
  std::map<std::string, int> ops;
  for (const auto& n : g.nodes) ops[normalize_target(n.target)] += 1;
  j["nodes"] = g.nodes.size();
  j["ops"] = json::object();
  for (const auto& [op, count] : ops) j["ops"][op] = count;
  j["weights"]["count"] = weight_count;
  j["weights"]["bytes"] = weight_bytes;
  j["weights"]["by_dtype"] = json::object();
  for (const auto& [d, cb] : by_dtype) j["weights"]["by_dtype"][d] = {{"count", cb.first}, {"bytes", cb.second}};
  return j;
}

void print_program(const json& j) {
  std::printf("%s: torch.export program (schema %s, torch %s, %s dialect)\n", j["file"].get<std::string>().c_str(),
              j["schema_version"].get<std::string>().c_str(), j["torch_version"].get<std::string>().c_str(),
              j["dialect"].get<std::string>().c_str());
  std::printf("inputs:\n");
  for (const auto& t : j["inputs"]) std::printf("  %s\n", tensor_text(t).c_str());
  std::printf("outputs:\n");
  for (const auto& t : j["outputs"]) std::printf("  %s\n", tensor_text(t).c_str());
  if (!j["symbols"].empty()) {
    std::printf("symbols:\n");
    for (const auto& s : j["symbols"])
      std::printf("  %s in [%s, %s]\n", s["name"].get<std::string>().c_str(),
                  s["min"].is_null() ? "-inf" : std::to_string(s["min"].get<int64_t>()).c_str(),
                  s["max"].is_null() ? "inf" : std::to_string(s["max"].get<int64_t>()).c_str());
  }
  std::printf("ops (%d nodes):\n", j["nodes"].get<int>());
  for (const auto& [op, count] : j["ops"].items()) std::printf("  %-48s %d\n", op.c_str(), count.get<int>());
  std::printf("weights: %lld tensors, %.3f MB\n", static_cast<long long>(j["weights"]["count"].get<int64_t>()),
              j["weights"]["bytes"].get<int64_t>() / 1e6);
  for (const auto& [d, cb] : j["weights"]["by_dtype"].items())
    std::printf("  %-10s %lld tensors, %.3f MB\n", d.c_str(), static_cast<long long>(cb["count"].get<int64_t>()),
                cb["bytes"].get<int64_t>() / 1e6);
}

int inspect_ir(const InspectArgs& a, const ProgramSource& src) {
  if (!src.loaded)
    return report(make_error(ErrorCode::kUsage, "{}: --ir needs the weights; pass --weights", a.input));
  auto graph = import_program(*src.loaded);
  if (!graph) return report(graph.error());
  if (a.optimized || a.kernels) {
    auto r = run_pipeline(**graph);
    if (!r) return report(r.error());
  }
  if (a.kernels) {
    auto kg = codegen::lower_graph(**graph);
    if (!kg) return report(kg.error());
    std::printf("%s", codegen::print_kernel_graph(*kg).c_str());
    return 0;
  }
  std::printf("%s", print_graph(**graph).c_str());
  return 0;
}

int inspect_package(const InspectArgs& a) {
  std::string text;
  try {
    text = aotc::read_package_manifest(a.input);
  } catch (const aotc::RuntimeError& e) {
    return report(make_error(ErrorCode::kInvalidInput, "{}", e.what()));
  }
  json manifest = json::parse(text, nullptr, false);
  if (manifest.is_discarded())
    return report(make_error(ErrorCode::kInvalidInput, "{}: the package manifest is not valid JSON", a.input));
  if (a.as_json) {
    std::printf("%s\n", manifest.dump(2).c_str());
    return 0;
  }
  std::printf("%s: aotc package (format %s %s, aotc %s)\n", a.input.c_str(),
              manifest.value("format", std::string("?")).c_str(), manifest.value("format_version", json(0)).dump().c_str(),
              manifest.value("aotc_version", std::string("?")).c_str());
  for (const auto& m : manifest.value("models", json::array())) {
    std::printf("model '%s': target %s", m.value("name", std::string("?")).c_str(),
                m.value("target", std::string("?")).c_str());
    if (m.contains("archs") && !m["archs"].empty()) std::printf(" (%s)", m["archs"].dump().c_str());
    std::printf("\n  inputs:\n");
    for (const auto& t : m.value("inputs", json::array())) std::printf("    %s\n", tensor_text(t).c_str());
    std::printf("  outputs:\n");
    for (const auto& t : m.value("outputs", json::array())) std::printf("    %s\n", tensor_text(t).c_str());
    if (m.contains("symbols") && !m["symbols"].empty()) {
      std::printf("  symbols:\n");
      for (const auto& s : m["symbols"])
        std::printf("    %s in [%s, %s]\n", s["name"].get<std::string>().c_str(),
                    s["min"].is_null() ? "-inf" : s["min"].dump().c_str(),
                    s["max"].is_null() ? "inf" : s["max"].dump().c_str());
    }
    if (m.contains("kernels")) {
      std::printf("  kernels (%zu):\n", m["kernels"].size());
      for (const auto& k : m["kernels"]) {
        std::printf("    %-12s %-44s %s\n", k.value("op", std::string()).c_str(),
                    k.value("kernel", std::string()).c_str(), k.value("node", std::string()).c_str());
        if (k.contains("details") && k["details"].is_object()) {
          const std::string reason = k["details"].value("reason", std::string());
          if (!reason.empty()) std::printf("                 why: %s\n", reason.c_str());
        }
      }
    }
    if (m.contains("files")) {
      std::printf("  files:\n");
      for (const auto& [role, f] : m["files"].items()) {
        if (!f.is_object()) continue;
        std::printf("    %-10s %-40s %10.3f MB\n", role.c_str(), f.value("name", std::string()).c_str(),
                    f.value("size", json(0)).get<double>() / 1e6);
      }
    }
  }
  return 0;
}

int run_inspect(const InspectArgs& a) {
  if (is_aotc_package(a.input)) return inspect_package(a);
  auto src = read_program_source(a.input, a.weights, a.name);
  if (!src) return report(src.error());
  if (a.ir || a.optimized || a.kernels) return inspect_ir(a, *src);
  json j = program_json(*src);
  if (a.as_json) {
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  print_program(j);
  return 0;
}

}  // namespace

void add_inspect(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* c = app.add_subcommand("inspect", "Show what an exported program or an aotc package holds");
  c->add_option("file", args->input, "torch.export .pt2 / model.json, or an aotc package")->required();
  c->add_option("--weights", args->weights, "weights for a model.json (needed by --ir)");
  c->add_option("--name", args->name, "program name in the archive (default: model)");
  c->add_flag("--json", args->as_json, "print one JSON object for machines");
  c->add_flag("--ir", args->ir, "print the graph IR after import");
  c->add_flag("--optimized", args->optimized, "print the graph IR after the passes");
  c->add_flag("--kernels", args->kernels, "print the kernel program (fusion, buffers, memory plan)");
  c->callback([args] { exit_code() = run_inspect(*args); });
}

}  // namespace aotc::cli

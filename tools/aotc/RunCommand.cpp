// aotc run PKG --input a.npy ... [--output-dir DIR]: load, run, write outputs.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "Commands.h"
#include "RunSupport.h"

namespace aotc::cli {
namespace {

struct RunArgs {
  ModelArgs model;
  std::vector<std::string> inputs;
  std::string output_dir = ".";
  std::string bf16_npy = "float32";
};

int run_run(const RunArgs& a) {
  auto model = load_model(a.model);
  if (!model) return report(model.error());
  size_t expected = model->inputs().size();
  if (a.inputs.size() != expected)
    return report(make_error(ErrorCode::kUsage, "{}: the model takes {} inputs, {} --input given", a.model.package,
                             expected, a.inputs.size()));
  std::vector<aotc::Tensor> inputs;
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    auto t = read_input(*model, i, a.inputs[i]);
    if (!t) return report(t.error());
    inputs.push_back(std::move(*t));
  }
  std::vector<aotc::Tensor> outputs;
  try {
    outputs = model->run(inputs);
  } catch (const aotc::RuntimeError& e) {
    return report(make_error(ErrorCode::kRuntime, "{}", e.what()));
  }
  std::error_code ec;
  std::filesystem::create_directories(a.output_dir, ec);
  if (ec) return report(make_error(ErrorCode::kIo, "cannot create {}: {}", a.output_dir, ec.message()));
  aotc::NpyOptions o;
  o.bf16_as_float32 = a.bf16_npy == "float32";
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string path = (std::filesystem::path(a.output_dir) / fmt::format("output_{}.npy", i)).string();
    try {
      aotc::save_npy(path, outputs[i], o);
    } catch (const aotc::RuntimeError& e) {
      return report(make_error(ErrorCode::kIo, "{}: {}", path, e.what()));
    }
    std::string shape;
    for (int64_t d : outputs[i].sizes()) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    std::printf("%s: %s[%s]\n", path.c_str(), aotc::scalar_type_name(outputs[i].dtype()).c_str(), shape.c_str());
  }
  return 0;
}

}  // namespace

void add_run(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* c = app.add_subcommand("run", "Run a package on .npy inputs; writes output_0.npy, output_1.npy, ...");
  c->add_option("package", args->model.package, "the aotc package (.pt2)")->required();
  c->add_option("-i,--input", args->inputs, "an input .npy, in the model's input order (repeat)");
  c->add_option("--output-dir", args->output_dir, "where output_<i>.npy go (default: .)");
  c->add_option("--device", args->model.device, "cpu or cuda:N (default: the package's target)");
  c->add_option("--name", args->model.name, "model name in the package (default: model)");
  c->add_option("--bf16-npy", args->bf16_npy, "how bfloat16 outputs are stored: float32 values or uint16 bits")
      ->check(CLI::IsMember({"float32", "uint16"}));
  c->callback([args] { exit_code() = run_run(*args); });
}

}  // namespace aotc::cli

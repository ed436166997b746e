// aotc bench PKG (--input a.npy ... | --shape x=8x10 ...): load time, first
// run, and per-call latency percentiles.
//
// A CUDA model is measured as a GPU user runs it: inputs copied to the device
// once, outputs left there, and each timed call ends when the stream has
// finished (so a call's time is its launch plus its GPU time). CUDA graphs
// are the model's default (captured once a run repeats, so the timed runs
// replay one); --cuda-graph captures from the first run, --no-cuda-graph
// launches kernel by kernel.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "Commands.h"
#include "RunSupport.h"

namespace aotc::cli {
namespace {

struct BenchArgs {
  ModelArgs model;
  std::vector<std::string> inputs;
  std::vector<std::string> shapes;
  int warmup = 10;
  int iters = 100;
  bool as_json = false;
};

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// Whether the package's model `name` targets CUDA (false when the package
// cannot be read: loading it reports why).
bool package_targets_cuda(const std::string& path, const std::string& name) {
  try {
    const auto manifest = nlohmann::json::parse(aotc::read_package_manifest(path));
    for (const auto& m : manifest.at("models"))
      if (m.value("name", "") == name) return m.value("target", "") == "cuda";
  } catch (const std::exception&) {
  }
  return false;
}

int32_t cuda_device_index(const std::string& device) {
  const auto colon = device.find(':');
  return colon == std::string::npos ? 0 : static_cast<int32_t>(std::atoi(device.c_str() + colon + 1));
}

int run_bench(const BenchArgs& a) {
  if (!a.inputs.empty() && !a.shapes.empty())
    return report(make_error(ErrorCode::kUsage, "give either --input files or --shape sizes, not both"));
  // A CUDA package: create the device's context first, so that load time is
  // the package's own (context creation is a once-per-process cost, reported
  // apart).
  double cuda_init_ms = 0;
  if (package_targets_cuda(a.model.package, a.model.name) && a.model.device.rfind("cpu", 0) != 0) {
    auto t = std::chrono::steady_clock::now();
    try {
      (void)aotc::Tensor::empty(aotc::ScalarType::Float32, {1}, aotc::Device::cuda(cuda_device_index(a.model.device)));
    } catch (const aotc::RuntimeError& e) {
      return report(make_error(ErrorCode::kRuntime, "{}", e.what()));
    }
    cuda_init_ms = ms_since(t);
  }
  auto t0 = std::chrono::steady_clock::now();
  auto model = load_model(a.model);
  if (!model) return report(model.error());
  double load_ms = ms_since(t0);
  std::vector<aotc::Tensor> inputs;
  if (!a.inputs.empty()) {
    for (size_t i = 0; i < a.inputs.size(); ++i) {
      auto t = read_input(*model, i, a.inputs[i]);
      if (!t) return report(t.error());
      inputs.push_back(std::move(*t));
    }
  } else {
    auto r = random_inputs(*model, a.shapes);
    if (!r) return report(r.error());
    inputs = std::move(*r);
  }
  try {
    const std::string device = model->device();
    const bool cuda = device.rfind("cuda", 0) == 0;
    int32_t cuda_index = 0;
    if (cuda) {
      cuda_index = static_cast<int32_t>(std::stoi(device.substr(device.find(':') + 1)));
      for (auto& t : inputs) t = t.to(aotc::Device::cuda(cuda_index));
    }
    auto call = [&] {
      auto out = model->run(inputs);
      if (cuda) aotc::cuda_synchronize(cuda_index);
    };
    t0 = std::chrono::steady_clock::now();
    call();
    double first_ms = ms_since(t0);
    for (int i = 0; i < a.warmup; ++i) call();
    std::vector<double> times;
    times.reserve(static_cast<size_t>(a.iters));
    for (int i = 0; i < a.iters; ++i) {
      t0 = std::chrono::steady_clock::now();
      call();
      times.push_back(ms_since(t0));
    }
    std::sort(times.begin(), times.end());
    auto pct = [&](double p) { return times[static_cast<size_t>(p * static_cast<double>(times.size() - 1) + 0.5)]; };
    if (a.as_json) {
      std::printf("{\"device\": \"%s\", \"cuda_graph\": \"%s\", \"cuda_init_ms\": %.4f, \"load_ms\": %.4f, \"first_run_ms\": %.4f, \"median_ms\": %.4f, \"p10_ms\": %.4f, "
                  "\"p90_ms\": %.4f, \"iters\": %d}\n",
                  device.c_str(), cuda_graphs_name(a.model.cuda_graphs), cuda_init_ms, load_ms, first_ms, pct(0.5),
                  pct(0.1), pct(0.9), a.iters);
    } else {
      std::printf("%s on %s: load %.2f ms, first run %.3f ms", a.model.package.c_str(), model->device().c_str(),
                  load_ms, first_ms);
      if (cuda) std::printf(" (CUDA context created before: %.1f ms)", cuda_init_ms);
      std::printf("\n");
      std::printf("median %.4f ms, p10 %.4f ms, p90 %.4f ms over %d runs (after %d warm-up)\n", pct(0.5), pct(0.1),
                  pct(0.9), a.iters, a.warmup);
    }
  } catch (const aotc::RuntimeError& e) {
    return report(make_error(ErrorCode::kRuntime, "{}", e.what()));
  }
  return 0;
}

}  // namespace

void add_bench(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* c = app.add_subcommand("bench", "Measure load time, first run and per-call latency of a package");
  c->add_option("package", args->model.package, "the aotc package (.pt2)")->required();
  c->add_option("-i,--input", args->inputs, "an input .npy, in the model's input order (repeat)");
  c->add_option("--shape", args->shapes, "random input of this shape: name=8x10 or 8x10 in input order (repeat)");
  c->add_option("--warmup", args->warmup, "untimed runs before measuring (default 10)")->check(CLI::NonNegativeNumber);
  c->add_option("--iters", args->iters, "timed runs (default 100)")->check(CLI::PositiveNumber);
  c->add_option("--device", args->model.device, "cpu or cuda:N (default: the package's target)");
  c->add_option("--name", args->model.name, "model name in the package (default: model)");
  auto* always = c->add_flag_callback(
      "--cuda-graph", [args] { args->model.cuda_graphs = aotc::LoadOptions::CudaGraphs::kAlways; },
      "cuda: capture the first run as a CUDA graph and replay it (default: once a run repeats)");
  c->add_flag_callback(
       "--no-cuda-graph", [args] { args->model.cuda_graphs = aotc::LoadOptions::CudaGraphs::kNever; },
       "cuda: launch kernel by kernel, no CUDA graphs")
      ->excludes(always);
  c->add_flag("--json", args->as_json, "print one JSON object: device, cuda_graph, cuda_init_ms, load_ms, first_run_ms, median_ms, p10_ms, p90_ms, iters");
  c->callback([args] { exit_code() = run_bench(*args); });
}

}  // namespace aotc::cli

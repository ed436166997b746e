// `aotc compile --autotune` (see Autotune.h).
#include "Autotune.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

#include "RunSupport.h"
#include "aotc/runtime.hpp"
#include "ir/SymExpr.h"

#ifdef AOTC_HAVE_CUDA
#include "CudaDriver.h"
#endif

namespace aotc::cli {
namespace {

namespace fs = std::filesystem;

struct Gpu {
  int arch = 0;
  std::string name;
};

Expected<Gpu> this_gpu() {
#ifdef AOTC_HAVE_CUDA
  std::string why;
  if (!aotc::cuda::driver_available(&why))
    return make_error(ErrorCode::kUsage,
                      "--autotune times kernels on this machine's GPU, and there is none to use: {}. Compile without "
                      "--autotune (the heuristic chooses), or tune on a GPU machine with --autotune --tuning-cache FILE "
                      "and compile here with --tuning-cache FILE",
                      why);
  try {
    CUdevice dev = 0;
    AOTC_CU_CHECK(cuDeviceGet(&dev, 0));
    return Gpu{aotc::cuda::compute_capability(dev), aotc::cuda::device_name(dev)};
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kRuntime, "--autotune: cannot query GPU 0: {}", e.what());
  }
#else
  return make_error(ErrorCode::kUnsupported, "--autotune: this aotc was built without CUDA support");
#endif
}

// A size per symbol: torch.export's example value where it recorded one and
// it is in range, else 8 clamped into the range.
SymbolValues tuning_sizes(const aotc::Model& model, const std::map<std::string, int64_t>& hints) {
  SymbolValues values;
  for (const auto& s : model.symbols()) {
    auto h = hints.find(s.name);
    int64_t v = h != hints.end() ? h->second : 8;
    values[s.name] = std::clamp<int64_t>(v, s.min, s.max);
  }
  return values;
}

// "8x10" for each input at these symbol values.
Expected<std::vector<std::string>> input_shapes(const aotc::Model& model, const SymbolValues& values) {
  std::vector<std::string> shapes;
  for (const auto& in : model.inputs()) {
    std::string dims;
    for (const auto& d : in.shape) {
      AOTC_ASSIGN_OR_RETURN(SymExpr e, parse_sym_expr(d));
      auto v = e.evaluate(values);
      if (!v) return make_error(ErrorCode::kInternal, "--autotune: input '{}' dimension '{}' has no value", in.name, d);
      dims += (dims.empty() ? "" : "x") + std::to_string(*v);
    }
    shapes.push_back(in.name + "=" + (dims.empty() ? std::string() : dims));
  }
  return shapes;
}

std::string format_us(float us) { return std::isfinite(us) ? fmt::format("{:.1f} us", us) : "n/a"; }

}  // namespace

Expected<AutotuneSummary> autotune(const std::string& input, const codegen::CompileOptions& base,
                                   codegen::TuningCache& cache, const std::function<void(const std::string&)>& report) {
  const auto started = std::chrono::steady_clock::now();
  if (base.target != "cuda") return make_error(ErrorCode::kUsage, "--autotune applies to --target cuda only");
  AOTC_ASSIGN_OR_RETURN(Gpu gpu, this_gpu());
  AutotuneSummary summary;
  summary.device = gpu.name;
  summary.arch = fmt::format("sm_{}", gpu.arch);
  if (!base.archs.empty() && std::find(base.archs.begin(), base.archs.end(), summary.arch) == base.archs.end())
    report(fmt::format("warning: this GPU is {} ({}), which --arch does not list; the measurements are kept for {} "
                       "and this compile does not use them",
                       summary.arch, gpu.name, summary.arch));

  // The tuning build, in a private folder.
  std::error_code ec;
  const fs::path dir = fs::temp_directory_path(ec) / fmt::format("aotc-tune-{}", ::getpid());
  fs::create_directories(dir, ec);
  if (ec) return make_error(ErrorCode::kIo, "--autotune: cannot create {}: {}", dir.string(), ec.message());
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } cleanup{dir};
  codegen::CompileOptions o = base;
  o.archs = {summary.arch};
  o.tuning_build = true;
  o.tuning = nullptr;
  o.dump_dir.reset();
  report(fmt::format("autotune: compiling every candidate kernel for {} ({})", summary.arch, gpu.name));
  const fs::path package = dir / "tuning.pt2";
  AOTC_ASSIGN_OR_RETURN(codegen::CompileSummary built, codegen::compile_package(input, package, o));
  if (built.tunables.empty()) {
    report("autotune: no GEMM or convolution here has more than one candidate; nothing to measure");
    return summary;
  }

  try {
    aotc::LoadOptions lo;
    lo.model_name = o.model_name.empty() ? "model" : o.model_name;
    lo.device = "cuda:0";
    lo.max_concurrency = 1;
    aotc::Model model = aotc::Model::load(package.string(), lo);
    const SymbolValues sizes = tuning_sizes(model, built.symbol_hints);
    AOTC_ASSIGN_OR_RETURN(std::vector<std::string> shapes, input_shapes(model, sizes));
    AOTC_ASSIGN_OR_RETURN(std::vector<aotc::Tensor> host_inputs, random_inputs(model, shapes));
    std::vector<aotc::Tensor> inputs;
    for (const auto& t : host_inputs) inputs.push_back(t.to(aotc::Device::cuda(0)));
    std::string at;
    for (const auto& [name, v] : sizes) at += fmt::format("{}{}={}", at.empty() ? "" : ", ", name, v);
    report(fmt::format("autotune: timing {} node{} on {}{} (per launch: eager / in a CUDA graph)",
                       built.tunables.size(), built.tunables.size() == 1 ? "" : "s", gpu.name,
                       at.empty() ? "" : " at " + at));

    size_t width = 0;
    for (const auto& t : built.tunables) width = std::max(width, t.candidates.size());
    std::vector<float> times(built.tunables.size() * width, std::numeric_limits<float>::quiet_NaN());
    std::vector<float> graph(times.size(), std::numeric_limits<float>::quiet_NaN());
    std::vector<int32_t> heuristic(built.tunables.size(), -1);
    aotc_tuning table{};
    table.struct_size = sizeof(aotc_tuning);
    table.repeats = 20;
    table.num_nodes = static_cast<uint32_t>(built.tunables.size());
    table.max_candidates = static_cast<uint32_t>(width);
    table.times_us = times.data();
    table.graph_us = graph.data();
    table.heuristic = heuristic.data();
    aotc::detail::check(aotc_model_set_tuning(model.get(), &table));
    std::vector<aotc::Tensor> outputs = model.run(inputs);
    aotc::cuda_synchronize(0);
    aotc::detail::check(aotc_model_set_tuning(model.get(), nullptr));

    for (size_t n = 0; n < built.tunables.size(); ++n) {
      const codegen::TunableNode& node = built.tunables[n];
      codegen::TuningEntry e;
      e.key = node.key;
      e.arch = summary.arch;
      e.device = gpu.name;
      const int h = heuristic[n];
      if (h >= 0 && static_cast<size_t>(h) < node.candidates.size()) e.heuristic = node.candidates[static_cast<size_t>(h)];
      for (size_t c = 0; c < node.candidates.size(); ++c) {
        if (std::isfinite(times[n * width + c])) e.times_us[node.candidates[c]] = times[n * width + c];
        if (std::isfinite(graph[n * width + c])) e.graph_us[node.candidates[c]] = graph[n * width + c];
      }
      // The entry's choice is for both ways of running (--tune-for picks
      // again from the stored times for one of them).
      e.choice = codegen::tuned_pick(e, codegen::TuneFor::kBoth);
      if (e.choice.empty()) {
        report(fmt::format("  {:<28} not measured (no candidate ran)", node.function));
        continue;
      }
      ++summary.nodes;
      auto times_of = [&](const std::string& name) {
        auto t = e.times_us.find(name);
        auto g = e.graph_us.find(name);
        return fmt::format("{} / {}", t == e.times_us.end() ? "n/a" : format_us(static_cast<float>(t->second)),
                           g == e.graph_us.end() ? "n/a" : format_us(static_cast<float>(g->second)));
      };
      const bool changed = !e.heuristic.empty() && e.heuristic != e.choice;
      if (changed) ++summary.changed;
      report(fmt::format("  {:<28} {:<44} {:>22}{}", node.function, e.choice, times_of(e.choice),
                         changed ? fmt::format("   (heuristic {}: {})", e.heuristic, times_of(e.heuristic)) : ""));
      cache.put(std::move(e));
    }
  } catch (const aotc::RuntimeError& e) {
    return make_error(ErrorCode::kRuntime, "--autotune: running the tuning build failed: {}", e.what());
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace aotc::cli

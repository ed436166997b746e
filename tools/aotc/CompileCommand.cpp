// aotc compile INPUT -o OUT.pt2 [--target cpu|cuda] [--arch sm_80,sm_90] ...
#include <cstdio>

#include <fmt/format.h>

#include <filesystem>

#include "Autotune.h"
#include "Commands.h"
#include "codegen/Compiler.h"

namespace aotc::cli {
namespace {

struct CompileArgs {
  std::string input;
  std::string output;
  std::string target = "cpu";
  std::vector<std::string> archs;
  std::string name;
  std::string weights;
  std::string dump_dir;
  int jobs = 0;
  bool verbose = false;
  bool allow_tf32 = false;
  bool no_cudnn = false;
  bool no_cublaslt = false;
  bool autotune = false;
  std::string tuning_cache;
  std::string tune_for = "both";
};

int run_compile(const CompileArgs& a) {
  codegen::CompileOptions o;
  o.target = a.target;
  o.archs = a.archs;
  o.model_name = a.name;
  if (!a.weights.empty()) o.weights = a.weights;
  if (!a.dump_dir.empty()) o.dump_dir = a.dump_dir;
  o.jobs = a.jobs;
  o.allow_tf32 = a.allow_tf32;
  o.use_cudnn = !a.no_cudnn;
  o.use_cublaslt = !a.no_cublaslt;
  auto say = [](const std::string& msg) { std::fprintf(stderr, "aotc: %s\n", msg.c_str()); };
  if (a.verbose) o.progress = say;
  if ((a.autotune || !a.tuning_cache.empty()) && a.target != "cuda")
    return report(make_error(ErrorCode::kUsage, "--autotune and --tuning-cache apply to --target cuda only"));
  if (a.tune_for != "both" && a.tuning_cache.empty() && !a.autotune)
    return report(make_error(ErrorCode::kUsage, "--tune-for {} picks from tuning measurements: give --tuning-cache FILE "
                             "or --autotune", a.tune_for));
  // The tuning cache: read it (it must exist unless this run makes it), tune, write it back.
  std::shared_ptr<codegen::TuningCache> cache;
  if (!a.tuning_cache.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(a.tuning_cache, ec)) {
      auto loaded = codegen::TuningCache::load(a.tuning_cache);
      if (!loaded) return report(loaded.error());
      cache = std::make_shared<codegen::TuningCache>(std::move(*loaded));
    } else if (!a.autotune) {
      return report(make_error(ErrorCode::kNotFound,
                               "--tuning-cache {}: no such file (make one on a GPU machine with `aotc compile --target "
                               "cuda --autotune --tuning-cache {}`)",
                               a.tuning_cache, a.tuning_cache));
    }
  }
  if (a.autotune) {
    if (!cache) cache = std::make_shared<codegen::TuningCache>();
    auto tuned = autotune(a.input, o, *cache, say);
    if (!tuned) return report(tuned.error());
    say(fmt::format("autotune: {} node{} measured on {} ({}) in {:.1f} s, {} faster than the heuristic's pick",
                    tuned->nodes, tuned->nodes == 1 ? "" : "s", tuned->device, tuned->arch, tuned->seconds,
                    tuned->changed));
    if (!a.tuning_cache.empty()) {
      if (auto st = cache->save(a.tuning_cache); !st) return report(st.error());
      say(fmt::format("autotune: tuning cache {} ({} entr{})", a.tuning_cache, cache->size(),
                      cache->size() == 1 ? "y" : "ies"));
    }
  }
  o.tuning = cache;
  o.tune_for = a.tune_for == "graph" ? codegen::TuneFor::kGraph
               : a.tune_for == "eager" ? codegen::TuneFor::kEager
                                       : codegen::TuneFor::kBoth;
  auto summary = codegen::compile_package(a.input, a.output, o);
  if (!summary) return report(summary.error());
  if (a.verbose) {
    double total = 0;
    for (const auto& p : summary->phases) {
      std::fprintf(stderr, "  %-24s %9.1f ms\n", p.phase.c_str(), p.milliseconds);
      total += p.milliseconds;
    }
    std::fprintf(stderr, "  %-24s %9.1f ms\n", "total", total);
    std::fprintf(stderr, "  %zu kernels, weights %.2f MB, package %.2f MB\n", summary->kernels,
                 summary->weights_bytes / 1e6, summary->package_bytes / 1e6);
  }
  std::printf("%s\n", a.output.c_str());
  return 0;
}

}  // namespace

void add_compile(CLI::App& app) {
  auto args = std::make_shared<CompileArgs>();
  CLI::App* c = app.add_subcommand("compile", "Compile an exported program into a .pt2 package");
  c->add_option("input", args->input, "torch.export .pt2 archive or model.json")->required();
  c->add_option("-o,--output", args->output, "the package to write (.pt2)")->required();
  c->add_option("--target", args->target, "cpu or cuda (cuda needs no GPU to compile)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  c->add_option("--arch", args->archs, "CUDA architectures, comma separated (default: sm_80,sm_90, plus PTX of the highest)")
      ->delimiter(',');
  c->add_option("--name", args->name, "program name in the input archive and the package (default: model)");
  c->add_option("--weights", args->weights,
                "weights for a model.json: a torch.export archive, a weights folder or a .safetensors file");
  c->add_option("--dump-dir", args->dump_dir, "write the IR after each pass, the kernel program and sources here");
  c->add_option("-j,--jobs", args->jobs, "parallel compile jobs (default: all cores)")->check(CLI::NonNegativeNumber);
  c->add_flag("-v,--verbose", args->verbose, "print per-phase timings");
  c->add_flag("--allow-tf32", args->allow_tf32, "cuda: allow TF32 for float32 GEMM and convolution");
  c->add_flag("--no-cudnn", args->no_cudnn,
              "cuda: convolutions use only aotc's own kernels (default: cuDNN where the runtime finds it)");
  c->add_flag("--no-cublaslt", args->no_cublaslt,
              "cuda: GEMMs use only aotc's own kernels (default: cuBLASLt where tuning or the heuristic picks it "
              "and the runtime finds it)");
  c->add_flag("--autotune", args->autotune,
              "cuda: time every candidate kernel of each GEMM/convolution on this machine's GPU and use the fastest "
              "(with --tuning-cache: also keep the results there)");
  c->add_option("--tuning-cache", args->tuning_cache,
                "cuda: tuning cache file (JSON): tuned choices to use; --autotune adds to it");
  c->add_option("--tune-for", args->tune_for,
                "cuda: which runs the tuned choices serve: both (default: never slower either way), graph (CUDA "
                "graph replay: the GPU's time), eager (kernel by kernel, host time included)")
      ->check(CLI::IsMember({"both", "graph", "eager"}));
  c->callback([args] { exit_code() = run_compile(*args); });
}

}  // namespace aotc::cli

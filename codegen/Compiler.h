// The compile driver: input program -> package, the whole pipeline of
// DESIGN.md §2 in order: frontend, import, graph passes, lowering (fusion,
// memory plan, weights layout), code generation, host toolchain (and NVRTC
// for CUDA), package writer. `aotc compile` is a thin layer over this.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codegen/Tuning.h"
#include "support/Status.h"

namespace aotc {
class Graph;
}

namespace aotc::codegen {

struct CompileOptions {
  std::string target = "cpu";       ///< "cpu" or "cuda"
  std::vector<std::string> archs;   ///< cuda: "sm_80", "sm_90"; empty = defaults
  std::string model_name;           ///< name in the input archive and in the package ("model")
  std::optional<std::filesystem::path> weights;
  std::optional<std::filesystem::path> dump_dir;  ///< IR after each pass, kernels, generated sources
  int jobs = 0;                     ///< parallel compile jobs; 0 = all cores
  bool allow_tf32 = false;          ///< cuda: TF32 for float32 GEMM/convolution
  bool use_cudnn = true;            ///< cuda: convolutions through cuDNN where the runtime finds it
  bool use_cublaslt = true;         ///< cuda: GEMMs may call cuBLASLt where the runtime finds it
  /// cuda: tunable nodes take this cache's pick where it has one (Tuning.h).
  /// `aotc compile` fills it from --tuning-cache and --autotune; may be null.
  std::shared_ptr<const TuningCache> tuning;
  /// cuda: which cost the tuned picks minimise (`--tune-for`).
  TuneFor tune_for = TuneFor::kBoth;
  /// cuda: a tuning build (every candidate compiled in, timed in tuning runs;
  /// only the first arch, no PTX). `aotc compile --autotune` makes one.
  bool tuning_build = false;
  /// Progress lines ("compiling host code...") for long steps; may be empty.
  std::function<void(const std::string&)> progress;
};

struct PhaseTiming {
  std::string phase;
  double milliseconds = 0.0;
};

struct CompileSummary {
  std::vector<PhaseTiming> phases;
  bool cache_hit = false;
  uint64_t package_bytes = 0;
  uint64_t weights_bytes = 0;
  size_t kernels = 0;
  std::string library_command;
  std::vector<TunableNode> tunables;  ///< cuda: nodes with more than one candidate
  std::map<std::string, int64_t> symbol_hints;  ///< torch.export's example value of each symbol, where recorded
};

/// Compiles `input` (a torch.export .pt2 or a model.json) into the package `output`.
Expected<CompileSummary> compile_package(const std::filesystem::path& input, const std::filesystem::path& output,
                                         const CompileOptions& options);

/// The same from an imported graph (the passes rewrite it in place): for
/// programs built in code, as tests do for shapes no fixture has.
Expected<CompileSummary> compile_graph(Graph& graph, const std::filesystem::path& output,
                                       const CompileOptions& options);

}  // namespace aotc::codegen

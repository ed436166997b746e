// `aotc compile --autotune`: measure every candidate kernel of each tunable
// node on this machine's GPU and record the fastest in a tuning cache.
//
// How: compile the program once as a tuning build (every candidate compiled
// in, for this GPU's arch only), load it with aotc's runtime, run it once on
// random inputs at torch.export's example sizes with a tuning table set (the
// generated code times each candidate between CUDA events), and turn the
// table into cache entries. The package the user asked for is compiled
// afterwards, from the cache, like any GPU-less compile with --tuning-cache.
#pragma once

#include <functional>
#include <string>

#include "codegen/Compiler.h"
#include "codegen/Tuning.h"
#include "support/Status.h"

namespace aotc::cli {

struct AutotuneSummary {
  size_t nodes = 0;      ///< tunable nodes measured
  size_t changed = 0;    ///< nodes where the measurement beat the heuristic's pick
  std::string device;    ///< "NVIDIA H200"
  std::string arch;      ///< "sm_90"
  double seconds = 0.0;  ///< wall time of the whole tuning
};

/// Tunes `input` compiled with `base` (target cuda) and puts the results into
/// `cache`. `report` receives one line per node and progress lines.
Expected<AutotuneSummary> autotune(const std::string& input, const codegen::CompileOptions& base,
                                   codegen::TuningCache& cache, const std::function<void(const std::string&)>& report);

}  // namespace aotc::cli

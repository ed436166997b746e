// Kernel tuning: what `--autotune` measures and `--tuning-cache` keeps.
//
// A *tunable node* is a GEMM or convolution kernel with more than one
// candidate implementation (tile configurations of aotc's templates, cuDNN).
// Its *key* describes the problem, not the model: operation, dtypes, layouts,
// sizes as expressions of the model's symbols, and each symbol's range and the
// example value (torch.export's hint) it was measured at. Two models with the
// same GEMM share an entry.
//
// The cache is a JSON file (docs/tuning.md):
//
//   {"format": "aotc-tuning-cache", "version": 1,
//    "entries": [{"key": "...", "arch": "sm_90", "device": "NVIDIA H200",
//                 "choice": "gemm_simt_linear<SimtLinearWide>",
//                 "heuristic": "gemm_simt_linear<SimtLinearSmall>",
//                 "times_us": {"gemm_simt_linear<SimtLinearSmall>": 5.1, ...},
//                 "graph_us": {"gemm_simt_linear<SimtLinearSmall>": 3.2, ...}}]}
//
// Entries are unique per (key, arch) and written sorted, so a cache file is
// deterministic and diffs well. A compile uses an entry when its key matches
// and its arch is one the compile builds for (the highest such arch wins,
// since one host program serves them all) and its choice is still a
// candidate; anything else falls back to the heuristic, saying why.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/Status.h"

namespace aotc::codegen {

/// One tunable node of a compiled program (CudaEmitResult::tunables).
struct TunableNode {
  size_t kernel = 0;                    ///< index in KernelGraph::kernels
  std::string function;                 ///< the kernel's function name
  std::string key;                      ///< the problem (see above)
  std::vector<std::string> candidates;  ///< implementation names, in the generated switch's order
};

struct TuningEntry {
  std::string key;
  std::string arch;    ///< "sm_90"
  std::string device;  ///< the GPU it was measured on, for people
  std::string choice;  ///< the fastest candidate
  std::string heuristic;  ///< what the heuristic picked at the measured sizes
  std::map<std::string, double> times_us;  ///< candidate -> mean microseconds per eager launch
  std::map<std::string, double> graph_us;  ///< candidate -> mean microseconds per launch in a CUDA graph
};

/// Which cost a tuned choice minimises: a run launched kernel by kernel
/// (eager, which also pays the host's work per call), a CUDA graph replay
/// (the GPU's time), or the slower of the two (both, the default: never
/// worse either way).
enum class TuneFor { kBoth, kGraph, kEager };
const char* tune_for_name(TuneFor mode);

/// The candidate `entry`'s measurements pick for `mode`: the cheapest, except
/// that the heuristic's pick stays unless another is faster by 5% and 1 us
/// (smaller differences move from one run to the next). Empty when the entry
/// holds no time for that mode.
std::string tuned_pick(const TuningEntry& entry, TuneFor mode);

class TuningCache {
 public:
  /// An empty cache.
  TuningCache() = default;
  /// Reads a cache file; errors name the file and the entry.
  static Expected<TuningCache> load(const std::filesystem::path& path);
  /// Parses cache text (`origin` names it in errors).
  static Expected<TuningCache> parse(const std::string& text, const std::string& origin);
  /// Writes the cache (sorted by key, then arch), replacing the file atomically.
  Status save(const std::filesystem::path& path) const;
  std::string to_json() const;

  /// Adds or replaces the entry for (key, arch).
  void put(TuningEntry entry);
  /// The entry for `key` with the highest arch among `archs` (e.g. {80, 90}).
  const TuningEntry* find(const std::string& key, const std::vector<int>& archs) const;
  size_t size() const { return entries_.size(); }
  const std::map<std::pair<std::string, std::string>, TuningEntry>& entries() const { return entries_; }

 private:
  std::map<std::pair<std::string, std::string>, TuningEntry> entries_;  ///< (key, arch) -> entry
};

}  // namespace aotc::codegen

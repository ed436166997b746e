// The graph pass pipeline (see Pipeline.h).
#include "passes/Pipeline.h"

#include <chrono>

#include "ir/Verifier.h"
#include "passes/EliminateDeadCode.h"
#include "passes/FoldBatchNorm.h"
#include "passes/FoldConstants.h"
#include "passes/SimplifyViews.h"

namespace aotc {

Expected<std::vector<PassRecord>> run_pipeline(Graph& graph, const PipelineOptions& options) {
  struct Entry {
    const char* name;
    std::function<Expected<bool>(Graph&)> run;
    bool enabled;
  };
  const std::vector<Entry> passes = {
      // Drop what no output needs before spending time on it.
      {"eliminate-dead-code", eliminate_dead_code, true},
      // Import leaves chains like view(transpose(view(x))); collapse them so
      // folding and fusion see one step.
      {"simplify-views", simplify_views, true},
      // Needs constant statistics, before constant folding consumes patterns.
      {"fold-batch-norm", fold_batch_norm, true},
      // Weight-only subgraphs (permuted linear weights, casts, BN leftovers).
      {"fold-constants", [](Graph& g) { return fold_constants(g); }, options.fold_constants},
      // Folding can leave identities and chains behind.
      {"simplify-views", simplify_views, true},
      // Remove the weights and nodes the rewrites replaced.
      {"eliminate-dead-code", eliminate_dead_code, true},
  };
  std::vector<PassRecord> records;
  for (const Entry& e : passes) {
    if (!e.enabled) continue;
    auto start = std::chrono::steady_clock::now();
    auto changed = e.run(graph);
    if (!changed) return Error{changed.error().code, std::string("pass ") + e.name + ": " + changed.error().message};
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    records.push_back({e.name, *changed, ms});
    if (options.verify_each_pass) {
      if (auto st = verify(graph); !st)
        return Error{ErrorCode::kInternal, std::string("after pass ") + e.name + ": " + st.error().message};
    }
    if (options.after_pass) options.after_pass(e.name, graph);
  }
  return records;
}

}  // namespace aotc

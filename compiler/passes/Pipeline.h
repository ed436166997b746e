// The graph pass pipeline: one ordered list, one reason per entry.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ir/Graph.h"
#include "support/Status.h"

namespace aotc {

struct PipelineOptions {
  bool fold_constants = true;
  /// Run the IR verifier after every pass (tests and debug builds do).
  bool verify_each_pass = true;
  /// Called after each pass with its name and the graph (for --dump-dir).
  std::function<void(const std::string& pass, const Graph& graph)> after_pass;
};

struct PassRecord {
  std::string name;
  bool changed = false;
  double milliseconds = 0.0;
};

/// Runs the passes in order; returns what each did.
Expected<std::vector<PassRecord>> run_pipeline(Graph& graph, const PipelineOptions& options = {});

}  // namespace aotc

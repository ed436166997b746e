// aotc_eval_bench: per-call time of the reference evaluator on an exported
// program, the baseline of the CPU benchmark (benchmarks/cpu_fixtures.sh).
//
//   aotc_eval_bench PROGRAM.pt2 INPUT.npy... [--iters N]
//
// Prints one JSON object: {"import_ms": ..., "median_ms": ..., "iters": N}.
// A developer tool: not installed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "aotc/runtime.hpp"
#include "eval/Evaluator.h"
#include "frontend/Frontend.h"
#include "frontend/Importer.h"
#include "ir/HostTensor.h"

namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string program;
  std::vector<std::string> inputs;
  int iters = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--iters" && i + 1 < argc) {
      iters = std::max(1, std::atoi(argv[++i]));
    } else if (program.empty()) {
      program = a;
    } else {
      inputs.push_back(a);
    }
  }
  if (program.empty()) {
    std::fprintf(stderr, "usage: aotc_eval_bench PROGRAM.pt2 INPUT.npy... [--iters N]\n");
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto loaded = aotc::load_program(program);
  if (!loaded) {
    std::fprintf(stderr, "aotc_eval_bench: %s\n", loaded.error().message.c_str());
    return 1;
  }
  auto graph = aotc::import_program(*loaded);
  if (!graph) {
    std::fprintf(stderr, "aotc_eval_bench: %s\n", graph.error().message.c_str());
    return 1;
  }
  const double import_ms = ms_since(t0);
  const auto& declared = (*graph)->inputs();
  if (inputs.size() != declared.size()) {
    std::fprintf(stderr, "aotc_eval_bench: the program takes %zu inputs, %zu given\n", declared.size(), inputs.size());
    return 2;
  }
  std::vector<aotc::HostTensor> host;
  try {
    for (size_t i = 0; i < inputs.size(); ++i) {
      // Fixture inputs are float32 .npy files (bfloat16 ones hold exact bf16 values).
      aotc::Tensor t = aotc::load_npy(inputs[i], aotc::ScalarType::Float32);
      host.push_back(aotc::HostTensor::from_bytes(aotc::DType::Float32, t.sizes(), t.data()).to(declared[i]->dtype()));
    }
  } catch (const aotc::RuntimeError& e) {
    std::fprintf(stderr, "aotc_eval_bench: %s\n", e.what());
    return 1;
  }
  std::vector<double> times;
  for (int i = 0; i < iters; ++i) {
    auto t = std::chrono::steady_clock::now();
    auto out = aotc::evaluate(**graph, host);
    if (!out) {
      std::fprintf(stderr, "aotc_eval_bench: %s\n", out.error().message.c_str());
      return 1;
    }
    times.push_back(ms_since(t));
  }
  std::sort(times.begin(), times.end());
  std::printf("{\"import_ms\": %.3f, \"median_ms\": %.4f, \"iters\": %d}\n", import_ms, times[times.size() / 2], iters);
  return 0;
}

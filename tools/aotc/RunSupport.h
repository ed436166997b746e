// Shared by `run` and `bench`: loading a package and preparing its inputs.
#pragma once

#include <string>
#include <vector>

#include "aotc/runtime.hpp"
#include "support/Status.h"

namespace aotc::cli {

struct ModelArgs {
  std::string package;
  std::string name = "model";
  std::string device;
  uint32_t max_concurrency = 4;
  aotc::LoadOptions::CudaGraphs cuda_graphs = aotc::LoadOptions::CudaGraphs::kAuto;
};

/// "auto", "always", "never".
const char* cuda_graphs_name(aotc::LoadOptions::CudaGraphs mode);

/// Loads a package; runtime errors become user errors.
Expected<aotc::Model> load_model(const ModelArgs& a);

/// Reads `path` as input `index` of `model`: the file's dtype must be the
/// input's, except that a bfloat16 input takes float32 values (rounded) or
/// uint16 bit patterns.
Expected<aotc::Tensor> read_input(const aotc::Model& model, size_t index, const std::string& path);

/// Random inputs from "name=AxBxC" or "AxBxC" shapes (in input order when unnamed).
Expected<std::vector<aotc::Tensor>> random_inputs(const aotc::Model& model, const std::vector<std::string>& shapes);

}  // namespace aotc::cli

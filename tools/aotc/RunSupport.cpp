// Package loading and input preparation for run and bench (see RunSupport.h).
#include "RunSupport.h"

#include <cstring>
#include <random>

#include <fmt/format.h>

namespace aotc::cli {

const char* cuda_graphs_name(aotc::LoadOptions::CudaGraphs mode) {
  switch (mode) {
    case aotc::LoadOptions::CudaGraphs::kAlways:
      return "always";
    case aotc::LoadOptions::CudaGraphs::kNever:
      return "never";
    case aotc::LoadOptions::CudaGraphs::kAuto:
      break;
  }
  return "auto";
}

Expected<aotc::Model> load_model(const ModelArgs& a) {
  try {
    aotc::LoadOptions o;
    o.model_name = a.name;
    o.device = a.device;
    o.max_concurrency = a.max_concurrency;
    o.cuda_graphs = a.cuda_graphs;
    return aotc::Model::load(a.package, o);
  } catch (const aotc::RuntimeError& e) {
    return make_error(ErrorCode::kRuntime, "{}", e.what());
  }
}

Expected<aotc::Tensor> read_input(const aotc::Model& model, size_t index, const std::string& path) {
  auto infos = model.inputs();
  if (index >= infos.size())
    return make_error(ErrorCode::kUsage, "{}: the model takes {} inputs, this is input {}", path, infos.size(), index);
  const auto& info = infos[index];
  try {
    aotc::Tensor t = aotc::load_npy(path);
    if (t.dtype() == info.dtype) return t;
    if (info.dtype == aotc::ScalarType::BFloat16 && t.dtype() == aotc::ScalarType::Float32) {
      aotc::NpyOptions o;
      o.bf16_as_float32 = true;
      return aotc::load_npy(path, aotc::ScalarType::BFloat16, o);
    }
    if (info.dtype == aotc::ScalarType::BFloat16 && t.dtype() == aotc::ScalarType::Int16)
      return aotc::load_npy(path, aotc::ScalarType::BFloat16);
    return make_error(ErrorCode::kInvalidInput, "input {} '{}': {} holds {}, the model expects {}", index, info.name,
                      path, aotc::scalar_type_name(t.dtype()), aotc::scalar_type_name(info.dtype));
  } catch (const aotc::RuntimeError& e) {
    return make_error(ErrorCode::kInvalidInput, "input {} '{}': {}", index, info.name, e.what());
  }
}

Expected<std::vector<aotc::Tensor>> random_inputs(const aotc::Model& model, const std::vector<std::string>& shapes) {
  auto infos = model.inputs();
  std::vector<std::vector<int64_t>> sizes(infos.size());
  std::vector<bool> given(infos.size(), false);
  size_t positional = 0;
  for (const auto& s : shapes) {
    std::string name, dims = s;
    if (auto eq = s.find('='); eq != std::string::npos) {
      name = s.substr(0, eq);
      dims = s.substr(eq + 1);
    }
    size_t index = positional;
    if (!name.empty()) {
      index = infos.size();
      for (size_t i = 0; i < infos.size(); ++i)
        if (infos[i].name == name) index = i;
      if (index == infos.size()) return make_error(ErrorCode::kUsage, "--shape {}: the model has no input '{}'", s, name);
    } else {
      ++positional;
    }
    if (index >= infos.size()) return make_error(ErrorCode::kUsage, "--shape {}: more shapes than inputs", s);
    size_t start = 0;
    while (start <= dims.size()) {
      size_t x = dims.find('x', start);
      std::string part = dims.substr(start, x == std::string::npos ? std::string::npos : x - start);
      char* end = nullptr;
      long long v = std::strtoll(part.c_str(), &end, 10);
      if (part.empty() || *end != '\0' || v < 0)
        return make_error(ErrorCode::kUsage, "--shape {}: '{}' is not a size (write e.g. x=8x10)", s, part);
      sizes[index].push_back(v);
      if (x == std::string::npos) break;
      start = x + 1;
    }
    given[index] = true;
  }
  std::vector<aotc::Tensor> out;
  std::mt19937 rng(1234);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (size_t i = 0; i < infos.size(); ++i) {
    if (!given[i]) {
      // A fully static input needs no --shape.
      std::vector<int64_t> s;
      for (const auto& d : infos[i].shape) {
        char* end = nullptr;
        long long v = std::strtoll(d.c_str(), &end, 10);
        if (d.empty() || *end != '\0')
          return make_error(ErrorCode::kUsage, "input {} '{}' has a dynamic shape [{}]; give it with --shape {}=...", i,
                            infos[i].name, fmt::join(infos[i].shape, ", "), infos[i].name);
        s.push_back(v);
      }
      sizes[i] = s;
    }
    aotc::Tensor t = aotc::Tensor::empty(infos[i].dtype, sizes[i]);
    unsigned char* p = static_cast<unsigned char*>(t.data());
    const int64_t n = t.numel();
    for (int64_t k = 0; k < n; ++k) {
      float v = normal(rng);
      switch (infos[i].dtype) {
        case aotc::ScalarType::Float32: std::memcpy(p + 4 * k, &v, 4); break;
        case aotc::ScalarType::Float64: { double d = v; std::memcpy(p + 8 * k, &d, 8); break; }
        case aotc::ScalarType::BFloat16:
        case aotc::ScalarType::Float16: {
          uint32_t u;
          std::memcpy(&u, &v, 4);
          uint16_t h = infos[i].dtype == aotc::ScalarType::BFloat16 ? static_cast<uint16_t>(u >> 16) : 0x3c00;  // 1.0 in fp16
          std::memcpy(p + 2 * k, &h, 2);
          break;
        }
        case aotc::ScalarType::Int64: { int64_t x = static_cast<int64_t>(k % 7); std::memcpy(p + 8 * k, &x, 8); break; }
        case aotc::ScalarType::Int32: { int32_t x = static_cast<int32_t>(k % 7); std::memcpy(p + 4 * k, &x, 4); break; }
        default: p[static_cast<size_t>(k) * aotc::scalar_type_size(infos[i].dtype)] = static_cast<unsigned char>(k & 1); break;
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace aotc::cli

// Compiling fixtures for CUDA in tests without a GPU, and reading what came
// out: the manifest's kernel choices and the generated sources.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "E2eSupport.h"
#include "aotc/runtime.hpp"
#include "codegen/Compiler.h"
#include "codegen/Tuning.h"
#include "Npy.h"

namespace aotc::e2e {

/// node -> the manifest's kernel entry.
inline std::map<std::string, nlohmann::json> kernels_of(const std::filesystem::path& package) {
  auto manifest = nlohmann::json::parse(aotc::read_package_manifest(package.string()));
  std::map<std::string, nlohmann::json> out;
  for (const auto& k : manifest["models"][0]["kernels"]) out[k["node"]] = k;
  return out;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// Occurrences of `what` in `text`.
inline size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

struct Compiled {
  codegen::CompileSummary summary;
  std::map<std::string, nlohmann::json> kernels;
  std::string wrapper, device;
  nlohmann::json manifest;
};

/// Compiles fixture `model` for CUDA into scratch_dir()/<name>.pt2, with the
/// generated sources dumped beside it; `tweak` adjusts the options.
inline Compiled compile_cuda(const std::string& model, const std::string& name,
                             const std::function<void(codegen::CompileOptions&)>& tweak = {}) {
  codegen::CompileOptions o;
  o.target = "cuda";
  o.archs = {"sm_90"};
  o.dump_dir = scratch_dir() / ("dump_" + name);
  if (tweak) tweak(o);
  auto out = scratch_dir() / (name + ".pt2");
  auto r = codegen::compile_package(testing::fixture(model + "/model.pt2"), out, o);
  if (!r) FAIL(r.error().message);
  return {*r, kernels_of(out), read_text(*o.dump_dir / "wrapper.cpp"), read_text(*o.dump_dir / "device.cu"),
          nlohmann::json::parse(aotc::read_package_manifest(out.string()))};
}

}  // namespace aotc::e2e

// NvrtcCompile: see NvrtcCompile.h.
#include "NvrtcCompile.h"

#include <nvrtc.h>

#include <chrono>
#include <regex>

#include "CudaTemplates.h"

namespace aotc::cuda_test {
namespace {

std::string base_name(std::string_view path) {
  const size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string result_text(nvrtcResult r) {
  return nvrtcGetErrorString(r);
}

}  // namespace

NvrtcOutput nvrtc_compile(const std::string& source, const std::string& name,
                          const std::string& target, bool ptxas_verbose) {
  NvrtcOutput out;
  std::vector<std::string> header_names, header_sources;
  for (std::string_view file : aotc::cuda_templates::embedded_file_names()) {
    header_names.push_back(base_name(file));
    header_sources.emplace_back(aotc::cuda_templates::embedded_file(file));
  }
  std::vector<const char*> names, sources;
  for (size_t i = 0; i < header_names.size(); ++i) {
    names.push_back(header_names[i].c_str());
    sources.push_back(header_sources[i].c_str());
  }

  nvrtcProgram prog = nullptr;
  nvrtcResult r = nvrtcCreateProgram(&prog, source.c_str(), name.c_str(),
                                     static_cast<int>(names.size()), sources.data(), names.data());
  if (r != NVRTC_SUCCESS) {
    out.log = "nvrtcCreateProgram failed: " + result_text(r);
    return out;
  }
  const bool cubin = target.rfind("sm_", 0) == 0;
  std::vector<std::string> options = {"-arch=" + target, "-std=c++17"};
  if (ptxas_verbose && cubin) options.push_back("-Xptxas=-v");
  std::vector<const char*> option_ptrs;
  for (const std::string& o : options) option_ptrs.push_back(o.c_str());

  const auto t0 = std::chrono::steady_clock::now();
  r = nvrtcCompileProgram(prog, static_cast<int>(option_ptrs.size()), option_ptrs.data());
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  size_t log_size = 0;
  if (nvrtcGetProgramLogSize(prog, &log_size) == NVRTC_SUCCESS && log_size > 1) {
    out.log.resize(log_size);
    nvrtcGetProgramLog(prog, out.log.data());
    out.log.resize(log_size - 1);
  }
  if (r != NVRTC_SUCCESS) {
    out.log = "nvrtcCompileProgram (" + target + "): " + result_text(r) + "\n" + out.log;
    nvrtcDestroyProgram(&prog);
    return out;
  }
  size_t size = 0;
  if (cubin) {
    r = nvrtcGetCUBINSize(prog, &size);
    if (r == NVRTC_SUCCESS) {
      out.image.resize(size);
      r = nvrtcGetCUBIN(prog, out.image.data());
    }
  } else {
    r = nvrtcGetPTXSize(prog, &size);
    if (r == NVRTC_SUCCESS) {
      out.image.resize(size);
      r = nvrtcGetPTX(prog, out.image.data());
    }
  }
  nvrtcDestroyProgram(&prog);
  if (r != NVRTC_SUCCESS) {
    out.log += "\nretrieving the image failed: " + result_text(r);
    return out;
  }
  out.ok = true;
  return out;
}

std::string nvrtc_version() {
  int major = 0, minor = 0;
  if (nvrtcVersion(&major, &minor) != NVRTC_SUCCESS) return "unknown";
  return std::to_string(major) + "." + std::to_string(minor);
}

std::vector<int> nvrtc_supported_archs() {
  int count = 0;
  if (nvrtcGetNumSupportedArchs(&count) != NVRTC_SUCCESS || count <= 0) return {};
  std::vector<int> archs(static_cast<size_t>(count));
  if (nvrtcGetSupportedArchs(archs.data()) != NVRTC_SUCCESS) return {};
  return archs;
}

int ptxas_spill_bytes(const std::string& log) {
  static const std::regex spill(R"((\d+) bytes spill stores)");
  int total = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), spill); it != std::sregex_iterator();
       ++it)
    total += std::stoi((*it)[1].str());
  return total;
}

}  // namespace aotc::cuda_test

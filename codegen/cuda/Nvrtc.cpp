// NVRTC through dlopen (see Nvrtc.h). nvrtc.h supplies the types and
// prototypes only; nothing links libnvrtc.
#include "codegen/cuda/Nvrtc.h"

#include <dlfcn.h>

#include <chrono>
#include <cstdlib>
#include <mutex>

#include <fmt/format.h>
#include <nvrtc.h>

namespace aotc::codegen {
namespace {

struct Api {
  void* lib = nullptr;
  std::string error;
  decltype(&nvrtcVersion) version = nullptr;
  decltype(&nvrtcGetErrorString) error_string = nullptr;
  decltype(&nvrtcCreateProgram) create = nullptr;
  decltype(&nvrtcDestroyProgram) destroy = nullptr;
  decltype(&nvrtcCompileProgram) compile = nullptr;
  decltype(&nvrtcGetProgramLogSize) log_size = nullptr;
  decltype(&nvrtcGetProgramLog) log = nullptr;
  decltype(&nvrtcGetCUBINSize) cubin_size = nullptr;
  decltype(&nvrtcGetCUBIN) cubin = nullptr;
  decltype(&nvrtcGetPTXSize) ptx_size = nullptr;
  decltype(&nvrtcGetPTX) ptx = nullptr;
};

const Api& api() {
  static const Api a = [] {
    Api r;
    std::vector<std::string> candidates = {"libnvrtc.so.13", "libnvrtc.so"};
    for (const char* env : {"CUDA_HOME", "CUDA_PATH"})
      if (const char* v = std::getenv(env); v && *v) candidates.push_back(std::string(v) + "/lib64/libnvrtc.so");
    candidates.push_back("/usr/local/cuda/lib64/libnvrtc.so.13");
    candidates.push_back("/usr/local/cuda/lib64/libnvrtc.so");
    for (const auto& c : candidates) {
      r.lib = ::dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (r.lib) break;
    }
    if (!r.lib) {
      r.error = "cannot load NVRTC (libnvrtc.so.13): install the CUDA 13 toolkit or add its lib64 folder to "
                "LD_LIBRARY_PATH; the cuda target compiles device code with it";
      return r;
    }
#define AOTC_NVRTC_LOAD(field, name)                                                    \
  r.field = reinterpret_cast<decltype(r.field)>(::dlsym(r.lib, #name));                 \
  if (!r.field) {                                                                       \
    r.error = std::string("NVRTC lacks ") + #name + "; aotc needs NVRTC from CUDA 12 or 13"; \
    return r;                                                                           \
  }
    AOTC_NVRTC_LOAD(version, nvrtcVersion)
    AOTC_NVRTC_LOAD(error_string, nvrtcGetErrorString)
    AOTC_NVRTC_LOAD(create, nvrtcCreateProgram)
    AOTC_NVRTC_LOAD(destroy, nvrtcDestroyProgram)
    AOTC_NVRTC_LOAD(compile, nvrtcCompileProgram)
    AOTC_NVRTC_LOAD(log_size, nvrtcGetProgramLogSize)
    AOTC_NVRTC_LOAD(log, nvrtcGetProgramLog)
    AOTC_NVRTC_LOAD(cubin_size, nvrtcGetCUBINSize)
    AOTC_NVRTC_LOAD(cubin, nvrtcGetCUBIN)
    AOTC_NVRTC_LOAD(ptx_size, nvrtcGetPTXSize)
    AOTC_NVRTC_LOAD(ptx, nvrtcGetPTX)
#undef AOTC_NVRTC_LOAD
    return r;
  }();
  return a;
}

}  // namespace

Expected<std::string> nvrtc_version() {
  const Api& a = api();
  if (!a.error.empty()) return make_error(ErrorCode::kToolchain, "{}", a.error);
  int major = 0, minor = 0;
  a.version(&major, &minor);
  return fmt::format("{}.{}", major, minor);
}

Expected<NvrtcResult> nvrtc_compile(const std::string& source, const std::string& name,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    const std::string& arch, const std::vector<std::string>& extra_options) {
  const Api& a = api();
  if (!a.error.empty()) return make_error(ErrorCode::kToolchain, "{}", a.error);
  auto start = std::chrono::steady_clock::now();
  std::vector<const char*> header_text, header_names;
  for (const auto& [n, t] : headers) {
    header_names.push_back(n.c_str());
    header_text.push_back(t.c_str());
  }
  nvrtcProgram prog = nullptr;
  nvrtcResult rc = a.create(&prog, source.c_str(), name.c_str(), static_cast<int>(headers.size()), header_text.data(),
                            header_names.data());
  if (rc != NVRTC_SUCCESS)
    return make_error(ErrorCode::kToolchain, "nvrtcCreateProgram for {}: {}", name, a.error_string(rc));
  std::string arch_flag = "-arch=" + arch;
  std::vector<std::string> options = {arch_flag, "-std=c++17", "-default-device", "--dopt=on"};
  options.insert(options.end(), extra_options.begin(), extra_options.end());
  std::vector<const char*> opts;
  for (const auto& o : options) opts.push_back(o.c_str());
  rc = a.compile(prog, static_cast<int>(opts.size()), opts.data());
  NvrtcResult result;
  size_t log_size = 0;
  a.log_size(prog, &log_size);
  if (log_size > 1) {
    result.log.resize(log_size);
    a.log(prog, result.log.data());
    result.log.resize(log_size - 1);
  }
  if (rc != NVRTC_SUCCESS) {
    a.destroy(&prog);
    return make_error(ErrorCode::kToolchain, "NVRTC failed to compile the device code of {} for {}: {}\n{}", name,
                      arch, a.error_string(rc), result.log.substr(0, 12000));
  }
  size_t size = 0;
  const bool ptx = arch.starts_with("compute_");
  rc = ptx ? a.ptx_size(prog, &size) : a.cubin_size(prog, &size);
  if (rc == NVRTC_SUCCESS) {
    result.binary.resize(size);
    rc = ptx ? a.ptx(prog, result.binary.data()) : a.cubin(prog, result.binary.data());
  }
  a.destroy(&prog);
  if (rc != NVRTC_SUCCESS)
    return make_error(ErrorCode::kToolchain, "NVRTC could not return the {} for {}: {}", ptx ? "PTX" : "cubin", arch,
                      a.error_string(rc));
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace aotc::codegen

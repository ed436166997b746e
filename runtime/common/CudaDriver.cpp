// Loading libcuda.so.1 and the checked-call helpers (see CudaDriver.h).
#include "CudaDriver.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace aotc::cuda {
namespace {

#define AOTC_STRINGIZE_INNER_(x) #x
#define AOTC_STRINGIZE_(x) AOTC_STRINGIZE_INNER_(x)

struct LoadResult {
  Driver driver;
  std::string error;  // empty on success
};

LoadResult load_driver() {
  LoadResult r;
  // RTLD_NOLOAD first: inside a process that already uses CUDA (PyTorch), use
  // exactly the library it loaded.
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  if (lib == nullptr) lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    r.error = std::string(
                  "the CUDA driver library libcuda.so.1 cannot be loaded (is the NVIDIA driver "
                  "installed on this machine?): ") +
              (why != nullptr ? why : "unknown dlopen error");
    return r;
  }
  std::string missing;
  // Each function is looked up under the name cuda.h maps it to: the macro
  // argument is expanded before it is stringized.
#define AOTC_CUDA_LOAD_(name)                                                                   \
  r.driver.name = reinterpret_cast<decltype(r.driver.name)>(dlsym(lib, AOTC_STRINGIZE_(name))); \
  if (r.driver.name == nullptr)                                                                 \
    missing += std::string(missing.empty() ? "" : ", ") + AOTC_STRINGIZE_(name);
  AOTC_CUDA_DRIVER_FUNCTIONS(AOTC_CUDA_LOAD_)
#undef AOTC_CUDA_LOAD_
  if (!missing.empty()) {
    r.error = "the CUDA driver (libcuda.so.1) is too old for aotc: it lacks " + missing +
              " (aotc needs a driver for CUDA 11.2 or newer)";
    return r;
  }
  r.driver.cuLaunchKernelEx =
      reinterpret_cast<decltype(r.driver.cuLaunchKernelEx)>(dlsym(lib, AOTC_STRINGIZE_(cuLaunchKernelEx)));
  CUresult result = r.driver.cuInit(0);
  if (result != CUDA_SUCCESS) {
    const char* name = nullptr;
    const char* text = nullptr;
    r.driver.cuGetErrorName(result, &name);
    r.driver.cuGetErrorString(result, &text);
    r.error = std::string("the CUDA driver failed to initialise (cuInit): ") + (name ? name : "?") +
              " (" + (text ? text : "no description") + ")";
    if (result == CUDA_ERROR_NO_DEVICE) r.error += "; this machine has no usable NVIDIA GPU";
    return r;
  }
  r.driver.cuDriverGetVersion(&r.driver.version);
  return r;  // the library stays loaded for the life of the process
}

const LoadResult& loaded() {
  static const LoadResult result = load_driver();
  return result;
}

}  // namespace

const Driver& driver() {
  const LoadResult& r = loaded();
  if (!r.error.empty()) throw CudaError(r.error);
  return r.driver;
}

bool driver_available(std::string* why) {
  const LoadResult& r = loaded();
  if (!r.error.empty() && why != nullptr) *why = r.error;
  return r.error.empty();
}

std::string error_string(CUresult result) {
  const LoadResult& r = loaded();
  const char* name = nullptr;
  const char* text = nullptr;
  if (r.error.empty()) {
    r.driver.cuGetErrorName(result, &name);
    r.driver.cuGetErrorString(result, &text);
  }
  std::string s = name != nullptr ? name : "CUDA error " + std::to_string(static_cast<int>(result));
  if (text != nullptr) s += std::string(" (") + text + ")";
  return s;
}

void throw_error(CUresult result, const char* call, const char* file, int line) {
  throw CudaError(std::string("CUDA driver call ") + call + " failed with " + error_string(result) +
                  " at " + file + ":" + std::to_string(line));
}

int compute_capability(CUdevice device) {
  int major = 0;
  int minor = 0;
  AOTC_CU_CHECK(cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device));
  AOTC_CU_CHECK(cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device));
  return major * 10 + minor;
}

std::string device_name(CUdevice device) {
  char name[256] = {};
  AOTC_CU_CHECK(cuDeviceGetName(name, sizeof(name) - 1, device));
  return name;
}

ScopedContext::ScopedContext(CUcontext context) {
  AOTC_CU_CHECK(cuCtxGetCurrent(&previous_));
  if (previous_ != context) {
    AOTC_CU_CHECK(cuCtxSetCurrent(context));
    changed_ = true;
  }
}

ScopedContext::~ScopedContext() {
  if (changed_) driver().cuCtxSetCurrent(previous_);  // best effort; cannot throw from here
}

}  // namespace aotc::cuda

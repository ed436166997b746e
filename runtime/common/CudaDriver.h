// The CUDA driver API, loaded at run time.
//
// Neither the host runtime nor a model library links libcuda: a machine
// without an NVIDIA driver must still load CPU packages, and a CUDA package on
// such a machine must fail with a sentence, not a loader error. The toolkit's
// cuda.h supplies the types and prototypes only; each function is looked up
// in `libcuda.so.1` by the name cuda.h maps it to (cuMemAlloc ->
// cuMemAlloc_v2, ...), so the table always matches the header's ABI.
//
// Every call goes through AOTC_CU_CHECK, which throws CudaError naming the
// call, the driver's error name and text, and the file and line. Callers at a
// C ABI boundary catch it.
//
// This file is compiled into both libaotc_runtime.so and libaotc_model_rt.a
// (each keeps its own hidden copy).
#pragma once

#include <cuda.h>

#include <stdexcept>
#include <string>

namespace aotc::cuda {

// The driver functions aotc uses. Add one here and it is loaded and
// available as `driver().name`.
#define AOTC_CUDA_DRIVER_FUNCTIONS(X) \
  X(cuGetErrorName)                   \
  X(cuGetErrorString)                 \
  X(cuInit)                           \
  X(cuDriverGetVersion)               \
  X(cuDeviceGetCount)                 \
  X(cuDeviceGet)                      \
  X(cuDeviceGetAttribute)             \
  X(cuDeviceGetName)                  \
  X(cuDevicePrimaryCtxRetain)         \
  X(cuDevicePrimaryCtxRelease)        \
  X(cuCtxGetCurrent)                  \
  X(cuCtxSetCurrent)                  \
  X(cuCtxGetDevice)                   \
  X(cuCtxSynchronize)                 \
  X(cuMemAlloc)                       \
  X(cuMemFree)                        \
  X(cuMemAllocAsync)                  \
  X(cuMemFreeAsync)                   \
  X(cuMemcpyHtoD)                     \
  X(cuMemcpyDtoH)                     \
  X(cuMemcpyHtoDAsync)                \
  X(cuMemcpyDtoHAsync)                \
  X(cuMemcpyDtoDAsync)                \
  X(cuMemsetD8Async)                  \
  X(cuStreamSynchronize)              \
  X(cuStreamCreate)                   \
  X(cuStreamDestroy)                  \
  X(cuStreamBeginCapture)             \
  X(cuStreamIsCapturing)              \
  X(cuStreamEndCapture)               \
  X(cuGraphInstantiateWithFlags)      \
  X(cuGraphLaunch)                    \
  X(cuGraphDestroy)                   \
  X(cuGraphExecDestroy)               \
  X(cuStreamWaitEvent)                \
  X(cuEventCreate)                    \
  X(cuEventDestroy)                   \
  X(cuEventRecord)                    \
  X(cuEventSynchronize)               \
  X(cuEventElapsedTime)               \
  X(cuModuleLoadDataEx)               \
  X(cuModuleUnload)                   \
  X(cuModuleGetFunction)              \
  X(cuModuleGetGlobal)                \
  X(cuFuncSetAttribute)               \
  X(cuLaunchKernel)

/// Function pointers into libcuda.so.1, typed from cuda.h's prototypes.
struct Driver {
#define AOTC_CUDA_DECLARE_(name) decltype(&::name) name = nullptr;
  AOTC_CUDA_DRIVER_FUNCTIONS(AOTC_CUDA_DECLARE_)
#undef AOTC_CUDA_DECLARE_
  /// Optional (CUDA 12.0 drivers and newer; null before): launches with
  /// attributes, for programmatic dependent launch.
  decltype(&::cuLaunchKernelEx) cuLaunchKernelEx = nullptr;
  int version = 0;  ///< cuDriverGetVersion, e.g. 13000
};

/// A failed driver call (or a driver that cannot be loaded).
class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The process's driver, loaded and initialised (cuInit) on first use.
/// Throws CudaError with a sentence the user can act on when libcuda.so.1 is
/// missing, too old, or cuInit fails (no device, driver/kernel mismatch).
const Driver& driver();

/// Whether driver() would succeed; on failure, `*why` says why. Never throws.
bool driver_available(std::string* why);

/// "CUDA_ERROR_OUT_OF_MEMORY (out of memory)".
std::string error_string(CUresult result);

/// Throws CudaError for a failed `call` at file:line.
[[noreturn]] void throw_error(CUresult result, const char* call, const char* file, int line);

/// The device's compute capability as major*10 + minor (e.g. 90).
int compute_capability(CUdevice device);

/// "NVIDIA H100 80GB HBM3".
std::string device_name(CUdevice device);

/// Makes a context current for a scope, and restores the previous one.
class ScopedContext {
 public:
  explicit ScopedContext(CUcontext context);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;

 private:
  CUcontext previous_ = nullptr;
  bool changed_ = false;
};

}  // namespace aotc::cuda

/// Calls a driver function through the loaded table and throws CudaError with
/// the call, error and location if it fails: AOTC_CU_CHECK(cuMemAlloc(&p, n)).
#define AOTC_CU_CHECK(call)                                                       \
  do {                                                                            \
    const CUresult aotc_cu_result_ = ::aotc::cuda::driver().call;                 \
    if (aotc_cu_result_ != CUDA_SUCCESS) [[unlikely]]                             \
      ::aotc::cuda::throw_error(aotc_cu_result_, #call, __FILE_NAME__, __LINE__); \
  } while (0)

// The host runtime's use of CUDA; see CudaHost.h.
#include "CudaHost.h"

#include <mutex>
#include <vector>

#include "CudaDriver.h"
#include "Errors.h"

namespace aotc::rt::cuda_host {
namespace {

using aotc::cuda::driver;

// Primary contexts, retained once per device for the life of the process
// (releasing them while user tensors may still live would invalidate them).
std::mutex g_mu;
std::vector<CUcontext> g_contexts;

// Runs a driver call, turning CudaError into a Failure.
template <typename F>
void checked(F&& f) {
  try {
    f();
  } catch (const aotc::cuda::CudaError& e) {
    fail(AOTC_ERROR_RUNTIME, e.what());
  }
}

CUcontext context(int32_t index) {
  check_device(index);
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_contexts.size() <= static_cast<size_t>(index))
    g_contexts.resize(static_cast<size_t>(index) + 1, nullptr);
  if (g_contexts[index] == nullptr) {
    checked([&] {
      CUdevice dev = 0;
      AOTC_CU_CHECK(cuDeviceGet(&dev, index));
      AOTC_CU_CHECK(cuDevicePrimaryCtxRetain(&g_contexts[index], dev));
    });
  }
  return g_contexts[index];
}

}  // namespace

bool available(std::string* why) {
  if (!aotc::cuda::driver_available(why)) return false;
  int count = 0;
  if (driver().cuDeviceGetCount(&count) != CUDA_SUCCESS || count == 0) {
    if (why != nullptr) *why = "the CUDA driver reports no device";
    return false;
  }
  return true;
}

int32_t current_device() {
  std::string why;
  if (!available(&why)) fail(AOTC_ERROR_UNSUPPORTED, why);
  CUcontext ctx = nullptr;
  CUdevice dev = 0;
  if (driver().cuCtxGetCurrent(&ctx) == CUDA_SUCCESS && ctx != nullptr &&
      driver().cuCtxGetDevice(&dev) == CUDA_SUCCESS) {
    return static_cast<int32_t>(dev);
  }
  return 0;
}

void check_device(int32_t index) {
  std::string why;
  if (!available(&why)) fail(AOTC_ERROR_UNSUPPORTED, why);
  int count = 0;
  checked([&] { AOTC_CU_CHECK(cuDeviceGetCount(&count)); });
  if (index < 0 || index >= count) {
    fail(AOTC_ERROR_INVALID_ARGUMENT, "there is no device cuda:" + std::to_string(index) +
                                          "; this machine has " + std::to_string(count) +
                                          " CUDA device" + (count == 1 ? "" : "s"));
  }
}

Guard::Guard(int32_t device_index) {
  CUcontext ctx = context(device_index);
  checked([&] {
    CUcontext prev = nullptr;
    AOTC_CU_CHECK(cuCtxGetCurrent(&prev));
    previous_ = prev;
    if (prev != ctx) {
      AOTC_CU_CHECK(cuCtxSetCurrent(ctx));
      changed_ = true;
    }
  });
}

Guard::~Guard() {
  if (changed_) driver().cuCtxSetCurrent(static_cast<CUcontext>(previous_));
}

void* alloc(size_t bytes, void* stream, bool* async) {
  CUdeviceptr p = 0;
  if (bytes == 0) bytes = 1;  // a valid, distinct pointer for empty tensors
  const CUresult r = driver().cuMemAllocAsync(&p, bytes, static_cast<CUstream>(stream));
  if (r == CUDA_SUCCESS) {
    *async = true;
    return reinterpret_cast<void*>(p);
  }
  if (r == CUDA_ERROR_OUT_OF_MEMORY) {
    fail(AOTC_ERROR_OUT_OF_MEMORY,
         "out of CUDA memory allocating " + std::to_string(bytes) + " bytes");
  }
  checked([&] { AOTC_CU_CHECK(cuMemAlloc(&p, bytes)); });  // no memory pools on this device
  *async = false;
  return reinterpret_cast<void*>(p);
}

void free(void* ptr, int32_t device_index, void* stream, bool async) noexcept {
  if (ptr == nullptr) return;
  try {
    Guard g(device_index);
    if (async) {
      driver().cuMemFreeAsync(reinterpret_cast<CUdeviceptr>(ptr), static_cast<CUstream>(stream));
    } else {
      driver().cuMemFree(reinterpret_cast<CUdeviceptr>(ptr));
    }
  } catch (...) {  // the driver is gone: nothing left to free
  }
}

void copy_to_device(void* dst, const void* src, size_t bytes, void* stream) {
  if (bytes == 0) return;
  checked([&] {
    AOTC_CU_CHECK(cuMemcpyHtoDAsync(reinterpret_cast<CUdeviceptr>(dst), src, bytes,
                                    static_cast<CUstream>(stream)));
  });
}

void copy_to_host(void* dst, const void* src, size_t bytes, void* stream) {
  if (bytes == 0) return;
  checked([&] {
    AOTC_CU_CHECK(cuMemcpyDtoHAsync(dst, reinterpret_cast<CUdeviceptr>(src), bytes,
                                    static_cast<CUstream>(stream)));
  });
}

void copy_device_to_device(void* dst, const void* src, size_t bytes, void* stream) {
  if (bytes == 0) return;
  checked([&] {
    AOTC_CU_CHECK(cuMemcpyDtoDAsync(reinterpret_cast<CUdeviceptr>(dst),
                                    reinterpret_cast<CUdeviceptr>(src), bytes,
                                    static_cast<CUstream>(stream)));
  });
}

void synchronize(void* stream) {
  checked([&] { AOTC_CU_CHECK(cuStreamSynchronize(static_cast<CUstream>(stream))); });
}

}  // namespace aotc::rt::cuda_host

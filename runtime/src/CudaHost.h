// The host runtime's use of CUDA: device checks, primary contexts, memory
// and copies, through the driver loaded at run time (common/CudaDriver.h).
//
// Built from CudaHost.cpp when the CUDA toolkit's headers are present, else
// from CudaHostStub.cpp (every function fails: "built without CUDA").
// Streams are CUstreams passed as void*; null is the legacy default stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace aotc::rt::cuda_host {

/// Whether this machine can run CUDA models; `*why` says why not. Never throws.
bool available(std::string* why);

/// The device of the calling thread's current context, else 0.
int32_t current_device();

/// Checks that `index` names a device here; throws Failure otherwise.
void check_device(int32_t index);

/// Makes the device's primary context current for a scope.
class Guard {
 public:
  explicit Guard(int32_t device_index);
  ~Guard();
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  void* previous_ = nullptr;
  bool changed_ = false;
};

/// Device memory, stream-ordered on `stream` (cuMemAllocAsync) where the
/// device supports memory pools, else synchronous (`*async` false). Needs a Guard.
void* alloc(size_t bytes, void* stream, bool* async);
/// Frees what alloc returned, on the same terms. Needs the device's context;
/// makes it current itself. Never throws.
void free(void* ptr, int32_t device_index, void* stream, bool async) noexcept;

/// Copies `bytes` between host and device or device and device, enqueued on
/// `stream`. Needs a Guard.
void copy_to_device(void* dst, const void* src, size_t bytes, void* stream);
void copy_to_host(void* dst, const void* src, size_t bytes, void* stream);
void copy_device_to_device(void* dst, const void* src, size_t bytes, void* stream);
void synchronize(void* stream);

}  // namespace aotc::rt::cuda_host

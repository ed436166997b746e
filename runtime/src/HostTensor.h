// The aotc runtime's tensors, and the host tensor table (AotcHostApi) it
// gives model libraries.
//
// One struct serves both: an aotc_tensor* is the C API's tensor handle and,
// cast, the AtenTensorHandle a model library sees. A handle is one counted
// reference: new_tensor_handle adds a reference and returns the same
// pointer, delete_tensor_object drops one. Memory is 64-byte aligned host
// memory, device memory allocated stream-ordered on the stream of the run in
// progress on the allocating thread (freed on that stream), or a user's
// pointer that is never freed (wrapped).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "aotc/model_abi.h"
#include "aotc/runtime.h"

struct aotc_tensor {
  enum class Memory { kWrapped, kHost, kCuda };

  std::atomic<int64_t> refs{1};
  void* data = nullptr;
  int32_t dtype = AOTC_DTYPE_FLOAT32;
  int32_t device_type = AOTC_DEVICE_TYPE_CPU;
  int32_t device_index = 0;
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
  Memory memory = Memory::kWrapped;
  void* stream = nullptr;   // kCuda: the stream it was allocated on
  bool async_free = false;  // kCuda: allocated with cuMemAllocAsync
};

namespace aotc::rt {

/// A new contiguous tensor (or with the given strides); throws Failure.
/// CUDA memory is allocated on `stream`.
aotc_tensor* tensor_empty(int32_t dtype, const std::vector<int64_t>& sizes,
                          const std::vector<int64_t>* strides, int32_t device_type,
                          int32_t device_index, void* stream);
/// A tensor over user memory; throws Failure on bad arguments.
aotc_tensor* tensor_wrap(void* data, int32_t dtype, const std::vector<int64_t>& sizes,
                         const std::vector<int64_t>* strides, int32_t device_type,
                         int32_t device_index);
aotc_tensor* tensor_retain(aotc_tensor* t) noexcept;
void tensor_release(aotc_tensor* t) noexcept;

int64_t numel(const aotc_tensor& t);
bool is_contiguous(const aotc_tensor& t);

/// A contiguous copy on the given device, on `stream` for CUDA: a copy to
/// the host is complete on return; a copy to a device is enqueued (the caller
/// synchronises when it needs the data). Throws Failure.
aotc_tensor* tensor_copy(const aotc_tensor& src, int32_t device_type, int32_t device_index,
                         void* stream);

/// Checks a dtype code and a device, throwing INVALID_ARGUMENT.
void check_dtype(int32_t dtype);
void check_device(int32_t device_type, int32_t device_index);

/// The table handed to model libraries (static storage).
const AotcHostApi& host_api();

/// Sets the stream that host_api().empty_strided allocates on and
/// get_current_cuda_stream returns, on this thread, for a scope (one run).
class RunStreamScope {
 public:
  explicit RunStreamScope(void* stream);
  ~RunStreamScope();
  RunStreamScope(const RunStreamScope&) = delete;
  RunStreamScope& operator=(const RunStreamScope&) = delete;

 private:
  void* previous_;
};

/// Why the host table's last call on this thread failed ("" if none), and
/// clearing it. A model library reports only the code; the runtime appends this.
std::string take_host_error();

}  // namespace aotc::rt

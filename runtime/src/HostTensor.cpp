// The runtime's tensors and host tensor table; see HostTensor.h.
#include "HostTensor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "CudaHost.h"
#include "Errors.h"

namespace aotc::rt {
namespace {

constexpr size_t kHostAlignment = 64;

thread_local void* t_run_stream = nullptr;
thread_local std::string t_host_error;

aotc_tensor* as_tensor(AtenTensorHandle h) {
  return reinterpret_cast<aotc_tensor*>(h);
}
AtenTensorHandle as_handle(aotc_tensor* t) {
  return reinterpret_cast<AtenTensorHandle>(t);
}

std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& sizes) {
  std::vector<int64_t> strides(sizes.size());
  int64_t step = 1;
  for (size_t d = sizes.size(); d-- > 0;) {
    strides[d] = step;
    step *= sizes[d] > 1 ? sizes[d] : 1;
  }
  return strides;
}

// Elements the storage must hold for these sizes and strides.
int64_t storage_elements(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides) {
  int64_t extent = 1;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 0) return 0;
    if (strides[d] < 0) fail(AOTC_ERROR_INVALID_ARGUMENT, "negative strides are not supported");
    extent += (sizes[d] - 1) * strides[d];
  }
  return extent;
}

// Host table functions: C calling convention, no exceptions out.
template <typename Body>
AOTITorchError host_call(Body&& body) noexcept {
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    t_host_error = e.what();
  } catch (...) {
    t_host_error = "unknown exception";
  }
  return 1;
}

AOTITorchError h_get_data_ptr(AtenTensorHandle t, void** ret) {
  *ret = as_tensor(t)->data;
  return 0;
}
AOTITorchError h_get_sizes(AtenTensorHandle t, int64_t** ret) {
  *ret = as_tensor(t)->sizes.data();
  return 0;
}
AOTITorchError h_get_strides(AtenTensorHandle t, int64_t** ret) {
  *ret = as_tensor(t)->strides.data();
  return 0;
}
AOTITorchError h_get_dim(AtenTensorHandle t, int64_t* ret) {
  *ret = static_cast<int64_t>(as_tensor(t)->sizes.size());
  return 0;
}
AOTITorchError h_get_dtype(AtenTensorHandle t, int32_t* ret) {
  *ret = as_tensor(t)->dtype;
  return 0;
}
AOTITorchError h_get_device_type(AtenTensorHandle t, int32_t* ret) {
  *ret = as_tensor(t)->device_type;
  return 0;
}
AOTITorchError h_get_device_index(AtenTensorHandle t, int32_t* ret) {
  *ret = as_tensor(t)->device_index;
  return 0;
}
AOTITorchError h_empty_strided(int64_t ndim, const int64_t* sizes, const int64_t* strides,
                               int32_t dtype, int32_t device_type, int32_t device_index,
                               AtenTensorHandle* ret) {
  return host_call([&] {
    std::vector<int64_t> s(sizes, sizes + ndim);
    std::vector<int64_t> st;
    if (strides != nullptr) st.assign(strides, strides + ndim);
    *ret = as_handle(tensor_empty(dtype, s, strides != nullptr ? &st : nullptr, device_type,
                                  device_index, t_run_stream));
  });
}
AOTITorchError h_delete_tensor_object(AtenTensorHandle t) {
  tensor_release(as_tensor(t));
  return 0;
}
AOTITorchError h_new_tensor_handle(AtenTensorHandle t, AtenTensorHandle* ret) {
  *ret = as_handle(tensor_retain(as_tensor(t)));
  return 0;
}
AOTITorchError h_get_current_cuda_stream(int32_t, void** ret) {
  *ret = t_run_stream;
  return 0;
}

const AotcHostApi kHostApi = [] {
  AotcHostApi api{};
  api.struct_size = sizeof(AotcHostApi);
  api.abi_version = AOTC_MODEL_ABI_VERSION;
  api.get_data_ptr = h_get_data_ptr;
  api.get_sizes = h_get_sizes;
  api.get_strides = h_get_strides;
  api.get_dim = h_get_dim;
  api.get_dtype = h_get_dtype;
  api.get_device_type = h_get_device_type;
  api.get_device_index = h_get_device_index;
  api.empty_strided = h_empty_strided;
  api.delete_tensor_object = h_delete_tensor_object;
  api.new_tensor_handle = h_new_tensor_handle;
  api.get_current_cuda_stream = h_get_current_cuda_stream;
  return api;
}();

}  // namespace

void check_dtype(int32_t dtype) {
  if (aotc_dtype_size(dtype) == 0) {
    fail(AOTC_ERROR_INVALID_ARGUMENT, "unknown or unsupported dtype code " + std::to_string(dtype));
  }
}

void check_device(int32_t device_type, int32_t device_index) {
  if (device_type == AOTC_DEVICE_TYPE_CPU) return;
  if (device_type != AOTC_DEVICE_TYPE_CUDA) {
    fail(AOTC_ERROR_INVALID_ARGUMENT, "unsupported device type " + std::to_string(device_type));
  }
  cuda_host::check_device(device_index);
}

aotc_tensor* tensor_empty(int32_t dtype, const std::vector<int64_t>& sizes,
                          const std::vector<int64_t>* strides, int32_t device_type,
                          int32_t device_index, void* stream) {
  check_dtype(dtype);
  for (int64_t s : sizes) {
    if (s < 0) fail(AOTC_ERROR_INVALID_ARGUMENT, "negative size " + std::to_string(s));
  }
  auto t = std::make_unique<aotc_tensor>();
  t->dtype = dtype;
  t->device_type = device_type;
  t->device_index = device_type == AOTC_DEVICE_TYPE_CPU ? 0 : device_index;
  t->sizes = sizes;
  t->strides = strides != nullptr ? *strides : contiguous_strides(sizes);
  const size_t bytes =
      static_cast<size_t>(storage_elements(t->sizes, t->strides)) * aotc_dtype_size(dtype);
  if (device_type == AOTC_DEVICE_TYPE_CPU) {
    const size_t rounded =
        (std::max<size_t>(bytes, 1) + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
    t->data = std::aligned_alloc(kHostAlignment, rounded);
    if (t->data == nullptr)
      fail(AOTC_ERROR_OUT_OF_MEMORY,
           "out of memory allocating " + std::to_string(bytes) + " bytes");
    t->memory = aotc_tensor::Memory::kHost;
  } else {
    check_device(device_type, device_index);
    cuda_host::Guard g(device_index);
    t->data = cuda_host::alloc(bytes, stream, &t->async_free);
    t->stream = stream;
    t->memory = aotc_tensor::Memory::kCuda;
  }
  return t.release();
}

aotc_tensor* tensor_wrap(void* data, int32_t dtype, const std::vector<int64_t>& sizes,
                         const std::vector<int64_t>* strides, int32_t device_type,
                         int32_t device_index) {
  check_dtype(dtype);
  if (device_type != AOTC_DEVICE_TYPE_CPU && device_type != AOTC_DEVICE_TYPE_CUDA) {
    fail(AOTC_ERROR_INVALID_ARGUMENT, "unsupported device type " + std::to_string(device_type));
  }
  for (int64_t s : sizes) {
    if (s < 0) fail(AOTC_ERROR_INVALID_ARGUMENT, "negative size " + std::to_string(s));
  }
  if (strides != nullptr && strides->size() != sizes.size()) {
    fail(AOTC_ERROR_INVALID_ARGUMENT, "sizes and strides differ in length");
  }
  auto t = std::make_unique<aotc_tensor>();
  t->data = data;
  t->dtype = dtype;
  t->device_type = device_type;
  t->device_index = device_type == AOTC_DEVICE_TYPE_CPU ? 0 : device_index;
  t->sizes = sizes;
  t->strides = strides != nullptr ? *strides : contiguous_strides(sizes);
  storage_elements(t->sizes, t->strides);  // rejects negative strides
  if (data == nullptr && numel(*t) > 0)
    fail(AOTC_ERROR_INVALID_ARGUMENT, "a non-empty tensor needs data");
  t->memory = aotc_tensor::Memory::kWrapped;
  return t.release();
}

aotc_tensor* tensor_retain(aotc_tensor* t) noexcept {
  if (t != nullptr) t->refs.fetch_add(1, std::memory_order_relaxed);
  return t;
}

void tensor_release(aotc_tensor* t) noexcept {
  if (t == nullptr || t->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  switch (t->memory) {
    case aotc_tensor::Memory::kHost:
      std::free(t->data);
      break;
    case aotc_tensor::Memory::kCuda:
      cuda_host::free(t->data, t->device_index, t->stream, t->async_free);
      break;
    case aotc_tensor::Memory::kWrapped:
      break;
  }
  delete t;
}

int64_t numel(const aotc_tensor& t) {
  int64_t n = 1;
  for (int64_t s : t.sizes) n *= s;
  return n;
}

bool is_contiguous(const aotc_tensor& t) {
  int64_t step = 1;
  for (size_t d = t.sizes.size(); d-- > 0;) {
    if (t.sizes[d] == 0) return true;
    if (t.sizes[d] != 1 && t.strides[d] != step) return false;
    step *= t.sizes[d];
  }
  return true;
}

aotc_tensor* tensor_copy(const aotc_tensor& src, int32_t device_type, int32_t device_index,
                         void* stream) {
  const size_t elem = aotc_dtype_size(src.dtype);
  const size_t bytes = static_cast<size_t>(numel(src)) * elem;
  aotc_tensor* dst = tensor_empty(src.dtype, src.sizes, nullptr, device_type, device_index, stream);
  try {
    const bool src_cpu = src.device_type == AOTC_DEVICE_TYPE_CPU;
    const bool dst_cpu = device_type == AOTC_DEVICE_TYPE_CPU;
    if (!is_contiguous(src)) {
      if (!src_cpu)
        fail(AOTC_ERROR_UNSUPPORTED, "copying a non-contiguous CUDA tensor is not supported");
      // Gather a strided host tensor, then copy the dense result.
      std::vector<char> dense(bytes);
      const size_t rank = src.sizes.size();
      std::vector<int64_t> index(rank, 0);
      const int64_t n = numel(src);
      for (int64_t i = 0; i < n; ++i) {
        int64_t offset = 0;
        for (size_t d = 0; d < rank; ++d) offset += index[d] * src.strides[d];
        std::memcpy(dense.data() + i * elem, static_cast<const char*>(src.data) + offset * elem,
                    elem);
        for (size_t d = rank; d-- > 0;) {
          if (++index[d] < src.sizes[d]) break;
          index[d] = 0;
        }
      }
      if (dst_cpu) {
        std::memcpy(dst->data, dense.data(), bytes);
      } else {
        cuda_host::Guard g(device_index);
        cuda_host::copy_to_device(dst->data, dense.data(), bytes, stream);
        cuda_host::synchronize(stream);  // `dense` dies here
      }
    } else if (src_cpu && dst_cpu) {
      if (bytes > 0) std::memcpy(dst->data, src.data, bytes);
    } else if (src_cpu) {
      cuda_host::Guard g(device_index);
      cuda_host::copy_to_device(dst->data, src.data, bytes, stream);
    } else if (dst_cpu) {
      // Host code reads the copy as soon as it has it: wait for it here.
      cuda_host::Guard g(src.device_index);
      cuda_host::copy_to_host(dst->data, src.data, bytes, stream);
      cuda_host::synchronize(stream);
    } else {
      cuda_host::Guard g(device_index);
      cuda_host::copy_device_to_device(dst->data, src.data, bytes, stream);
    }
  } catch (...) {
    tensor_release(dst);
    throw;
  }
  return dst;
}

const AotcHostApi& host_api() {
  return kHostApi;
}

RunStreamScope::RunStreamScope(void* stream) : previous_(t_run_stream) {
  t_run_stream = stream;
}
RunStreamScope::~RunStreamScope() {
  t_run_stream = previous_;
}

std::string take_host_error() {
  std::string e;
  e.swap(t_host_error);
  return e;
}

}  // namespace aotc::rt

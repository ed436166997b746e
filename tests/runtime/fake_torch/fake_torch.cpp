// A stand-in for libtorch_cpu.so in tests: the `aoti_torch_*` C shim
// functions a model library looks up inside PyTorch, with PyTorch 2.11's
// signatures (torch/csrc/inductor/aoti_torch/c/shim.h), over a tiny tensor
// type. Like libtorch, a handle is a heap object of its own (an at::Tensor*)
// that shares storage with the tensor it was made from; the tests count live
// handles to prove that a model library releases every handle it steals.
//
// Built as a shared library with soname libtorch_cpu.so so that the model
// library's dlopen("libtorch_cpu.so", RTLD_NOLOAD) finds it, as it would find
// PyTorch's.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

namespace {

struct FakeTensor {
  std::shared_ptr<std::vector<unsigned char>> storage;
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
  int32_t dtype = 6;
  int32_t device_type = 0;
  int32_t device_index = 0;
};

std::atomic<int64_t> g_live{0};

size_t element_size(int32_t dtype) {
  switch (dtype) {
    case 0:
    case 1:
    case 11:
      return 1;
    case 2:
    case 5:
    case 15:
      return 2;
    case 3:
    case 6:
      return 4;
    default:
      return 8;
  }
}

FakeTensor* make(int32_t dtype, int64_t ndim, const int64_t* sizes, const int64_t* strides) {
  auto* t = new FakeTensor();
  t->dtype = dtype;
  t->sizes.assign(sizes, sizes + ndim);
  int64_t extent = 1;
  bool empty = false;
  t->strides.resize(static_cast<size_t>(ndim));
  int64_t step = 1;
  for (int64_t d = ndim - 1; d >= 0; --d) {
    t->strides[d] = strides != nullptr ? strides[d] : step;
    step *= sizes[d];
  }
  for (int64_t d = 0; d < ndim; ++d) {
    if (sizes[d] == 0) empty = true;
    extent += (sizes[d] - 1) * t->strides[d];
  }
  t->storage =
      std::make_shared<std::vector<unsigned char>>(empty ? 0 : extent * element_size(dtype));
  ++g_live;
  return t;
}

FakeTensor* T(void* h) {
  return static_cast<FakeTensor*>(h);
}

}  // namespace

#define FAKE_EXPORT extern "C" __attribute__((visibility("default")))

FAKE_EXPORT int32_t aoti_torch_dtype_float32() {
  return 6;
}
FAKE_EXPORT int32_t aoti_torch_dtype_bfloat16() {
  return 15;
}
FAKE_EXPORT int32_t aoti_torch_dtype_int64() {
  return 4;
}
FAKE_EXPORT int32_t aoti_torch_dtype_bool() {
  return 11;
}
FAKE_EXPORT int32_t aoti_torch_device_type_cpu() {
  return 0;
}
FAKE_EXPORT int32_t aoti_torch_device_type_cuda() {
  return 1;
}

FAKE_EXPORT int32_t aoti_torch_get_data_ptr(void* t, void** ret) {
  *ret = T(t)->storage->empty() ? nullptr : T(t)->storage->data();
  return 0;
}
FAKE_EXPORT int32_t aoti_torch_get_sizes(void* t, int64_t** ret) {
  *ret = T(t)->sizes.data();
  return 0;
}
FAKE_EXPORT int32_t aoti_torch_get_strides(void* t, int64_t** ret) {
  *ret = T(t)->strides.data();
  return 0;
}
FAKE_EXPORT int32_t aoti_torch_get_dim(void* t, int64_t* ret) {
  *ret = static_cast<int64_t>(T(t)->sizes.size());
  return 0;
}
FAKE_EXPORT int32_t aoti_torch_get_dtype(void* t, int32_t* ret) {
  *ret = T(t)->dtype;
  return 0;
}
FAKE_EXPORT int32_t aoti_torch_get_device_type(void* t, int32_t* ret) {
  *ret = T(t)->device_type;
  return 0;
}
FAKE_EXPORT int32_t aoti_torch_get_device_index(void* t, int32_t* ret) {
  *ret = T(t)->device_index;
  return 0;
}
FAKE_EXPORT int32_t aoti_torch_empty_strided(int64_t ndim, const int64_t* sizes,
                                             const int64_t* strides, int32_t dtype,
                                             int32_t device_type, int32_t, void** ret) {
  if (device_type != 0) return 1;  // CPU only
  *ret = make(dtype, ndim, sizes, strides);
  return 0;
}
FAKE_EXPORT int32_t aoti_torch_delete_tensor_object(void* t) {
  delete T(t);
  --g_live;
  return 0;
}
FAKE_EXPORT int32_t aoti_torch_new_tensor_handle(void* t, void** ret) {
  *ret = new FakeTensor(*T(t));
  ++g_live;
  return 0;
}

// PyTorch's aoti_torch_check throws c10::Error when `cond` is false; the
// stand-in throws std::runtime_error(msg), once a test turned that on.
std::atomic<bool> g_check_throws{false};
FAKE_EXPORT void aoti_torch_check(bool cond, const char*, const char*, uint32_t, const char* msg) {
  if (!cond && g_check_throws.load()) throw std::runtime_error(msg);
}

// Test helpers.
FAKE_EXPORT void fake_torch_set_check_throws(bool throws) {
  g_check_throws.store(throws);
}
FAKE_EXPORT void* fake_torch_make(int32_t dtype, int64_t ndim, const int64_t* sizes,
                                  const int64_t* strides) {
  return make(dtype, ndim, sizes, strides);
}
FAKE_EXPORT int64_t fake_torch_live_handles() {
  return g_live.load();
}

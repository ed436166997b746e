// The C ABI of libaotc_runtime.so (aotc/runtime.h): argument checks and
// guard() around the runtime's C++ internals. No exception crosses it.
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "CudaHost.h"
#include "Errors.h"
#include "HostTensor.h"
#include "LoadedModel.h"
#include "Npy.h"
#include "Package.h"
#include "aotc/runtime.h"

#ifndef AOTC_VERSION_STRING
#define AOTC_VERSION_STRING "unknown"
#endif

using aotc::rt::fail;
using aotc::rt::guard;

namespace {

template <typename T>
void require(T* p, const char* what) {
  if (p == nullptr) fail(AOTC_ERROR_INVALID_ARGUMENT, std::string(what) + " is null");
}

std::vector<int64_t> dims(int32_t ndim, const int64_t* values, const char* what) {
  if (ndim < 0) fail(AOTC_ERROR_INVALID_ARGUMENT, "ndim is negative");
  if (ndim > 0 && values == nullptr)
    fail(AOTC_ERROR_INVALID_ARGUMENT, std::string(what) + " is null");
  return std::vector<int64_t>(values, values + ndim);
}

void fill_info(const aotc::rt::TensorDecl& t, const std::vector<const char*>& shape,
               aotc_tensor_info* info) {
  std::memset(info, 0, sizeof(*info));
  info->name = t.name.c_str();
  info->dtype = t.dtype;
  info->rank = static_cast<int32_t>(t.shape.size());
  info->shape = shape.data();
}

}  // namespace

extern "C" {

// ---- status, versions, dtypes ---------------------------------------------------------

AOTC_API const char* aotc_last_error(void) {
  return aotc::rt::last_error();
}

AOTC_API const char* aotc_status_name(aotc_status status) {
  switch (status) {
    case AOTC_OK:
      return "AOTC_OK";
    case AOTC_ERROR_INVALID_ARGUMENT:
      return "AOTC_ERROR_INVALID_ARGUMENT";
    case AOTC_ERROR_INVALID_INPUT:
      return "AOTC_ERROR_INVALID_INPUT";
    case AOTC_ERROR_NOT_FOUND:
      return "AOTC_ERROR_NOT_FOUND";
    case AOTC_ERROR_IO:
      return "AOTC_ERROR_IO";
    case AOTC_ERROR_INVALID_PACKAGE:
      return "AOTC_ERROR_INVALID_PACKAGE";
    case AOTC_ERROR_UNSUPPORTED:
      return "AOTC_ERROR_UNSUPPORTED";
    case AOTC_ERROR_RUNTIME:
      return "AOTC_ERROR_RUNTIME";
    case AOTC_ERROR_OUT_OF_MEMORY:
      return "AOTC_ERROR_OUT_OF_MEMORY";
    case AOTC_ERROR_INTERNAL:
      return "AOTC_ERROR_INTERNAL";
    default:
      return "AOTC_ERROR_UNKNOWN";
  }
}

AOTC_API uint32_t aotc_runtime_api_version(void) {
  return AOTC_RUNTIME_API_VERSION;
}
AOTC_API const char* aotc_runtime_version_string(void) {
  return AOTC_VERSION_STRING;
}

AOTC_API const char* aotc_dtype_name(int32_t dtype) {
  switch (dtype) {
    case AOTC_DTYPE_UINT8:
      return "uint8";
    case AOTC_DTYPE_INT8:
      return "int8";
    case AOTC_DTYPE_INT16:
      return "int16";
    case AOTC_DTYPE_INT32:
      return "int32";
    case AOTC_DTYPE_INT64:
      return "int64";
    case AOTC_DTYPE_FLOAT16:
      return "float16";
    case AOTC_DTYPE_FLOAT32:
      return "float32";
    case AOTC_DTYPE_FLOAT64:
      return "float64";
    case AOTC_DTYPE_BOOL:
      return "bool";
    case AOTC_DTYPE_BFLOAT16:
      return "bfloat16";
    default:
      return nullptr;
  }
}

AOTC_API size_t aotc_dtype_size(int32_t dtype) {
  switch (dtype) {
    case AOTC_DTYPE_UINT8:
    case AOTC_DTYPE_INT8:
    case AOTC_DTYPE_BOOL:
      return 1;
    case AOTC_DTYPE_INT16:
    case AOTC_DTYPE_FLOAT16:
    case AOTC_DTYPE_BFLOAT16:
      return 2;
    case AOTC_DTYPE_INT32:
    case AOTC_DTYPE_FLOAT32:
      return 4;
    case AOTC_DTYPE_INT64:
    case AOTC_DTYPE_FLOAT64:
      return 8;
    default:
      return 0;
  }
}

// ---- tensors --------------------------------------------------------------------------

AOTC_API aotc_status aotc_tensor_empty(int32_t dtype, int32_t ndim, const int64_t* sizes,
                                       int32_t device_type, int32_t device_index,
                                       aotc_tensor** out) {
  return guard([&] {
    require(out, "out");
    auto s = dims(ndim, sizes, "sizes");
    *out = aotc::rt::tensor_empty(dtype, s, nullptr, device_type, device_index, nullptr);
  });
}

AOTC_API aotc_status aotc_tensor_wrap(void* data, int32_t dtype, int32_t ndim, const int64_t* sizes,
                                      const int64_t* strides, int32_t device_type,
                                      int32_t device_index, aotc_tensor** out) {
  return guard([&] {
    require(out, "out");
    auto s = dims(ndim, sizes, "sizes");
    std::vector<int64_t> st;
    if (strides != nullptr) st = dims(ndim, strides, "strides");
    *out = aotc::rt::tensor_wrap(data, dtype, s, strides != nullptr ? &st : nullptr, device_type,
                                 device_index);
  });
}

AOTC_API aotc_tensor* aotc_tensor_retain(aotc_tensor* tensor) {
  return aotc::rt::tensor_retain(tensor);
}
AOTC_API void aotc_tensor_release(aotc_tensor* tensor) {
  aotc::rt::tensor_release(tensor);
}
AOTC_API void* aotc_tensor_data(const aotc_tensor* t) {
  return t->data;
}
AOTC_API int32_t aotc_tensor_dtype(const aotc_tensor* t) {
  return t->dtype;
}
AOTC_API int32_t aotc_tensor_ndim(const aotc_tensor* t) {
  return static_cast<int32_t>(t->sizes.size());
}
AOTC_API const int64_t* aotc_tensor_sizes(const aotc_tensor* t) {
  return t->sizes.data();
}
AOTC_API const int64_t* aotc_tensor_strides(const aotc_tensor* t) {
  return t->strides.data();
}
AOTC_API int32_t aotc_tensor_device_type(const aotc_tensor* t) {
  return t->device_type;
}
AOTC_API int32_t aotc_tensor_device_index(const aotc_tensor* t) {
  return t->device_index;
}
AOTC_API int64_t aotc_tensor_numel(const aotc_tensor* t) {
  return aotc::rt::numel(*t);
}
AOTC_API size_t aotc_tensor_nbytes(const aotc_tensor* t) {
  return static_cast<size_t>(aotc::rt::numel(*t)) * aotc_dtype_size(t->dtype);
}
AOTC_API int aotc_tensor_is_contiguous(const aotc_tensor* t) {
  return aotc::rt::is_contiguous(*t) ? 1 : 0;
}

AOTC_API aotc_status aotc_tensor_copy_to(const aotc_tensor* src, int32_t device_type,
                                         int32_t device_index, aotc_tensor** out) {
  return guard([&] {
    require(src, "src");
    require(out, "out");
    aotc::rt::check_device(device_type, device_index);
    aotc_tensor* t = aotc::rt::tensor_copy(*src, device_type, device_index, nullptr);
    if (device_type == AOTC_DEVICE_TYPE_CUDA || src->device_type == AOTC_DEVICE_TYPE_CUDA) {
      try {
        aotc::rt::cuda_host::Guard g(device_type == AOTC_DEVICE_TYPE_CUDA ? device_index
                                                                          : src->device_index);
        aotc::rt::cuda_host::synchronize(nullptr);
      } catch (...) {
        aotc::rt::tensor_release(t);
        throw;
      }
    }
    *out = t;
  });
}

// ---- models ---------------------------------------------------------------------------

AOTC_API void aotc_load_options_init(aotc_load_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
}

AOTC_API void aotc_run_options_init(aotc_run_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
}

AOTC_API aotc_status aotc_model_load(const char* path, const aotc_load_options* options,
                                     aotc_model** out) {
  return guard([&] {
    require(path, "path");
    require(out, "out");
    // Read only the fields the caller's struct covers.
    aotc_load_options o;
    aotc_load_options_init(&o);
    if (options != nullptr) {
      std::memcpy(&o, options, std::min<size_t>(options->struct_size, sizeof(o)));
      o.struct_size = sizeof(o);
    }
    *out = new aotc_model(path, o);
  });
}

AOTC_API void aotc_model_free(aotc_model* model) {
  delete model;
}

AOTC_API const char* aotc_model_name(const aotc_model* m) {
  return m->decl().name.c_str();
}
AOTC_API const char* aotc_model_target(const aotc_model* m) {
  return m->decl().target.c_str();
}
AOTC_API const char* aotc_model_device(const aotc_model* m) {
  return m->device_string().c_str();
}
AOTC_API size_t aotc_model_num_inputs(const aotc_model* m) {
  return m->decl().inputs.size();
}
AOTC_API size_t aotc_model_num_outputs(const aotc_model* m) {
  return m->decl().outputs.size();
}

AOTC_API aotc_status aotc_model_input_info(const aotc_model* m, size_t index,
                                           aotc_tensor_info* info) {
  return guard([&] {
    require(m, "model");
    require(info, "info");
    if (index >= m->decl().inputs.size())
      fail(AOTC_ERROR_INVALID_ARGUMENT, "input index out of range");
    fill_info(m->decl().inputs[index], m->input_shape(index), info);
  });
}

AOTC_API aotc_status aotc_model_output_info(const aotc_model* m, size_t index,
                                            aotc_tensor_info* info) {
  return guard([&] {
    require(m, "model");
    require(info, "info");
    if (index >= m->decl().outputs.size())
      fail(AOTC_ERROR_INVALID_ARGUMENT, "output index out of range");
    fill_info(m->decl().outputs[index], m->output_shape(index), info);
  });
}

AOTC_API size_t aotc_model_num_symbols(const aotc_model* m) {
  return m->decl().symbols.size();
}

AOTC_API aotc_status aotc_model_symbol_info(const aotc_model* m, size_t index, const char** name,
                                            int64_t* min, int64_t* max) {
  return guard([&] {
    require(m, "model");
    if (index >= m->decl().symbols.size())
      fail(AOTC_ERROR_INVALID_ARGUMENT, "symbol index out of range");
    const auto& s = m->decl().symbols[index];
    if (name != nullptr) *name = s.name.c_str();
    if (min != nullptr) *min = s.min;
    if (max != nullptr) *max = s.max;
  });
}

AOTC_API aotc_status aotc_model_run(aotc_model* model, aotc_tensor* const* inputs,
                                    size_t num_inputs, aotc_tensor** outputs, size_t num_outputs,
                                    const aotc_run_options* options) {
  return guard([&] {
    require(model, "model");
    void* stream = nullptr;
    if (options != nullptr &&
        options->struct_size >= offsetof(aotc_run_options, stream) + sizeof(void*)) {
      stream = options->stream;
    }
    model->run(inputs, num_inputs, outputs, num_outputs, stream);
  });
}

AOTC_API aotc_status aotc_model_set_tuning(aotc_model* model, aotc_tuning* tuning) {
  return guard([&] {
    require(model, "model");
    if (tuning != nullptr && tuning->struct_size < sizeof(aotc_tuning))
      fail(AOTC_ERROR_INVALID_ARGUMENT, "aotc_tuning.struct_size is smaller than this runtime's aotc_tuning");
    model->set_tuning(tuning);
  });
}

AOTC_API aotc_status aotc_cuda_stream_synchronize(int32_t device_index, void* stream) {
  return guard([&] {
    aotc::rt::cuda_host::Guard g(device_index);
    aotc::rt::cuda_host::synchronize(stream);
  });
}

AOTC_API aotc_status aotc_package_read_manifest(const char* path, char** out_json) {
  return guard([&] {
    require(path, "path");
    require(out_json, "out_json");
    auto package = aotc::rt::Package::open(path);
    const std::string_view json = package->manifest_json();
    char* copy = static_cast<char*>(std::malloc(json.size() + 1));
    if (copy == nullptr) throw std::bad_alloc();
    std::memcpy(copy, json.data(), json.size());
    copy[json.size()] = '\0';
    *out_json = copy;
  });
}

AOTC_API void aotc_free(void* memory) {
  std::free(memory);
}

// ---- .npy -------------------------------------------------------------------------------

AOTC_API aotc_status aotc_npy_load(const char* path, int32_t want_dtype, uint32_t flags,
                                   aotc_tensor** out) {
  return guard([&] {
    require(path, "path");
    require(out, "out");
    *out = aotc::rt::npy_load(path, want_dtype, flags);
  });
}

AOTC_API aotc_status aotc_npy_save(const char* path, const aotc_tensor* tensor, uint32_t flags) {
  return guard([&] {
    require(path, "path");
    require(tensor, "tensor");
    aotc::rt::npy_save(path, *tensor, flags);
  });
}

}  // extern "C"

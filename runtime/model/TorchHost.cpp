// The host tensor table inside PyTorch; see TorchHost.h.
//
// Signatures, from torch/csrc/inductor/aoti_torch/c/shim.h (PyTorch 2.11 and
// main), match AotcHostApi's fields exactly:
//   AOTITorchError aoti_torch_get_data_ptr(AtenTensorHandle, void**);
//   AOTITorchError aoti_torch_get_sizes(AtenTensorHandle, int64_t**);
//   AOTITorchError aoti_torch_get_strides(AtenTensorHandle, int64_t**);
//   AOTITorchError aoti_torch_get_dim(AtenTensorHandle, int64_t*);
//   AOTITorchError aoti_torch_get_dtype(AtenTensorHandle, int32_t*);
//   AOTITorchError aoti_torch_get_device_type(AtenTensorHandle, int32_t*);
//   AOTITorchError aoti_torch_get_device_index(AtenTensorHandle, int32_t*);
//   AOTITorchError aoti_torch_empty_strided(int64_t ndim, const int64_t* sizes,
//       const int64_t* strides, int32_t dtype, int32_t device_type,
//       int32_t device_index, AtenTensorHandle* ret);
//   AOTITorchError aoti_torch_delete_tensor_object(AtenTensorHandle);
//   AOTITorchError aoti_torch_new_tensor_handle(AtenTensorHandle, AtenTensorHandle*);
//   AOTITorchError aoti_torch_get_current_cuda_stream(int32_t device_index, void** ret_stream);  //
//   USE_CUDA
// and the code getters int32_t aoti_torch_dtype_float32() etc., used here to
// confirm that the c10 codes the model was compiled with still hold.
#include "TorchHost.h"

#include <dlfcn.h>

#include "Errors.h"
#include "aotc_model.h"

#include <cstring>
#include <string>

namespace aotc_model::rt {
namespace {

// Looks a symbol up in the given library handle, then in the global scope.
void* find(void* lib, const char* name) {
  void* p = lib != nullptr ? dlsym(lib, name) : nullptr;
  if (p == nullptr) p = dlsym(RTLD_DEFAULT, name);
  return p;
}

template <typename Fn>
void resolve(void* lib, const char* name, Fn* slot, std::string* missing) {
  *slot = reinterpret_cast<Fn>(find(lib, name));
  if (*slot == nullptr) *missing += std::string(missing->empty() ? "" : ", ") + name;
}

}  // namespace

std::string fill_host_from_torch(AotcHostApi* host, bool need_cuda) {
  // The handles are kept (never dlclosed): libtorch stays for the process's life.
  void* cpu = dlopen("libtorch_cpu.so", RTLD_NOLOAD | RTLD_LAZY);
  void* cuda = need_cuda ? dlopen("libtorch_cuda.so", RTLD_NOLOAD | RTLD_LAZY) : nullptr;

  std::memset(host, 0, sizeof(*host));
  host->struct_size = sizeof(AotcHostApi);
  host->abi_version = AOTC_MODEL_ABI_VERSION;
  std::string missing;
  resolve(cpu, "aoti_torch_get_data_ptr", &host->get_data_ptr, &missing);
  resolve(cpu, "aoti_torch_get_sizes", &host->get_sizes, &missing);
  resolve(cpu, "aoti_torch_get_strides", &host->get_strides, &missing);
  resolve(cpu, "aoti_torch_get_dim", &host->get_dim, &missing);
  resolve(cpu, "aoti_torch_get_dtype", &host->get_dtype, &missing);
  resolve(cpu, "aoti_torch_get_device_type", &host->get_device_type, &missing);
  resolve(cpu, "aoti_torch_get_device_index", &host->get_device_index, &missing);
  resolve(cpu, "aoti_torch_empty_strided", &host->empty_strided, &missing);
  resolve(cpu, "aoti_torch_delete_tensor_object", &host->delete_tensor_object, &missing);
  resolve(cpu, "aoti_torch_new_tensor_handle", &host->new_tensor_handle, &missing);
  if (need_cuda)
    resolve(cuda, "aoti_torch_get_current_cuda_stream", &host->get_current_cuda_stream, &missing);

  if (cpu == nullptr && host->empty_strided == nullptr) {
    return "no host for the model in this process: PyTorch (libtorch_cpu.so) is not loaded and no "
           "aoti_torch_* functions are visible. Load this package with PyTorch "
           "(torch._inductor.aoti_load_package) or with the aotc runtime (aotc::Model::load, `aotc "
           "run`), "
           "which calls AotcModelContainerCreateWithHost";
  }
  if (!missing.empty()) {
    return "PyTorch is loaded but lacks the C shim functions " + missing +
           (need_cuda && cuda == nullptr
                ? " (libtorch_cuda.so is not loaded: is this a CUDA build of PyTorch?)"
                : "") +
           "; this PyTorch is too old or too new for aotc";
  }

  // The model was compiled with c10's codes; make sure this libtorch agrees.
  struct CodeCheck {
    const char* getter;
    int32_t expected;
  };
  const CodeCheck checks[] = {
      {"aoti_torch_dtype_float32", AOTC_C10_FLOAT32},
      {"aoti_torch_dtype_bfloat16", AOTC_C10_BFLOAT16},
      {"aoti_torch_dtype_int64", AOTC_C10_INT64},
      {"aoti_torch_dtype_bool", AOTC_C10_BOOL},
      {"aoti_torch_device_type_cpu", AOTC_DEVICE_CPU},
      {"aoti_torch_device_type_cuda", AOTC_DEVICE_CUDA},
  };
  for (const CodeCheck& c : checks) {
    auto getter = reinterpret_cast<int32_t (*)()>(find(cpu, c.getter));
    if (getter != nullptr && getter() != c.expected) {
      return std::string(
                 "this PyTorch numbers its types differently from what aotc compiled for: ") +
             c.getter + "() is " + std::to_string(getter()) + ", expected " +
             std::to_string(c.expected);
    }
  }
  return "";
}

TorchCheckFn find_torch_check() {
  void* cpu = dlopen("libtorch_cpu.so", RTLD_NOLOAD | RTLD_LAZY);
  return reinterpret_cast<TorchCheckFn>(find(cpu, "aoti_torch_check"));
}

AOTIRuntimeError raise_in_torch(TorchCheckFn check, const char* function, AOTIRuntimeError rc) {
  if (rc == AOTI_RUNTIME_SUCCESS || check == nullptr) return rc;
  // A copy: the thread's last-error buffer is ours, the exception outlives it.
  const std::string message = last_error();
  check(false, function, "aotc model library", 0, message.c_str());
  return rc;  // not reached: aoti_torch_check(false, ...) throws
}

std::string library_directory() {
  Dl_info info{};
  // Any function of this library will do; this one is the generated code's.
  if (dladdr(reinterpret_cast<void*>(&aotc_generated_model_spec), &info) == 0 ||
      info.dli_fname == nullptr) {
    return "";
  }
  const std::string path = info.dli_fname;
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace aotc_model::rt

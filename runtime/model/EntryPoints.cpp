// The exported C ABI of every aotc model library: all of AOTInductor's
// container entry points (torch/csrc/inductor/aoti_runtime/interface.h, the
// union of PyTorch 2.11's and main's) and aotc's own (aotc/model_abi.h).
//
// PyTorch 2.11's runner resolves 12 functions as mandatory, Run (or
// RunSingleThreaded) and 5 optional ones (shared/reference/
// aoti_package_abi.md section 2.3); newer runners resolve more. Everything in
// interface.h is exported so that a runner promoting an optional symbol does
// not break loading. What aotc does not support (replacing or extracting
// constants, the single-model API) returns AOTI_RUNTIME_FAILURE with a
// message saying so; what is trivially true (no constant folding to run, no
// inactive buffer to free) succeeds.
//
// Each body runs under guard(): no exception of ours escapes, failures set
// the thread's last error. Inside PyTorch, a failed create or run then calls
// PyTorch's aoti_torch_check (raise_in_torch), whose c10::Error carries the
// message to the caller as a RuntimeError: PyTorch's runner itself reports
// only the return code.
#include <cstddef>
#include <cstdint>
#include <string>

#include "Container.h"
#include "Errors.h"
#include "InputCheck.h"
#include "TorchHost.h"
#include "aotc/model_abi.h"

#define AOTC_MODEL_EXPORT extern "C" __attribute__((visibility("default")))

// interface.h types that only the unsupported entry points use.
struct AOTInductorModelOpaque;
typedef struct AOTInductorModelOpaque* AOTInductorModelHandle;
struct AOTInductorConstantMapEntry {
  const char* name;
  AtenTensorHandle handle;
};
struct AOTInductorArrayRefTensor;

using aotc_model::rt::Container;
using aotc_model::rt::fail;
using aotc_model::rt::GraphMode;
using aotc_model::rt::guard;

namespace {

Container& container(AOTInductorModelContainerHandle handle) {
  if (handle == nullptr) fail("the container handle is null");
  return *reinterpret_cast<Container*>(handle);
}

template <typename T>
void check_out(T* p, const char* what) {
  if (p == nullptr) fail(std::string("the pointer for ") + what + " is null");
}

const aotc_model::ConstantSpec& constant(AOTInductorModelContainerHandle handle, size_t idx) {
  const aotc_model::ModelSpec& spec = container(handle).spec();
  if (idx >= spec.num_constants) {
    fail("constant index " + std::to_string(idx) + " is out of range: the model has " +
         std::to_string(spec.num_constants) + " constants");
  }
  return spec.constants[idx];
}

// The common answer of the entry points aotc does not implement.
AOTIRuntimeError unsupported(const char* function, const char* why) {
  return guard(function, [&] {
    fail(std::string(function) + ": not supported by aotc model libraries; " + why);
  });
}

constexpr const char* kWeightsFixed =
    "their weights are part of the package (compile again to change them)";

AOTIRuntimeError create(AOTInductorModelContainerHandle* out, size_t num_models,
                        const char* device_str, const char* cubin_dir, const AotcHostApi* host,
                        const AotcWeights* weights, Container::HostKind kind,
                        const char* function) {
  return guard(function, [&] {
    check_out(out, "the new container");
    *out = nullptr;
    if (host == nullptr) fail("the host's tensor function table is null");
    auto* c = new Container(num_models, device_str, cubin_dir, *host, weights, kind);
    *out = reinterpret_cast<AOTInductorModelContainerHandle>(c);
  });
}

AOTIRuntimeError create_in_torch(AOTInductorModelContainerHandle* out, size_t num_models,
                                 const char* device_str, const char* cubin_dir,
                                 const char* function) {
  // PyTorch's runner reports only "API call failed": failures raise through
  // aoti_torch_check so that the reason reaches the user; where that is
  // missing, print it, as AOTInductor's own libraries do.
  const aotc_model::rt::TorchCheckFn check = aotc_model::rt::find_torch_check();
  aotc_model::rt::set_print_errors(check == nullptr);
  AotcHostApi host{};
  AOTIRuntimeError err = guard(function, [&] {
    const bool cuda = device_str != nullptr && std::string(device_str).rfind("cuda", 0) == 0;
    if (std::string why = aotc_model::rt::fill_host_from_torch(&host, cuda); !why.empty())
      fail(why);
  });
  // Container copies the table, so a stack copy is enough.
  if (err == AOTI_RUNTIME_SUCCESS)
    err = create(out, num_models, device_str, cubin_dir, &host, nullptr, Container::HostKind::kTorch,
                 function);
  if (err == AOTI_RUNTIME_SUCCESS) reinterpret_cast<Container*>(*out)->set_torch_check(check);
  return aotc_model::rt::raise_in_torch(check, function, err);
}

// Run and RunSingleThreaded.
AOTIRuntimeError run(AOTInductorModelContainerHandle handle, AtenTensorHandle* inputs,
                     size_t num_inputs, AtenTensorHandle* outputs, size_t num_outputs,
                     AOTInductorStreamHandle stream, bool single_threaded, const char* function) {
  const AOTIRuntimeError rc = guard(function, [&] {
    container(handle).run(inputs, num_inputs, outputs, num_outputs, stream, single_threaded);
  });
  if (rc == AOTI_RUNTIME_SUCCESS || handle == nullptr) return rc;
  return aotc_model::rt::raise_in_torch(reinterpret_cast<Container*>(handle)->torch_check(), function, rc);
}

}  // namespace

// ---- aotc's own ------------------------------------------------------------------

AOTC_MODEL_EXPORT uint32_t AotcModelAbiVersion(void) {
  return AOTC_MODEL_ABI_VERSION;
}

AOTC_MODEL_EXPORT AOTIRuntimeError AotcModelContainerCreateWithHost(
    AOTInductorModelContainerHandle* container_handle, size_t num_models, const char* device_str,
    const char* cubin_dir, const AotcHostApi* host, const AotcWeights* weights) {
  return create(container_handle, num_models, device_str, cubin_dir, host, weights,
                Container::HostKind::kAotc, "AotcModelContainerCreateWithHost");
}

AOTC_MODEL_EXPORT AOTIRuntimeError AotcModelContainerSetCudaGraphs(
    AOTInductorModelContainerHandle container_handle, int32_t mode) {
  return guard("AotcModelContainerSetCudaGraphs", [&] {
    switch (mode) {
      case AOTC_CUDA_GRAPHS_NEVER:
        return container(container_handle).set_cuda_graphs(GraphMode::kNever);
      case AOTC_CUDA_GRAPHS_ALWAYS:
        return container(container_handle).set_cuda_graphs(GraphMode::kAlways);
      case AOTC_CUDA_GRAPHS_AUTO:
        return container(container_handle).set_cuda_graphs(GraphMode::kAuto);
      default:
        fail("unknown CUDA graph mode " + std::to_string(mode) +
             " (AOTC_CUDA_GRAPHS_NEVER 0, AOTC_CUDA_GRAPHS_ALWAYS 1, AOTC_CUDA_GRAPHS_AUTO 2)");
    }
  });
}

AOTC_MODEL_EXPORT AOTIRuntimeError AotcModelContainerSetTuning(AOTInductorModelContainerHandle container_handle,
                                                               AotcTuning* tuning) {
  return guard("AotcModelContainerSetTuning", [&] { container(container_handle).set_tuning(tuning); });
}

AOTC_MODEL_EXPORT const char* AotcModelGetLastError(void) {
  return aotc_model::rt::last_error();
}

// ---- life cycle and run ------------------------------------------------------------

AOTC_MODEL_EXPORT AOTIRuntimeError
AOTInductorModelContainerCreate(AOTInductorModelContainerHandle* container_handle,
                                size_t num_models, bool is_cpu, const char* cubin_dir) {
  return create_in_torch(container_handle, num_models, is_cpu ? "cpu" : "cuda", cubin_dir,
                         "AOTInductorModelContainerCreate");
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerCreateWithDevice(
    AOTInductorModelContainerHandle* container_handle, size_t num_models, const char* device_str,
    const char* cubin_dir) {
  return create_in_torch(container_handle, num_models, device_str, cubin_dir,
                         "AOTInductorModelContainerCreateWithDevice");
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerCreateWithExternalConstants(
    AOTInductorModelContainerHandle*, size_t, const char*, const char*,
    const AOTInductorConstantMapEntry*, size_t) {
  return unsupported("AOTInductorModelContainerCreateWithExternalConstants", kWeightsFixed);
}

AOTC_MODEL_EXPORT AOTIRuntimeError
AOTInductorModelContainerDelete(AOTInductorModelContainerHandle container_handle) {
  return guard("AOTInductorModelContainerDelete", [&] { delete &container(container_handle); });
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerRun(
    AOTInductorModelContainerHandle container_handle, AtenTensorHandle* input_handles,
    size_t num_inputs, AtenTensorHandle* output_handles, size_t num_outputs,
    AOTInductorStreamHandle stream_handle, AOTIProxyExecutorHandle) {
  return run(container_handle, input_handles, num_inputs, output_handles, num_outputs,
             stream_handle, false, "AOTInductorModelContainerRun");
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerRunSingleThreaded(
    AOTInductorModelContainerHandle container_handle, AtenTensorHandle* input_handles,
    size_t num_inputs, AtenTensorHandle* output_handles, size_t num_outputs,
    AOTInductorStreamHandle stream_handle, AOTIProxyExecutorHandle) {
  return run(container_handle, input_handles, num_inputs, output_handles, num_outputs,
             stream_handle, true, "AOTInductorModelContainerRunSingleThreaded");
}

// ---- inputs, outputs, call spec ----------------------------------------------------

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerGetNumInputs(
    AOTInductorModelContainerHandle container_handle, size_t* ret_num_inputs) {
  return guard("AOTInductorModelContainerGetNumInputs", [&] {
    check_out(ret_num_inputs, "the input count");
    *ret_num_inputs = container(container_handle).spec().num_inputs;
  });
}

AOTC_MODEL_EXPORT AOTIRuntimeError
AOTInductorModelContainerGetInputName(AOTInductorModelContainerHandle container_handle,
                                      size_t input_idx, const char** ret_input_names) {
  return guard("AOTInductorModelContainerGetInputName", [&] {
    check_out(ret_input_names, "the input name");
    const auto& spec = container(container_handle).spec();
    if (input_idx >= spec.num_inputs)
      fail("input index " + std::to_string(input_idx) + " is out of range");
    *ret_input_names = spec.inputs[input_idx].name;
  });
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerGetNumOutputs(
    AOTInductorModelContainerHandle container_handle, size_t* ret_num_outputs) {
  return guard("AOTInductorModelContainerGetNumOutputs", [&] {
    check_out(ret_num_outputs, "the output count");
    *ret_num_outputs = container(container_handle).spec().num_outputs;
  });
}

AOTC_MODEL_EXPORT AOTIRuntimeError
AOTInductorModelContainerGetOutputName(AOTInductorModelContainerHandle container_handle,
                                       size_t output_idx, const char** ret_output_names) {
  return guard("AOTInductorModelContainerGetOutputName", [&] {
    check_out(ret_output_names, "the output name");
    const auto& spec = container(container_handle).spec();
    if (output_idx >= spec.num_outputs)
      fail("output index " + std::to_string(output_idx) + " is out of range");
    *ret_output_names = spec.outputs[output_idx].name;
  });
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerGetCallSpec(
    AOTInductorModelContainerHandle container_handle, const char** in_spec, const char** out_spec) {
  return guard("AOTInductorModelContainerGetCallSpec", [&] {
    check_out(in_spec, "in_spec");
    check_out(out_spec, "out_spec");
    const Container& c = container(container_handle);
    *in_spec = c.in_spec();
    *out_spec = c.out_spec();
  });
}

// ---- constants: queries ------------------------------------------------------------

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerGetNumConstants(
    AOTInductorModelContainerHandle container_handle, size_t* num_constants) {
  return guard("AOTInductorModelContainerGetNumConstants", [&] {
    check_out(num_constants, "the constant count");
    *num_constants = container(container_handle).spec().num_constants;
  });
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerGetConstantName(
    AOTInductorModelContainerHandle container_handle, size_t idx, const char** name) {
  return guard("AOTInductorModelContainerGetConstantName", [&] {
    check_out(name, "the constant name");
    *name = constant(container_handle, idx).name;
  });
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerGetConstantOriginalFQN(
    AOTInductorModelContainerHandle container_handle, size_t idx, const char** original_fqn) {
  return guard("AOTInductorModelContainerGetConstantOriginalFQN", [&] {
    check_out(original_fqn, "the constant FQN");
    const auto& k = constant(container_handle, idx);
    *original_fqn = k.fqn != nullptr ? k.fqn : k.name;
  });
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerGetConstantFromFolded(
    AOTInductorModelContainerHandle container_handle, size_t idx, bool* from_folded) {
  return guard("AOTInductorModelContainerGetConstantFromFolded", [&] {
    check_out(from_folded, "from_folded");
    *from_folded = constant(container_handle, idx).from_folded;
  });
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerGetConstantType(
    AOTInductorModelContainerHandle container_handle, size_t idx, int32_t* type) {
  return guard("AOTInductorModelContainerGetConstantType", [&] {
    check_out(type, "the constant type");
    *type = constant(container_handle, idx).type;
  });
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerGetConstantDtype(
    AOTInductorModelContainerHandle container_handle, size_t idx, int32_t* dtype) {
  return guard("AOTInductorModelContainerGetConstantDtype", [&] {
    check_out(dtype, "the constant dtype");
    *dtype = constant(container_handle, idx).dtype;
  });
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerGetConstantDataSize(
    AOTInductorModelContainerHandle container_handle, size_t idx, size_t* data_size) {
  return guard("AOTInductorModelContainerGetConstantDataSize", [&] {
    check_out(data_size, "the constant size");
    *data_size = constant(container_handle, idx).nbytes;
  });
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerGetConstantsBlobSize(
    AOTInductorModelContainerHandle container_handle, uint64_t* ret_size) {
  // AOTInductor's constants blob is its own layout, which aotc libraries do
  // not read (AOTInductorModelUpdateConstantsFromBlob fails): report none.
  return guard("AOTInductorModelContainerGetConstantsBlobSize", [&] {
    check_out(ret_size, "the blob size");
    container(container_handle);
    *ret_size = 0;
  });
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerDidCallLoadConstants(
    AOTInductorModelContainerHandle container_handle, bool* did_call_load_constants) {
  return guard("AOTInductorModelContainerDidCallLoadConstants", [&] {
    check_out(did_call_load_constants, "the answer");
    container(container_handle);
    *did_call_load_constants = true;  // weights are bound when the container is created
  });
}

// ---- constants: updates (unsupported) and trivial operations ------------------------

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerExtractConstantsMap(
    AOTInductorModelContainerHandle, AOTInductorConstantMapHandle, bool) {
  return unsupported(
      "AOTInductorModelContainerExtractConstantsMap",
      "its weights are not exposed as tensors (the map is a C++ type that cannot cross this ABI)");
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerExtractConstantsMapEntries(
    AOTInductorModelContainerHandle, const AOTInductorConstantMapEntry**, size_t*, bool) {
  return unsupported("AOTInductorModelContainerExtractConstantsMapEntries",
                     "its weights are not exposed as tensors");
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerUpdateUserManagedConstantBuffer(
    AOTInductorModelContainerHandle, AOTInductorConstantMapHandle, bool, bool) {
  return unsupported("AOTInductorModelContainerUpdateUserManagedConstantBuffer", kWeightsFixed);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerUpdateUserManagedConstantBufferPairs(
    AOTInductorModelContainerHandle, const AOTInductorConstantMapEntry*, size_t, bool, bool) {
  return unsupported("AOTInductorModelContainerUpdateUserManagedConstantBufferPairs",
                     kWeightsFixed);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerUpdateConstantBuffer(
    AOTInductorModelContainerHandle, AOTInductorConstantMapHandle, bool, bool) {
  return unsupported("AOTInductorModelContainerUpdateConstantBuffer", kWeightsFixed);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerUpdateConstantBufferPairs(
    AOTInductorModelContainerHandle, const AOTInductorConstantMapEntry*, size_t, bool, bool) {
  return unsupported("AOTInductorModelContainerUpdateConstantBufferPairs", kWeightsFixed);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerUpdateConstantBufferFromCpu(
    AOTInductorModelContainerHandle, AOTInductorConstantMapHandle, bool, bool) {
  return unsupported("AOTInductorModelContainerUpdateConstantBufferFromCpu", kWeightsFixed);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerUpdateConstantBufferFromCpuPairs(
    AOTInductorModelContainerHandle, const AOTInductorConstantMapEntry*, size_t, bool, bool) {
  return unsupported("AOTInductorModelContainerUpdateConstantBufferFromCpuPairs", kWeightsFixed);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerUpdateInactiveConstantBuffer(
    AOTInductorModelContainerHandle, AOTInductorConstantMapHandle) {
  return unsupported("AOTInductorModelContainerUpdateInactiveConstantBuffer", kWeightsFixed);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerUpdateInactiveConstantBufferPairs(
    AOTInductorModelContainerHandle, const AOTInductorConstantMapEntry*, size_t) {
  return unsupported("AOTInductorModelContainerUpdateInactiveConstantBufferPairs", kWeightsFixed);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelContainerFreeInactiveConstantBuffer(
    AOTInductorModelContainerHandle container_handle) {
  // There is never an inactive buffer: nothing to free.
  return guard("AOTInductorModelContainerFreeInactiveConstantBuffer",
               [&] { container(container_handle); });
}

AOTC_MODEL_EXPORT AOTIRuntimeError
AOTInductorModelContainerRunConstantFolding(AOTInductorModelContainerHandle container_handle, bool,
                                            AOTInductorStreamHandle, AOTIProxyExecutorHandle) {
  // aotc folds constants at compile time: nothing is left to fold here.
  return guard("AOTInductorModelContainerRunConstantFolding", [&] { container(container_handle); });
}

AOTC_MODEL_EXPORT AOTIRuntimeError
AOTInductorModelContainerSwapConstantBuffer(AOTInductorModelContainerHandle) {
  return unsupported("AOTInductorModelContainerSwapConstantBuffer", kWeightsFixed);
}

AOTC_MODEL_EXPORT AOTIRuntimeError
AOTInductorModelUpdateConstantsFromBlob(AOTInductorModelContainerHandle, const uint8_t*) {
  return unsupported("AOTInductorModelUpdateConstantsFromBlob", kWeightsFixed);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorSetUsePinnedAsyncConstantsCopy(bool) {
  return AOTI_RUNTIME_SUCCESS;  // a loading hint; aotc uploads weights once, synchronously
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorSetPinnedAsyncConstantsCopyStageBufferBytes(size_t) {
  return AOTI_RUNTIME_SUCCESS;
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorGetLastError(const char** error_msg) {
  if (error_msg != nullptr) *error_msg = aotc_model::rt::last_error();
  return AOTI_RUNTIME_SUCCESS;
}

// ---- the single-model API (unsupported: use the container) ----------------------------

namespace {
constexpr const char* kUseContainer = "use the AOTInductorModelContainer* functions";
}  // namespace

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelCreate(AOTInductorModelHandle*,
                                                          AOTInductorConstantMapHandle) {
  return unsupported("AOTInductorModelCreate", kUseContainer);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelCreateV2(AOTInductorModelHandle*,
                                                            const AOTInductorConstantMapEntry*,
                                                            size_t) {
  return unsupported("AOTInductorModelCreateV2", kUseContainer);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelRun(AOTInductorModelHandle, AtenTensorHandle*,
                                                       AtenTensorHandle*) {
  return unsupported("AOTInductorModelRun", kUseContainer);
}

AOTC_MODEL_EXPORT AOTIRuntimeError
AOTInductorModelUpdateConstantsMap(AOTInductorModelHandle, AOTInductorConstantMapHandle) {
  return unsupported("AOTInductorModelUpdateConstantsMap", kUseContainer);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelUpdateConstantsMapV2(
    AOTInductorModelHandle, const AOTInductorConstantMapEntry*, int32_t) {
  return unsupported("AOTInductorModelUpdateConstantsMapV2", kUseContainer);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelDelete(AOTInductorModelHandle) {
  return unsupported("AOTInductorModelDelete", kUseContainer);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelGetNumOutputs(AOTInductorModelHandle, size_t*) {
  return unsupported("AOTInductorModelGetNumOutputs", kUseContainer);
}

AOTC_MODEL_EXPORT AOTIRuntimeError AOTInductorModelRunMinimalArrayrefInterfaceV2(
    AOTInductorModelHandle, int32_t, const AOTInductorArrayRefTensor*, int32_t,
    AOTInductorArrayRefTensor*) {
  return unsupported("AOTInductorModelRunMinimalArrayrefInterfaceV2", kUseContainer);
}

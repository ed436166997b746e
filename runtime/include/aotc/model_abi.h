/* The contract between an aotc model library (`<h>.wrapper.so` in a package)
 * and the host that loads it: aotc's runtime, or PyTorch's AOTInductor loaders.
 *
 * One file, two hosts. The model library exports PyTorch's AOTInductor
 * container entry points (AOTInductorModelContainerCreateWithDevice, ...Run,
 * ...GetNumOutputs, ...; see shared/reference/aoti_package_abi.md section 2)
 * and reaches tensors only through a table of tensor functions, AotcHostApi,
 * whose signatures are those of PyTorch's `aoti_torch_*` C shim:
 *   - inside PyTorch, the library fills the table itself at
 *     ContainerCreateWithDevice time from the `aoti_torch_*` symbols of the
 *     running process (no link-time dependency on libtorch);
 *   - under aotc's runtime, the host calls AotcModelContainerCreateWithHost()
 *     with its own table and the package's mapped weights instead.
 *
 * Tensor handles (AtenTensorHandle) are opaque owning references. Ownership
 * follows AOTInductor: ContainerRun steals the input handles (the library
 * deletes them) and writes fresh owning handles for the outputs (the caller
 * deletes them). The handle arrays themselves are borrowed.
 *
 * Codes: dtypes are c10::ScalarType numbers (float32 = 6, bfloat16 = 15, ...),
 * device types c10::DeviceType (cpu = 0, cuda = 1). Every function returns 0
 * on success; on failure the library's message is available from
 * AotcModelGetLastError() (and AOTInductorGetLastError()) on the failing
 * thread. ContainerRun and ContainerRunSingleThreaded return
 * AOTC_MODEL_ERROR_INVALID_INPUT when the inputs fail the model's checks and
 * nothing ran, AOTI_RUNTIME_FAILURE for every other failure; PyTorch only
 * tests for non-zero. No function lets a C++ exception escape.
 *
 * Threads: ContainerRun may be called from any number of threads at once (up
 * to num_models run in parallel, the others wait for a free instance).
 * ContainerRunSingleThreaded uses instance 0 without locking: its caller
 * serialises it and does not mix it with concurrent ContainerRun calls.
 *
 * Versioning: AotcHostApi and AotcWeights start with their size and the ABI
 * version; fields are only ever appended. A library refuses a host whose
 * version is newer in major, and reads only the fields the host's size covers.
 */
#ifndef AOTC_MODEL_ABI_H_
#define AOTC_MODEL_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AOTC_MODEL_ABI_VERSION_MAJOR 1
#define AOTC_MODEL_ABI_VERSION_MINOR 0
#define AOTC_MODEL_ABI_VERSION ((AOTC_MODEL_ABI_VERSION_MAJOR << 16) | AOTC_MODEL_ABI_VERSION_MINOR)

/* ---- AOTInductor's types (aoti_runtime/interface.h, aoti_torch/c/shim.h) ---- */
typedef int32_t AOTIRuntimeError;
typedef int32_t AOTITorchError;
#define AOTI_RUNTIME_SUCCESS 0
#define AOTI_RUNTIME_FAILURE 1
/* aotc's own failure code for Run: the inputs were refused (dtype, rank, size,
 * symbol range or consistency, layout, device, count); nothing ran. */
#define AOTC_MODEL_ERROR_INVALID_INPUT 2

struct AtenTensorOpaque;
typedef struct AtenTensorOpaque* AtenTensorHandle;
struct AOTInductorModelContainerOpaque;
typedef struct AOTInductorModelContainerOpaque* AOTInductorModelContainerHandle;
struct AOTInductorStreamOpaque;
typedef struct AOTInductorStreamOpaque* AOTInductorStreamHandle;
struct AOTIProxyExecutorOpaque;
typedef struct AOTIProxyExecutorOpaque* AOTIProxyExecutorHandle;
struct AOTInductorConstantMap;
typedef struct AOTInductorConstantMap* AOTInductorConstantMapHandle;

/* c10 codes the library and hosts use. */
enum {
  AOTC_C10_UINT8 = 0, AOTC_C10_INT8 = 1, AOTC_C10_INT16 = 2, AOTC_C10_INT32 = 3, AOTC_C10_INT64 = 4,
  AOTC_C10_FLOAT16 = 5, AOTC_C10_FLOAT32 = 6, AOTC_C10_FLOAT64 = 7, AOTC_C10_BOOL = 11, AOTC_C10_BFLOAT16 = 15
};
enum { AOTC_DEVICE_CPU = 0, AOTC_DEVICE_CUDA = 1 };

/* ---- The tensor function table a host provides ---------------------------------- */
typedef struct AotcHostApi {
  uint32_t struct_size;  /* sizeof(AotcHostApi) as the host compiled it */
  uint32_t abi_version;  /* AOTC_MODEL_ABI_VERSION of the host */

  /* Borrowed views of a tensor's metadata; pointers stay valid while the handle lives.
   * get_data_ptr returns the address of the first element (storage offset applied). */
  AOTITorchError (*get_data_ptr)(AtenTensorHandle tensor, void** ret);
  AOTITorchError (*get_sizes)(AtenTensorHandle tensor, int64_t** ret);
  AOTITorchError (*get_strides)(AtenTensorHandle tensor, int64_t** ret);
  AOTITorchError (*get_dim)(AtenTensorHandle tensor, int64_t* ret);
  AOTITorchError (*get_dtype)(AtenTensorHandle tensor, int32_t* ret);
  AOTITorchError (*get_device_type)(AtenTensorHandle tensor, int32_t* ret);
  AOTITorchError (*get_device_index)(AtenTensorHandle tensor, int32_t* ret);

  /* A new owning tensor; for CUDA, stream-ordered on the current stream (under
   * the aotc runtime: the stream of the run in progress on this thread). */
  AOTITorchError (*empty_strided)(int64_t ndim, const int64_t* sizes, const int64_t* strides, int32_t dtype,
                                  int32_t device_type, int32_t device_index, AtenTensorHandle* ret);
  /* Releases an owning handle. */
  AOTITorchError (*delete_tensor_object)(AtenTensorHandle tensor);
  /* A second owning handle to the same tensor. */
  AOTITorchError (*new_tensor_handle)(AtenTensorHandle tensor, AtenTensorHandle* ret);

  /* CUDA only (may be NULL on a CPU-only host). The stream is a CUstream; the
   * library asks for it only when ContainerRun was given a null stream. */
  AOTITorchError (*get_current_cuda_stream)(int32_t device_index, void** ret_stream);

  void* reserved[8];
} AotcHostApi;

/* Weights mapped by the host (aotc runtime: straight from the package file). */
typedef struct AotcWeights {
  uint32_t struct_size;
  uint32_t abi_version;
  const void* data;  /* 64-byte aligned; lives until ContainerDelete */
  uint64_t size;
  void* reserved[4];
} AotcWeights;

/* ---- aotc's own entry points, exported beside AOTInductor's ----------------------- */

/* AOTC_MODEL_ABI_VERSION of the library. */
uint32_t AotcModelAbiVersion(void);

/* Like AOTInductorModelContainerCreateWithDevice, with the host's tensor
 * functions and the weights given instead of looked up. `host` and `weights`
 * (borrowed) must outlive the container; `weights` may be NULL for a model
 * without weights, and its size must equal the model's. `device_str` is
 * "cpu", "cuda" (the current device, else 0) or "cuda:N". For a CUDA model
 * the library uploads the weights to the device here, once. `cubin_dir` may
 * be NULL. On success *container_handle receives an owning handle (free it
 * with AOTInductorModelContainerDelete). */
AOTIRuntimeError AotcModelContainerCreateWithHost(AOTInductorModelContainerHandle* container_handle,
                                                  size_t num_models, const char* device_str,
                                                  const char* cubin_dir, const AotcHostApi* host,
                                                  const AotcWeights* weights);

/* The message of the last failure on this thread (owned by the library; valid
 * until the next call on this thread), or "" if none. */
const char* AotcModelGetLastError(void);

/* CUDA models: when runs are captured as CUDA graphs and replayed. A graph
 * replays a run with the same input sizes and the same input, output and
 * scratch addresses as the one it was captured from (up to 16 graphs per
 * model instance).
 *   AOTC_CUDA_GRAPHS_NEVER: kernel by kernel.
 *   AOTC_CUDA_GRAPHS_ALWAYS: capture on the first run of each key.
 *   AOTC_CUDA_GRAPHS_AUTO (the default; the environment variable
 *     AOTC_CUDA_GRAPHS=0|1|auto changes it): capture on a key's second run,
 *     and stop for good where captures keep evicting each other or a capture
 *     fails.
 * Runs inside the caller's own stream capture, and runs while kernels are
 * tuned, are always kernel by kernel. Call it while no run is in progress;
 * it forgets the graphs and what the policy learnt. Optional: a host resolves
 * it with dlsym and treats its absence as "not supported". */
#define AOTC_CUDA_GRAPHS_NEVER 0
#define AOTC_CUDA_GRAPHS_ALWAYS 1
#define AOTC_CUDA_GRAPHS_AUTO 2
AOTIRuntimeError AotcModelContainerSetCudaGraphs(AOTInductorModelContainerHandle container_handle,
                                                 int32_t mode);

/* Kernel tuning (`aotc compile --autotune`). A package built for tuning times
 * every candidate kernel of each tunable node during the runs made while a
 * table is set, and writes the results into it: times_us[node * max_candidates
 * + candidate] = mean microseconds per launch, launched eagerly back to back
 * (NaN: not measured, or the candidate cannot run on this machine), graph_us
 * the same replayed from a CUDA graph, heuristic[node] = the candidate the
 * heuristic would pick at these sizes (-1: the node did not run). Rows past
 * num_nodes and columns past max_candidates are not written. The table is
 * borrowed until it is replaced or reset with NULL; runs are kernel by kernel
 * while it is set (refused if CUDA graphs are AOTC_CUDA_GRAPHS_ALWAYS).
 * A package not built for tuning ignores the table. */
typedef struct AotcTuning {
  uint32_t struct_size; /* sizeof(AotcTuning) */
  uint32_t repeats;     /* timed launches per candidate after two warm-up ones, once
                           eagerly back to back (times_us) and once replayed from a
                           CUDA graph (graph_us); 0: 10 */
  uint32_t num_nodes;
  uint32_t max_candidates;
  float* times_us;  /* eager launches back to back */
  int32_t* heuristic;
  float* graph_us;  /* the same launches replayed from a CUDA graph (NaN: no capture here); may be NULL */
  void* reserved[3];
} AotcTuning;
AOTIRuntimeError AotcModelContainerSetTuning(AOTInductorModelContainerHandle container_handle,
                                             AotcTuning* tuning);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* AOTC_MODEL_ABI_H_ */

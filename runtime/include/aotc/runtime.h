/* aotc runtime: load an aotc `.pt2` package and run it, from C.
 *
 * This is the stable layer of libaotc_runtime.so; aotc/runtime.hpp wraps it
 * for C++. It never links the compiler and needs no Python, no PyTorch and no
 * compiler at run time.
 *
 * Conventions
 *   - Handles (aotc_model, aotc_tensor) are opaque. Each pointer parameter
 *     says whether it is borrowed (the callee keeps no reference past the
 *     call unless stated), or an out-parameter that receives an owning
 *     reference (the caller releases it with the named function).
 *   - Every function that can fail returns an aotc_status; on failure the
 *     reason is a sentence available from aotc_last_error() on the same
 *     thread, valid until the next failing call on that thread. Out-parameters
 *     are left unchanged on failure.
 *   - Structs passed in start with `struct_size`; initialise them with their
 *     *_init function so that fields added later get their defaults. Reserved
 *     fields must be zero.
 *   - dtypes are PyTorch's c10::ScalarType codes, device types c10's
 *     DeviceType codes (see the enums below).
 *
 * Threads: a loaded model may be run from any number of threads at once (up
 * to max_concurrency runs proceed in parallel; others wait). Tensors are
 * reference-counted atomically; reading and writing a tensor's data from two
 * threads is the caller's to coordinate.
 */
#ifndef AOTC_RUNTIME_H_
#define AOTC_RUNTIME_H_

#include <stddef.h>
#include <stdint.h>

#if defined(AOTC_RUNTIME_BUILDING)
#define AOTC_API __attribute__((visibility("default")))
#else
#define AOTC_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this C interface: (major << 16) | minor. Functions and
 * struct fields are only ever added within a major version. */
#define AOTC_RUNTIME_API_VERSION_MAJOR 1
#define AOTC_RUNTIME_API_VERSION_MINOR 0
#define AOTC_RUNTIME_API_VERSION \
  ((AOTC_RUNTIME_API_VERSION_MAJOR << 16) | AOTC_RUNTIME_API_VERSION_MINOR)

/* ---- status and errors ----------------------------------------------------------- */

typedef int32_t aotc_status;
enum {
  AOTC_OK = 0,
  AOTC_ERROR_INVALID_ARGUMENT = 1, /* a bad call: null pointer, index out of range, unknown dtype */
  AOTC_ERROR_INVALID_INPUT =
      2, /* run inputs refused by the model (dtype, shape, range, layout, count) */
  AOTC_ERROR_NOT_FOUND = 3,       /* no such file, model or entry */
  AOTC_ERROR_IO = 4,              /* reading or writing a file failed */
  AOTC_ERROR_INVALID_PACKAGE = 5, /* truncated, corrupt, or not an aotc package */
  AOTC_ERROR_UNSUPPORTED =
      6,                  /* valid, but not runnable here: newer format, no CUDA driver or GPU */
  AOTC_ERROR_RUNTIME = 7, /* the model or the device failed while loading or running */
  AOTC_ERROR_OUT_OF_MEMORY = 8,
  AOTC_ERROR_INTERNAL = 9 /* a bug in aotc */
};

/* The reason for the last failure on this thread ("" if none). Owned by the
 * runtime; valid until the next failing aotc_* call on this thread. */
AOTC_API const char* aotc_last_error(void);
/* "AOTC_ERROR_INVALID_INPUT"; static storage. */
AOTC_API const char* aotc_status_name(aotc_status status);

/* AOTC_RUNTIME_API_VERSION of the library actually loaded. */
AOTC_API uint32_t aotc_runtime_api_version(void);
/* aotc's release, e.g. "0.1.0"; static storage. */
AOTC_API const char* aotc_runtime_version_string(void);

/* ---- dtypes and devices ------------------------------------------------------------ */

enum {
  AOTC_DTYPE_UINT8 = 0,
  AOTC_DTYPE_INT8 = 1,
  AOTC_DTYPE_INT16 = 2,
  AOTC_DTYPE_INT32 = 3,
  AOTC_DTYPE_INT64 = 4,
  AOTC_DTYPE_FLOAT16 = 5,
  AOTC_DTYPE_FLOAT32 = 6,
  AOTC_DTYPE_FLOAT64 = 7,
  AOTC_DTYPE_BOOL = 11,
  AOTC_DTYPE_BFLOAT16 = 15
};
enum { AOTC_DEVICE_TYPE_CPU = 0, AOTC_DEVICE_TYPE_CUDA = 1 };

/* "float32"; NULL for an unknown code. Static storage. */
AOTC_API const char* aotc_dtype_name(int32_t dtype);
/* Bytes per element; 0 for an unknown code. */
AOTC_API size_t aotc_dtype_size(int32_t dtype);

/* ---- tensors ------------------------------------------------------------------------ */

/* A reference-counted strided tensor on the CPU or a CUDA device. */
typedef struct aotc_tensor aotc_tensor;

/* A new contiguous tensor with uninitialised data (CPU memory is 64-byte
 * aligned). `sizes` is borrowed (ndim entries; may be NULL when ndim is 0).
 * *out receives an owning reference: release it with aotc_tensor_release. */
AOTC_API aotc_status aotc_tensor_empty(int32_t dtype, int32_t ndim, const int64_t* sizes,
                                       int32_t device_type, int32_t device_index,
                                       aotc_tensor** out);

/* A tensor over memory the caller owns, without copying. `data` is borrowed
 * for as long as the tensor or any reference to it lives (the runtime never
 * frees it); `sizes` and `strides` (in elements; NULL means contiguous) are
 * borrowed for the call only. *out receives an owning reference. */
AOTC_API aotc_status aotc_tensor_wrap(void* data, int32_t dtype, int32_t ndim, const int64_t* sizes,
                                      const int64_t* strides, int32_t device_type,
                                      int32_t device_index, aotc_tensor** out);

/* Adds a reference (borrowed in, the same pointer returned as a new owning
 * reference). NULL is returned unchanged. */
AOTC_API aotc_tensor* aotc_tensor_retain(aotc_tensor* tensor);
/* Drops a reference; the last one frees the tensor (and its memory unless it
 * was wrapped). NULL is ignored. */
AOTC_API void aotc_tensor_release(aotc_tensor* tensor);

/* Accessors; `tensor` is borrowed and must not be NULL. Returned arrays are
 * owned by the tensor and live as long as it does. */
AOTC_API void* aotc_tensor_data(const aotc_tensor* tensor);
AOTC_API int32_t aotc_tensor_dtype(const aotc_tensor* tensor);
AOTC_API int32_t aotc_tensor_ndim(const aotc_tensor* tensor);
AOTC_API const int64_t* aotc_tensor_sizes(const aotc_tensor* tensor);
AOTC_API const int64_t* aotc_tensor_strides(const aotc_tensor* tensor);
AOTC_API int32_t aotc_tensor_device_type(const aotc_tensor* tensor);
AOTC_API int32_t aotc_tensor_device_index(const aotc_tensor* tensor);
AOTC_API int64_t aotc_tensor_numel(const aotc_tensor* tensor);
/* numel * element size (the bytes of a contiguous copy). */
AOTC_API size_t aotc_tensor_nbytes(const aotc_tensor* tensor);
/* Whether the strides are row-major dense (size-1 dimensions ignored). */
AOTC_API int aotc_tensor_is_contiguous(const aotc_tensor* tensor);

/* A contiguous copy of `src` (borrowed) on the given device; CPU<->CUDA and
 * CUDA<->CUDA copies synchronise before returning. *out receives an owning
 * reference. */
AOTC_API aotc_status aotc_tensor_copy_to(const aotc_tensor* src, int32_t device_type,
                                         int32_t device_index, aotc_tensor** out);

/* ---- models ------------------------------------------------------------------------- */

typedef struct aotc_model aotc_model;

#define AOTC_LOAD_VERIFY_WEIGHTS \
  0x1u /* also check the weights' sha256 at load (reads them all once) */
/* CUDA graphs (CUDA models; ignored for CPU models). A graph replays a run with
 * the same input sizes and the same input and output addresses as the one it
 * was captured from: reuse input and output buffers to benefit. With neither
 * flag, the model's default: capture a run that repeats (its second time),
 * and stop where captures keep evicting each other (the environment variable
 * AOTC_CUDA_GRAPHS=0|1|auto changes the default). */
#define AOTC_LOAD_CUDA_GRAPHS 0x2u    /* capture every new run at once */
#define AOTC_LOAD_NO_CUDA_GRAPHS 0x4u /* launch kernel by kernel */

typedef struct aotc_load_options {
  uint32_t struct_size;   /* sizeof(aotc_load_options) */
  uint32_t flags;         /* AOTC_LOAD_* */
  const char* model_name; /* borrowed for the call; NULL: "model" */
  const char* device; /* borrowed for the call; NULL: the package's target ("cpu", or "cuda" = the
                         current device, else 0); or "cpu", "cuda", "cuda:N" */
  uint32_t max_concurrency; /* model instances serving concurrent runs; 0: 4 */
  uint32_t reserved0;
  void* reserved[6];
} aotc_load_options;

/* Fills in the defaults. */
AOTC_API void aotc_load_options_init(aotc_load_options* options);

/* Opens the package at `path` (borrowed), checks it (format, version, the
 * model library's sha256, that this machine can run its target), maps its
 * weights and loads its model library without extracting anything to disk.
 * `options` is borrowed and may be NULL for the defaults. *out receives an
 * owning handle: free it with aotc_model_free. */
AOTC_API aotc_status aotc_model_load(const char* path, const aotc_load_options* options,
                                     aotc_model** out);

/* Frees a model. The caller makes sure no run of it is in progress (free
 * does not wait for runs). Tensors it returned stay valid. NULL is ignored. */
AOTC_API void aotc_model_free(aotc_model* model);

/* The model's name, its target ("cpu" or "cuda") and the device it runs on
 * ("cpu", "cuda:0"); owned by the model. */
AOTC_API const char* aotc_model_name(const aotc_model* model);
AOTC_API const char* aotc_model_target(const aotc_model* model);
AOTC_API const char* aotc_model_device(const aotc_model* model);

/* One input or output as the model declares it. Strings and arrays are owned
 * by the model and live as long as it does. */
typedef struct aotc_tensor_info {
  const char* name;
  int32_t dtype;
  int32_t rank;
  const char* const* shape; /* rank strings: "4", "s0", "2*s0 + 1" */
  void* reserved[4];
} aotc_tensor_info;

AOTC_API size_t aotc_model_num_inputs(const aotc_model* model);
AOTC_API size_t aotc_model_num_outputs(const aotc_model* model);
/* *info (caller-owned struct) is filled in; index must be < the count. */
AOTC_API aotc_status aotc_model_input_info(const aotc_model* model, size_t index,
                                           aotc_tensor_info* info);
AOTC_API aotc_status aotc_model_output_info(const aotc_model* model, size_t index,
                                            aotc_tensor_info* info);

/* The shape symbols and their inclusive ranges (INT64_MIN / INT64_MAX when
 * unbounded). *name is owned by the model. */
AOTC_API size_t aotc_model_num_symbols(const aotc_model* model);
AOTC_API aotc_status aotc_model_symbol_info(const aotc_model* model, size_t index,
                                            const char** name, int64_t* min, int64_t* max);

typedef struct aotc_run_options {
  uint32_t struct_size; /* sizeof(aotc_run_options) */
  uint32_t flags;       /* none yet: 0 */
  /* CUDA models: the CUstream to run on (borrowed); NULL is the legacy default
   * stream. With device-resident inputs the run is asynchronous on this stream
   * (outputs are ready when the stream reaches that point); with host-resident
   * inputs the runtime copies them to the device, runs, copies the outputs back
   * to the host and synchronises the stream before returning. */
  void* stream;
  void* reserved[6];
} aotc_run_options;

AOTC_API void aotc_run_options_init(aotc_run_options* options);

/* Runs the model. `inputs` (num_inputs borrowed tensors; the runtime keeps no
 * reference after the call) are checked against the model first: on a
 * refusal (AOTC_ERROR_INVALID_INPUT) nothing runs. On success `outputs`
 * (caller-owned array of num_outputs) receives one owning reference per
 * output, contiguous, on the device of the inputs (the model's device when
 * there are no inputs). `options` is borrowed and may be NULL. */
AOTC_API aotc_status aotc_model_run(aotc_model* model, aotc_tensor* const* inputs,
                                    size_t num_inputs, aotc_tensor** outputs, size_t num_outputs,
                                    const aotc_run_options* options);

/* Kernel tuning, for `aotc compile --autotune`: a package compiled as a
 * tuning build times every candidate kernel of its tunable nodes during the
 * runs made while a table is set. times_us[node * max_candidates + candidate]
 * receives the mean microseconds per launch, eager launches back to back
 * (NaN: not measured, or the candidate cannot run here), graph_us the same
 * launches replayed from a CUDA graph, heuristic[node] the candidate aotc's heuristic
 * picks at those sizes (-1: the node did not run). The table is borrowed until
 * it is replaced or reset with NULL; runs are kernel by kernel meanwhile.
 * CUDA models loaded without AOTC_LOAD_CUDA_GRAPHS only; no run may be in
 * progress. Packages that are not
 * tuning builds run as usual and leave the table alone. */
typedef struct aotc_tuning {
  uint32_t struct_size; /* sizeof(aotc_tuning) */
  uint32_t repeats;     /* timed launches per candidate after two warm-up ones; 0: 10 */
  uint32_t num_nodes;
  uint32_t max_candidates;
  float* times_us;    /* num_nodes * max_candidates: eager launches back to back */
  int32_t* heuristic; /* num_nodes */
  float* graph_us;    /* num_nodes * max_candidates, or NULL: launches replayed from a CUDA graph */
  void* reserved[3];
} aotc_tuning;
AOTC_API aotc_status aotc_model_set_tuning(aotc_model* model, aotc_tuning* tuning);

/* Waits until `stream` (a CUstream, NULL: the legacy default stream) on
 * device cuda:`device_index` has finished its work: what a caller does before
 * reading device outputs of an asynchronous run. */
AOTC_API aotc_status aotc_cuda_stream_synchronize(int32_t device_index, void* stream);

/* Reads a package's manifest (extra/aotc_manifest.json) after checking the
 * package's structure, without loading any model. *out_json receives a
 * NUL-terminated copy: free it with aotc_free. */
AOTC_API aotc_status aotc_package_read_manifest(const char* path, char** out_json);

/* Frees memory the runtime returned (aotc_package_read_manifest). NULL is ignored. */
AOTC_API void aotc_free(void* memory);

/* ---- .npy files ----------------------------------------------------------------------- */

/* bfloat16 tensors are stored in .npy files as float32 values (converted,
 * rounding to nearest even on load) instead of uint16 bit patterns. */
#define AOTC_NPY_BF16_AS_FLOAT32 0x1u

/* Loads a little-endian, C-order .npy file into a new CPU tensor. `want_dtype`
 * is -1 for the file's own dtype, or the dtype the caller needs: it must match
 * the file's, except that bfloat16 reads uint16 bit patterns (or float32
 * values with AOTC_NPY_BF16_AS_FLOAT32). *out receives an owning reference. */
AOTC_API aotc_status aotc_npy_load(const char* path, int32_t want_dtype, uint32_t flags,
                                   aotc_tensor** out);

/* Saves `tensor` (borrowed; any device, any strides) as a C-order .npy file;
 * bfloat16 is written as uint16 bit patterns, or as float32 values with
 * AOTC_NPY_BF16_AS_FLOAT32. */
AOTC_API aotc_status aotc_npy_save(const char* path, const aotc_tensor* tensor, uint32_t flags);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* AOTC_RUNTIME_H_ */

// The interface between generated model code and aotc's model support library.
//
// Every model library (`<h>.wrapper.so` in a package) is the generated
// wrapper.cpp linked with libaotc_model_rt.a. The generated code describes
// the model (ModelSpec: inputs, outputs, symbols, constants, call spec) and
// provides its computation (run, plus optional init/destroy); the support
// library implements everything else once:
//   - the AOTInductor container entry points and aotc's own (aotc/model_abi.h),
//   - the host tensor table (aotc's runtime gives one; inside PyTorch it is
//     filled from the process's `aoti_torch_*` symbols),
//   - input checking on every call (dtype, rank, static sizes, symbols solved
//     from the inputs, each within its range and consistent; contiguity;
//     device), with messages naming the input and dimension,
//   - output allocation (fresh, contiguous, through the host),
//   - a pool of model instances for concurrent callers, each with its own
//     arena (scratch memory for intermediates) and CPU thread pool access,
//   - weights: mapped by the aotc runtime, or read from the package folder
//     inside PyTorch; uploaded once to the device for CUDA models,
//   - CUDA: the driver API loaded at run time (no link-time libcuda), module
//     loading of the embedded cubin for the device's arch or its PTX.
// Generated code sees only this header (and kernel headers); it never calls
// the host directly.
//
// Input checking, precisely: for each input in order, its dtype, its device
// (type, and index for CUDA), its rank, then each dimension in order: a
// kStatic dimension must equal its value; a kLinear dimension solves its
// symbol the first time the symbol is seen (the size minus the offset must be
// a multiple of the coefficient, and the symbol must fall within its range)
// and must agree with the symbol's value after that; then the input must be
// contiguous (strides of size-1 dimensions are not compared; an empty tensor
// is always contiguous). kExpr dimensions are checked after all inputs. Every
// refusal names the input (index and name), the dimension, what was expected
// and what was found; nothing runs, and the stolen input handles are still
// released.
//
// Errors inside generated code are returned, never thrown: run/init return
// non-zero and write a sentence into their error buffer (which has room for
// at least 1024 bytes).
#pragma once

#include <cstddef>
#include <cstdint>

namespace aotc_model {

inline constexpr uint32_t kModelRtVersion = 1;

/// How one dimension of an input or output is given.
enum class DimKind : uint8_t {
  kStatic,  ///< size == value
  kLinear,  ///< size == value * symbols[symbol] + offset (value != 0); solves the symbol if unknown
  kExpr,    ///< size == spec.eval_expr(expr, symbols), checked once all symbols are known
};

struct DimSpec {
  DimKind kind;
  int64_t value;   ///< kStatic: the size; kLinear: the coefficient
  int32_t symbol;  ///< kLinear: index into ModelSpec::symbols
  int64_t offset;  ///< kLinear: the constant term
  int32_t expr;    ///< kExpr: argument to eval_expr
  /// The dimension as the user sees it ("4", "s0", "2*s0 + 1", "s0 // 2"), for
  /// error messages; may be null (the support library then prints the spec).
  const char* text;
};

struct TensorSpec {
  const char* name;
  int32_t dtype;  ///< c10 code (AOTC_C10_*)
  int32_t rank;
  const DimSpec* dims;
};

/// A symbol and its inclusive range (INT64_MIN / INT64_MAX when unbounded).
struct SymbolSpec {
  const char* name;
  int64_t min;
  int64_t max;
};

/// A weight inside the weights blob (reported through the AOTI constants queries).
struct ConstantSpec {
  const char* name;  ///< internal name
  const char* fqn;   ///< original parameter/buffer name ("fc1.weight"); may be a folded constant's name
  int32_t dtype;
  int32_t rank;
  const int64_t* sizes;
  uint64_t offset;  ///< byte offset in the weights blob, 64-byte aligned
  uint64_t nbytes;
  bool from_folded;  ///< produced by compile-time folding rather than read from the program
  /// AOTInductor's ConstantType: 0 unknown, 1 parameter, 2 buffer, 3 tensor
  /// constant, 4 folded constant (GetConstantType reports it).
  int32_t type;
};

/// What a run sees. Pointers are device pointers for CUDA models. For a CUDA
/// model, run is called with the model's device context current and must
/// enqueue all its work on `stream` (it need not synchronise).
struct RunContext {
  const int64_t* symbols;     ///< values of ModelSpec::symbols, in order
  const void* const* inputs;  ///< data of each input, contiguous, in input order
  void* const* outputs;       ///< data of each freshly allocated contiguous output
  void* arena;                ///< arena_bytes(symbols) bytes of scratch, 256-byte aligned
  const void* weights;        ///< the weights blob (on the model's device)
  void* stream;               ///< CUstream for CUDA models, null for CPU
  void* state;                ///< what init() returned (shared by all instances, read-only)
  int32_t device_index;
  /// Runs fn(begin, end, arg) over [0, n) split in chunks of at least `grain`
  /// on the CPU thread pool; returns when all chunks are done. Safe to call
  /// from concurrent runs.
  void (*parallel_for)(int64_t n, int64_t grain, void (*fn)(int64_t begin, int64_t end, void* arg), void* arg);
  /// Threads parallel_for may use, the caller included (>= 1); for blocking.
  int32_t num_threads;
  /// CUDA: this instance's library state (cuDNN and cuBLASLt handles,
  /// workspaces, plans), opaque; generated code passes the RunContext to
  /// cuda_cudnn_conv2d and cuda_cublaslt_gemm.
  void* libs;
  /// Tuning builds: the host's AotcTuning (model_abi.h) during a tuning run,
  /// else null; generated code passes the RunContext to cuda_tune_node.
  void* tuning;
};

/// What init sees (once per container, before any run; for CUDA with the
/// model's device context current).
struct InitContext {
  const void* weights;   ///< on the model's device
  int32_t device_type;   ///< AOTC_DEVICE_*
  int32_t device_index;
  /// CUDA: the device's compute capability (e.g. 90), 0 for CPU.
  int32_t compute_capability;
  /// The package's model folder when the host extracted it (PyTorch), else null.
  const char* cubin_dir;
  /// CUDA: the device's multiprocessor count, 0 for CPU.
  int32_t multiprocessors;
};

struct ModelSpec {
  uint32_t rt_version;  ///< kModelRtVersion the code was generated for
  const char* model_name;
  int32_t device_type;  ///< AOTC_DEVICE_CPU or AOTC_DEVICE_CUDA
  size_t num_inputs;
  const TensorSpec* inputs;
  size_t num_outputs;
  const TensorSpec* outputs;
  size_t num_symbols;
  const SymbolSpec* symbols;
  size_t num_constants;
  const ConstantSpec* constants;
  const char* in_spec;   ///< pytree TreeSpec JSON of ((args), {kwargs})
  const char* out_spec;
  const char* weights_file;  ///< basename of the weights entry in the package's model folder
  uint64_t weights_size;

  /// Value of a kExpr dimension (may be null if no dim uses kExpr).
  int64_t (*eval_expr)(int32_t expr, const int64_t* symbols);
  /// Scratch bytes a run needs for these symbol values.
  uint64_t (*arena_bytes)(const int64_t* symbols);
  /// Optional: prepares shared state (e.g. loads CUDA modules). Returns 0 on
  /// success; on failure writes a message into `error` (capacity `error_size`).
  int (*init)(const InitContext* ctx, void** state, char* error, size_t error_size);
  /// Optional: frees what init made.
  void (*destroy)(void* state);
  /// The computation. Returns 0, or non-zero with a message in `error`.
  int (*run)(const RunContext* ctx, char* error, size_t error_size);
};

// ---- CUDA helpers for generated init/run code ------------------------------------
//
// The support library owns the driver API (loaded at run time); generated
// code reaches it only through these. Each returns 0, or non-zero with a
// sentence in `error` naming the driver call that failed, its error, and
// where. Handles are the driver's CUmodule / CUfunction / CUstream.

enum class CudaImageKind : uint8_t {
  kCubin,  ///< SASS for exactly one compute capability
  kPtx,    ///< PTX text (NUL-terminated or not); the driver JIT-compiles it
};

/// One embedded device image of a module.
struct CudaImage {
  int32_t arch;  ///< compute capability as major*10 + minor: 80, 86, 90, 100, ...
  CudaImageKind kind;
  const void* data;
  size_t size;
};

/// Which image suits a device of compute capability `cc`: the cubin whose arch
/// equals cc, else the PTX with the highest arch <= cc, else -1.
int cuda_select_image(const CudaImage* images, size_t num_images, int32_t cc);

/// Loads a module for the model's device from the image cuda_select_image
/// picks; fails naming the device's sm and the images' archs if none suits.
int cuda_load_module(const InitContext* ctx, const CudaImage* images, size_t num_images, void** module,
                     char* error, size_t error_size);

/// Looks up a kernel; raises its dynamic shared memory limit when
/// `dynamic_smem_bytes` exceeds the default 48 KiB.
int cuda_get_function(void* module, const char* name, uint32_t dynamic_smem_bytes, void** function,
                      char* error, size_t error_size);

/// cuda_launch flag: programmatic dependent launch (sm_90 and newer). The
/// kernel may start while the previous kernel on the stream still runs; it
/// must wait for it (griddepcontrol.wait, AOTC_KERNEL_ENTRY in generated
/// code) before it touches memory.
constexpr uint32_t kLaunchProgrammatic = 1;

/// cuLaunchKernel on `stream` (RunContext::stream); with kLaunchProgrammatic,
/// cuLaunchKernelEx with programmatic stream serialization.
int cuda_launch(void* function, uint32_t grid_x, uint32_t grid_y, uint32_t grid_z, uint32_t block_x,
                uint32_t block_y, uint32_t block_z, uint32_t dynamic_smem_bytes, void* stream, void** args,
                uint32_t flags, char* error, size_t error_size);

/// The launch flags a loaded module's kernels take: kLaunchProgrammatic when
/// its image was compiled with the grid-dependency wait (its global
/// `aotc_grid_dependency` is 1: sm_90 and newer), the driver has
/// cuLaunchKernelEx and AOTC_PDL is not 0; else 0. Never fails.
uint32_t cuda_launch_flags(void* module);

/// Copies `bytes` bytes of the module's global `name` (a __device__ variable)
/// into host memory at `dst`, e.g. a kernel's launch configuration.
int cuda_get_global(void* module, const char* name, void* dst, size_t bytes, char* error, size_t error_size);

/// Unloads a module (from destroy). Null is ignored.
void cuda_unload_module(void* module);

/// Device memory a model prepares at init from its weights (Winograd's
/// transformed filters): allocated on the model's device, written by kernels
/// launched on the legacy stream, then cuda_device_synchronize once; freed in
/// destroy (null is ignored).
int cuda_device_alloc(size_t bytes, void** ptr, char* error, size_t error_size);
void cuda_device_free(void* ptr);
int cuda_device_synchronize(char* error, size_t error_size);

/// A 2-D convolution for cuDNN: NCHW input, [k, c / groups, r, s] filter and
/// NCHW output, all contiguous and of one dtype (c10 codes: 6 float32,
/// 5 float16, 15 bfloat16). No bias: generated code applies its epilogue.
struct CudnnConv2d {
  int32_t id;          ///< the convolution's number in the model: keys its plans
  int32_t dtype;
  int32_t allow_tf32;  ///< float32 may use TF32 tensor cores
  int32_t groups;
  int64_t n, c, h, w;  ///< input
  int64_t k, r, s;     ///< filter
  int64_t out_h, out_w;
  int32_t pad_h, pad_w, stride_h, stride_w, dil_h, dil_w;
  /// Below this many floating-point operations (2 * n * out_h * out_w * k *
  /// c / groups * r * s) aotc's own kernel is faster: status 2.
  /// AOTC_CUDNN_MIN_FLOPS overrides it for every convolution.
  double min_flops;
  const void* x;
  const void* weight;
  void* y;
};

/// Enqueues `conv` through cuDNN on rc->stream. Returns 0 when enqueued; 1 on
/// failure with a message in `error`; 2 when cuDNN should not run it (not
/// found, turned off with AOTC_CUDNN=0, below min_flops, sizes past its int32
/// limits): the caller then runs its own kernel.
int cuda_cudnn_conv2d(const RunContext* rc, const CudnnConv2d* conv, char* error, size_t error_size);

/// A GEMM for cuBLASLt: out[b][m][n] = sum_k a[b][m][k] * b[b][k][n]
/// (+ bias[n]), with a and b at any element strides (one of each operand's
/// two matrix strides must be 1), out contiguous. Types (c10 codes): a and b
/// float32 (out float32), or both float16 / bfloat16 (out the same type or
/// float32); bias, when given, has out's type. Accumulates in float32; float32
/// operands use TF32 tensor cores only with allow_tf32.
struct CublasLtGemm {
  int32_t id;  ///< the GEMM's number in the model: keys its plans
  int32_t ab_dtype;
  int32_t out_dtype;
  int32_t allow_tf32;
  int64_t batch, m, n, k;
  int64_t a_stride_batch, a_stride_m, a_stride_k;
  int64_t b_stride_batch, b_stride_k, b_stride_n;
  /// Below this many floating-point operations (2 * batch * m * n * k)
  /// aotc's own kernel is faster: status 2. AOTC_CUBLASLT_MIN_FLOPS overrides it.
  double min_flops;
  const void* a;
  const void* b;
  const void* bias;  ///< n elements, or null
  void* out;
};

/// Enqueues `gemm` through cuBLASLt on rc->stream (the algorithm its
/// heuristics rank first, bias fused as its epilogue). Returns 0 when
/// enqueued; 1 on failure with a message in `error`; 2 when cuBLASLt should
/// not run it (not found, turned off with AOTC_CUBLASLT=0, below min_flops,
/// strides or types it does not take): the caller then runs its own kernel.
int cuda_cublaslt_gemm(const RunContext* rc, const CublasLtGemm* gemm, char* error, size_t error_size);

/// A tunable node of a tuning build (`aotc compile --autotune`). `run(arg, c)`
/// launches candidate c (0 <= c < num_candidates) on rc->stream and returns 0,
/// 1 on failure (message in `error`), or 2 when that candidate cannot run here
/// (cuDNN missing). Outside a tuning run (rc->tuning null) this runs candidate
/// `heuristic` (candidate 0 if it returns 2). In a tuning run it times every
/// candidate (two warm-up launches, then AotcTuning::repeats launches captured
/// into a CUDA graph and replayed between two events, and as many eager
/// launches back to back), writes the mean microseconds per launch of each way,
/// or NaN, into the host's tables (AotcTuning::graph_us, ::times_us) at row
/// `node`, and records `heuristic` for the row. Returns 0 or 1.
int cuda_tune_node(const RunContext* rc, int32_t node, int32_t num_candidates, int32_t heuristic,
                   int (*run)(void* arg, int32_t candidate), void* arg, char* error, size_t error_size);

}  // namespace aotc_model

/// Defined by the generated code: the model's description and entry points.
extern const aotc_model::ModelSpec& aotc_generated_model_spec();

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
};

/// What a run sees. Pointers are device pointers for CUDA models.
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
};

/// What init sees (once per container, before any run).
struct InitContext {
  const void* weights;   ///< on the model's device
  int32_t device_type;   ///< AOTC_DEVICE_*
  int32_t device_index;
  /// CUDA: the device's compute capability (e.g. 90), 0 for CPU.
  int32_t compute_capability;
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

}  // namespace aotc_model

/// Defined by the generated code: the model's description and entry points.
extern const aotc_model::ModelSpec& aotc_generated_model_spec();

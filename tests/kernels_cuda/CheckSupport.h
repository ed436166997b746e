// CheckSupport: what the GPU check's case families share: the driver API
// (libcuda.so.1 opened at run time), device tensors that remember their exact
// values for float64 references, the compiled kernel library, launching and
// timing, reference helpers (sampling, activations, relative error) and the
// result table. Used by kernel_check.cpp and the Check*.cpp families.
#pragma once

#include <cuda.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "NvrtcCompile.h"

namespace aotc::cuda_test {

// ------------------------------------------------------------------ driver API

// Every driver entry point the check uses, fetched through cuGetProcAddress at
// the CUDA version of the headers. The member names go through cuda.h's
// versioning macros (cuMemAlloc -> cuMemAlloc_v2), so their types match the
// versions cuGetProcAddress returns for that version.
// clang-format off
#define AOTC_DRIVER_FUNCTIONS(X)                                                          \
  X(cuInit) X(cuDriverGetVersion) X(cuDeviceGetCount) X(cuDeviceGet) X(cuDeviceGetName)   \
  X(cuDeviceGetAttribute) X(cuDevicePrimaryCtxRetain) X(cuDevicePrimaryCtxRelease)        \
  X(cuCtxSetCurrent) X(cuCtxSynchronize) X(cuModuleLoadData) X(cuModuleUnload)            \
  X(cuModuleGetFunction) X(cuModuleGetGlobal) X(cuFuncSetAttribute) X(cuFuncGetAttribute) \
  X(cuLaunchKernel) X(cuMemAlloc) X(cuMemFree) X(cuMemcpyHtoD) X(cuMemcpyDtoH)            \
  X(cuMemsetD8) X(cuStreamCreate) X(cuStreamDestroy) X(cuStreamSynchronize)               \
  X(cuStreamBeginCapture) X(cuStreamEndCapture) X(cuGraphInstantiateWithFlags)            \
  X(cuGraphLaunch) X(cuGraphExecDestroy) X(cuGraphDestroy) X(cuEventCreate)               \
  X(cuEventDestroy) X(cuEventRecord) X(cuEventSynchronize) X(cuEventElapsedTime)          \
  X(cuGetErrorName) X(cuGetErrorString)
// clang-format on

struct Driver {
#define AOTC_DECLARE(fn) decltype(&::fn) fn = nullptr;
  AOTC_DRIVER_FUNCTIONS(AOTC_DECLARE)
#undef AOTC_DECLARE

  /// Opens libcuda.so.1; false (with the reason) where there is no driver.
  bool load(std::string& why);
};

/// The process's driver entry points (filled by Driver::load in main).
extern Driver drv;

/// Throws with the call, the driver's error name and file:line unless r is CUDA_SUCCESS.
void check_cu(CUresult r, const char* call, const char* file, int line);
#define AOTC_CU(call) ::aotc::cuda_test::check_cu((call), #call, __FILE__, __LINE__)

// ---------------------------------------------------------------- host values

uint16_t float_to_bf16(float f);
float bf16_to_float(uint16_t h);
uint16_t float_to_half(float f);
float half_to_float(uint16_t h);

enum class DType { kF32, kBF16, kF16 };
const char* dtype_name(DType t);
size_t dtype_size(DType t);

/// A device array plus the exact values it holds (as doubles) for references.
struct Tensor {
  DType dtype = DType::kF32;
  size_t numel = 0;
  CUdeviceptr ptr = 0;
  std::vector<double> host;  // inputs: the values on the device; outputs: filled by download()

  Tensor() = default;
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  ~Tensor() {
    if (ptr) drv.cuMemFree(ptr);
  }
  void* arg() { return &ptr; }

  void allocate(DType t, size_t n) {
    dtype = t;
    numel = n;
    AOTC_CU(drv.cuMemAlloc(&ptr, std::max<size_t>(n * dtype_size(t), 16)));
  }
  void upload() {
    std::vector<unsigned char> bytes(numel * dtype_size(dtype));
    for (size_t i = 0; i < numel; ++i) {
      const float f = static_cast<float>(host[i]);
      if (dtype == DType::kF32) {
        std::memcpy(&bytes[i * 4], &f, 4);
      } else {
        const uint16_t h = dtype == DType::kBF16 ? float_to_bf16(f) : float_to_half(f);
        std::memcpy(&bytes[i * 2], &h, 2);
      }
    }
    AOTC_CU(drv.cuMemcpyHtoD(ptr, bytes.data(), bytes.size()));
  }
  /// Poison: every byte 0xFF is a NaN in f32, bf16 and f16.
  void poison() { AOTC_CU(drv.cuMemsetD8(ptr, 0xFF, numel * dtype_size(dtype))); }
  void download() {
    std::vector<unsigned char> bytes(numel * dtype_size(dtype));
    AOTC_CU(drv.cuMemcpyDtoH(bytes.data(), ptr, bytes.size()));
    host.resize(numel);
    for (size_t i = 0; i < numel; ++i) {
      if (dtype == DType::kF32) {
        float f;
        std::memcpy(&f, &bytes[i * 4], 4);
        host[i] = f;
      } else {
        uint16_t h;
        std::memcpy(&h, &bytes[i * 2], 2);
        host[i] = dtype == DType::kBF16 ? bf16_to_float(h) : half_to_float(h);
      }
    }
  }
};

/// The check's random generator (seeded from the system once per run).
std::mt19937_64& rng();
/// Allocates and fills with uniform values in [-scale, scale], rounded to the dtype.
std::unique_ptr<Tensor> random_tensor(DType t, size_t n, double scale = 1.0);
/// Allocates and poisons (NaN bytes).
std::unique_ptr<Tensor> output_tensor(DType t, size_t n);

// --------------------------------------------------------------------- kernels

struct Kernel {
  CUfunction fn = nullptr;
  int threads = 0;
  int smem = 0;
  long long tile_m = 0, tile_n = 0;
};

struct CompiledUnit {
  NvrtcOutput out;
  CUmodule module = nullptr;
};

/// Every unit compiled for the device and loaded; kernels found by name.
class KernelLibrary {
 public:
  /// Compiles every KernelSources unit for `arch` (in parallel) and loads it;
  /// kernels needing more shared memory than `max_smem_optin` are left out.
  void build(const std::string& arch, int max_smem_optin);
  const Kernel& get(const std::string& name) const;
  bool has(const std::string& name) const { return kernels_.count(name) != 0; }
  /// Writes each unit's cubin as DIR/<unit>.cubin (for cuobjdump / nvdisasm).
  void dump_cubins(const std::string& dir) const;
  void print_compile_report(const std::string& arch) const;
  const std::vector<std::string>& failed_units() const { return failed_units_; }

 private:
  std::vector<CompiledUnit> units_;
  std::map<std::string, Kernel> kernels_;
  std::vector<std::string> failed_units_;
  double compile_wall_ = 0;
};

struct Grid {
  unsigned x = 1, y = 1, z = 1;
};

void launch(const Kernel& k, Grid g, std::vector<void*> args, CUstream s);
unsigned ceil_div_u(long long a, long long b);

/// Median microseconds per launch: back-to-back launches captured in a graph,
/// replayed 15 times after a warm-up.
double time_us(const std::function<void(CUstream)>& run, CUstream s);

// ----------------------------------------------------------------- references

/// Runs f(i) for i in [0, n) on all cores.
void parallel_for(size_t n, const std::function<void(size_t)>& f);

/// The indices to check: all of them if the reference costs at most `budget`
/// multiply-adds in total, else a random sample (plus the first and last).
std::vector<size_t> pick_indices(size_t count, double cost_each, double budget = 4e8,
                                 size_t sample = 3000);

/// Activations, numbered like the kernels' harness functors (KernelSources).
enum Act { kIdentity, kRelu, kSigmoid, kSilu, kGeluTanh, kGelu, kHardswish, kMish, kSoftplus };
/// The activation in float64.
double act_ref(int act, double x);

struct ErrorStats {
  double rel = 0;
  bool nan = false;
  size_t checked = 0;
};

/// ||out - ref|| / ||ref|| over the checked indices; NaN anywhere in `out` fails.
ErrorStats compare(const std::vector<double>& out, const std::vector<size_t>& idx,
                   const std::vector<double>& ref);

// ------------------------------------------------------------------ reporting

struct Row {
  std::string family, label, kernel, shape, dtype;
  double err = 0, tol = 0;
  bool pass = false;
  bool nan = false;
  bool sampled = false;
  double us = 0;
  double rate = 0;        // TFLOP/s or GB/s
  std::string rate_unit;  // "TFLOP/s" or "GB/s"
  std::string note;
};

struct Options {
  bool quick = false;
  bool time = true;
  std::string filter;
  std::string csv;
  std::string cubin_dir;
};

struct Context {
  KernelLibrary lib;
  CUstream stream = nullptr;
  Options opt;
  std::vector<Row> rows;
  int sms = 0;
};

/// One table line.
void print_row(const Row& r);
/// Whether the case passes --filter and its kernel is loaded (says so if not).
bool selected(const Context& c, const std::string& label, const std::string& kernel);
/// Fills in the error, times `run` unless --no-time, prints and records the row;
/// `work` is FLOPs (flops) or bytes.
void finish(Context& c, Row r, const ErrorStats& e, const std::function<void(CUstream)>& run,
            double work, bool flops);

// -------------------------------------------------------------- kernel params

/// Host mirror of aotc::cuda::Conv2dParams (conv.cuh; CheckConv, CheckWinograd).
struct Conv2dParamsHost {
  CUdeviceptr x, w;
  int64_t batch, in_c, in_h, in_w;
  int64_t out_c, out_h, out_w, k_h, k_w;
  int64_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups;
  int64_t x_stride_n, x_stride_c, x_stride_h, x_stride_w;
  int64_t w_stride_o, w_stride_c, w_stride_h, w_stride_w;
};
static_assert(sizeof(Conv2dParamsHost) == 208, "mirror of aotc::cuda::Conv2dParams");

// ------------------------------------------------------------------- families

void run_gemm_cases(Context& c);       // CheckGemm.cpp
void run_attention_cases(Context& c);  // CheckAttention.cpp
void run_rowwise_cases(Context& c);    // CheckRowwise.cpp: row ops and pointwise
void run_conv_cases(Context& c);       // CheckConv.cpp
void run_winograd_cases(Context& c);   // CheckWinograd.cpp

}  // namespace aotc::cuda_test

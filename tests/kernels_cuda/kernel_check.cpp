// aotc_cuda_kernel_check: runs aotc's CUDA kernel templates on a GPU and
// checks and times them.
//
// It NVRTC-compiles every unit of KernelSources for the device's arch (in
// parallel), loads the cubins through the driver API (libcuda.so.1, opened at
// run time), and for each case: fills inputs with fresh random values, poisons
// the output with NaN bytes, launches once, compares against a float64 CPU
// reference (relative error ||out - ref|| / ||ref|| over every element, or
// over a random sample for the biggest shapes; any NaN anywhere fails), then
// times it (warm-up, a CUDA graph of back-to-back launches, median of 15
// replays) and prints one table row: kernel, shape, dtype, error, time,
// throughput.
//
//   aotc_cuda_kernel_check [--quick] [--filter SUBSTR] [--csv FILE] [--no-time]
//                          [--dump-cubins DIR]
//
// Exit codes: 0 all cases passed, 1 a case failed or an error occurred,
// 77 no CUDA driver or GPU (skipped).
#include <cuda.h>
#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "KernelSources.h"
#include "NvrtcCompile.h"

namespace aotc::cuda_test {
namespace {

// ------------------------------------------------------------------ driver API

// Every driver entry point the check uses, fetched through cuGetProcAddress at
// the CUDA version of the headers. The member names go through cuda.h's
// versioning macros (cuMemAlloc -> cuMemAlloc_v2), so their types match the
// versions cuGetProcAddress returns for that version.
#define AOTC_DRIVER_FUNCTIONS(X)                                                            \
  X(cuInit)                                                                                 \
  X(cuDriverGetVersion) X(cuDeviceGetCount) X(cuDeviceGet) X(cuDeviceGetName)               \
      X(cuDeviceGetAttribute) X(cuDevicePrimaryCtxRetain) X(cuDevicePrimaryCtxRelease)      \
          X(cuCtxSetCurrent) X(cuCtxSynchronize) X(cuModuleLoadData) X(cuModuleUnload)      \
              X(cuModuleGetFunction) X(cuModuleGetGlobal) X(cuFuncSetAttribute)             \
                  X(cuFuncGetAttribute) X(cuLaunchKernel) X(cuMemAlloc) X(cuMemFree)        \
                      X(cuMemcpyHtoD) X(cuMemcpyDtoH) X(cuMemsetD8) X(cuStreamCreate)       \
                          X(cuStreamDestroy) X(cuStreamSynchronize) X(cuStreamBeginCapture) \
                              X(cuStreamEndCapture) X(cuGraphInstantiateWithFlags)          \
                                  X(cuGraphLaunch) X(cuGraphExecDestroy) X(cuGraphDestroy)  \
                                      X(cuEventCreate) X(cuEventDestroy) X(cuEventRecord)   \
                                          X(cuEventSynchronize) X(cuEventElapsedTime)       \
                                              X(cuGetErrorName) X(cuGetErrorString)

struct Driver {
#define AOTC_DECLARE(fn) decltype(&::fn) fn = nullptr;
  AOTC_DRIVER_FUNCTIONS(AOTC_DECLARE)
#undef AOTC_DECLARE

  /// Opens libcuda.so.1; false (with the reason) where there is no driver.
  bool load(std::string& why) {
    void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* err = dlerror();
      why = std::string("cannot open libcuda.so.1 (") + (err ? err : "?") + ")";
      return false;
    }
    using GetProc =
        CUresult (*)(const char*, void**, int, cuuint64_t, CUdriverProcAddressQueryResult*);
    auto get_proc = reinterpret_cast<GetProc>(dlsym(lib, "cuGetProcAddress_v2"));
    if (get_proc == nullptr) {
      why = "libcuda.so.1 has no cuGetProcAddress_v2 (driver older than CUDA 12)";
      return false;
    }
#define AOTC_RESOLVE(fn)                                                                         \
  {                                                                                              \
    void* p = nullptr;                                                                           \
    CUdriverProcAddressQueryResult status{};                                                     \
    if (get_proc(#fn, &p, CUDA_VERSION, CU_GET_PROC_ADDRESS_DEFAULT, &status) != CUDA_SUCCESS || \
        p == nullptr) {                                                                          \
      why = std::string("the driver lacks ") + #fn;                                              \
      return false;                                                                              \
    }                                                                                            \
    fn = reinterpret_cast<decltype(fn)>(p);                                                      \
  }
    AOTC_DRIVER_FUNCTIONS(AOTC_RESOLVE)
#undef AOTC_RESOLVE
    return true;
  }
};

Driver drv;

void check_cu(CUresult r, const char* call, const char* file, int line) {
  if (r == CUDA_SUCCESS) return;
  const char* name = "?";
  const char* text = "?";
  if (drv.cuGetErrorName) drv.cuGetErrorName(r, &name);
  if (drv.cuGetErrorString) drv.cuGetErrorString(r, &text);
  throw std::runtime_error(std::string(call) + " failed: " + name + " (" + text + ") at " + file +
                           ":" + std::to_string(line));
}
#define AOTC_CU(call) check_cu((call), #call, __FILE__, __LINE__)

// ------------------------------------------------------------- host 16-bit floats

uint16_t float_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest even
  return static_cast<uint16_t>(u >> 16);
}
float bf16_to_float(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t man = h & 0x3ffu;
  float f;
  if (exp == 0) {
    f = std::ldexp(static_cast<float>(man), -24);
    uint32_t u;
    std::memcpy(&u, &f, 4);
    u |= sign;
    std::memcpy(&f, &u, 4);
    return f;
  }
  uint32_t u =
      exp == 31 ? (sign | 0x7f800000u | (man << 13)) : (sign | ((exp + 112) << 23) | (man << 13));
  std::memcpy(&f, &u, 4);
  return f;
}
uint16_t float_to_half(float f) {
  // Values here are small and normal; round to nearest even through the float bits.
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t sign = (u >> 16) & 0x8000u;
  const int exp = static_cast<int>((u >> 23) & 0xff) - 127 + 15;
  uint32_t man = u & 0x7fffffu;
  if (exp <= 0) {  // subnormal half
    if (exp < -10) return static_cast<uint16_t>(sign);
    man |= 0x800000u;
    const int shift = 14 - exp;
    uint32_t h = man >> shift;
    const uint32_t rem = man & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (h & 1u))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  uint32_t h = (static_cast<uint32_t>(exp) << 10) | (man >> 13);
  const uint32_t rem = man & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
    ++h;  // may carry into the exponent: still right
  return static_cast<uint16_t>(sign | h);
}

enum class DType { kF32, kBF16, kF16 };
const char* dtype_name(DType t) {
  return t == DType::kF32 ? "f32" : t == DType::kBF16 ? "bf16" : "f16";
}
size_t dtype_size(DType t) {
  return t == DType::kF32 ? 4 : 2;
}

// ---------------------------------------------------------------- device memory

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

std::mt19937_64& rng() {
  static std::mt19937_64 r(std::random_device{}());
  return r;
}

/// Allocates and fills with uniform values in [-scale, scale], rounded to the dtype.
std::unique_ptr<Tensor> random_tensor(DType t, size_t n, double scale = 1.0) {
  auto x = std::make_unique<Tensor>();
  x->allocate(t, n);
  x->host.resize(n);
  std::uniform_real_distribution<double> u(-scale, scale);
  for (double& v : x->host) {
    const float f = static_cast<float>(u(rng()));
    v = t == DType::kF32    ? f
        : t == DType::kBF16 ? bf16_to_float(float_to_bf16(f))
                            : half_to_float(float_to_half(f));
  }
  x->upload();
  return x;
}

std::unique_ptr<Tensor> output_tensor(DType t, size_t n) {
  auto x = std::make_unique<Tensor>();
  x->allocate(t, n);
  x->poison();
  return x;
}

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
  void build(const std::string& arch, int max_smem_optin) {
    const auto& units = kernel_units();
    units_.resize(units.size());
    std::atomic<size_t> next{0};
    const auto t0 = std::chrono::steady_clock::now();
    const unsigned workers = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (unsigned w = 0; w < workers; ++w) {
      pool.emplace_back([&] {
        for (size_t i = next++; i < units.size(); i = next++)
          units_[i].out = nvrtc_compile(units[i].source, units[i].name + ".cu", arch, true);
      });
    }
    for (std::thread& t : pool) t.join();
    compile_wall_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    for (size_t i = 0; i < units.size(); ++i) {
      if (!units_[i].out.ok) {
        std::fprintf(stderr, "NVRTC failed for %s:\n%s\n", units[i].name.c_str(),
                     units_[i].out.log.c_str());
        failed_units_.push_back(units[i].name);
        continue;
      }
      AOTC_CU(drv.cuModuleLoadData(&units_[i].module, units_[i].out.image.data()));
      for (const std::string& k : units[i].kernels) {
        Kernel kern;
        AOTC_CU(drv.cuModuleGetFunction(&kern.fn, units_[i].module, k.c_str()));
        CUdeviceptr info_ptr = 0;
        size_t info_size = 0;
        AOTC_CU(
            drv.cuModuleGetGlobal(&info_ptr, &info_size, units_[i].module, (k + "_info").c_str()));
        long long info[4] = {0, 0, 0, 0};
        if (info_size != sizeof(info)) throw std::runtime_error(k + "_info has the wrong size");
        AOTC_CU(drv.cuMemcpyDtoH(info, info_ptr, sizeof(info)));
        kern.threads = static_cast<int>(info[0]);
        kern.smem = static_cast<int>(info[1]);
        kern.tile_m = info[2];
        kern.tile_n = info[3];
        if (kern.smem > max_smem_optin) {
          std::printf(
              "note: %s needs %d bytes of shared memory, more than this GPU allows; its cases are "
              "skipped\n",
              k.c_str(), kern.smem);
          continue;
        }
        if (kern.smem > 48 * 1024)
          AOTC_CU(drv.cuFuncSetAttribute(kern.fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                         kern.smem));
        kernels_[k] = kern;
      }
    }
  }

  const Kernel& get(const std::string& name) const {
    auto it = kernels_.find(name);
    if (it == kernels_.end()) throw std::runtime_error("kernel " + name + " is not loaded");
    return it->second;
  }
  bool has(const std::string& name) const { return kernels_.count(name) != 0; }

  /// Writes each unit's cubin as DIR/<unit>.cubin (for cuobjdump / nvdisasm).
  void dump_cubins(const std::string& dir) const {
    const auto& units = kernel_units();
    for (size_t i = 0; i < units.size(); ++i) {
      if (!units_[i].out.ok) continue;
      if (FILE* f = std::fopen((dir + "/" + units[i].name + ".cubin").c_str(), "wb")) {
        std::fwrite(units_[i].out.image.data(), 1, units_[i].out.image.size(), f);
        std::fclose(f);
      }
    }
  }

  void print_compile_report(const std::string& arch) const {
    const auto& units = kernel_units();
    std::vector<double> secs;
    for (const CompiledUnit& u : units_) secs.push_back(u.out.seconds);
    std::vector<double> sorted = secs;
    std::sort(sorted.begin(), sorted.end());
    double total = 0;
    for (double s : secs) total += s;
    std::printf(
        "NVRTC %s for %s: %zu units, %.2f s wall (parallel), per unit min %.2f / median %.2f / max "
        "%.2f s, "
        "sum %.1f s\n",
        nvrtc_version().c_str(), arch.c_str(), units.size(), compile_wall_, sorted.front(),
        sorted[sorted.size() / 2], sorted.back(), total);
    for (size_t i = 0; i < units.size(); ++i)
      std::printf("  compile %-30s %6.2f s  spills %d B\n", units[i].name.c_str(), secs[i],
                  ptxas_spill_bytes(units_[i].out.log));
  }

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

void launch(const Kernel& k, Grid g, std::vector<void*> args, CUstream s) {
  AOTC_CU(drv.cuLaunchKernel(k.fn, g.x, g.y, g.z, static_cast<unsigned>(k.threads), 1, 1,
                             static_cast<unsigned>(k.smem), s, args.data(), nullptr));
}

unsigned ceil_div_u(long long a, long long b) {
  return static_cast<unsigned>((a + b - 1) / b);
}

// --------------------------------------------------------------------- timing

/// Median microseconds per launch: back-to-back launches captured in a graph,
/// replayed 15 times after a warm-up.
double time_us(const std::function<void(CUstream)>& run, CUstream s) {
  CUevent e0, e1;
  AOTC_CU(drv.cuEventCreate(&e0, CU_EVENT_DEFAULT));
  AOTC_CU(drv.cuEventCreate(&e1, CU_EVENT_DEFAULT));
  for (int i = 0; i < 3; ++i) run(s);
  AOTC_CU(drv.cuStreamSynchronize(s));
  AOTC_CU(drv.cuEventRecord(e0, s));
  run(s);
  AOTC_CU(drv.cuEventRecord(e1, s));
  AOTC_CU(drv.cuEventSynchronize(e1));
  float one_ms = 0;
  AOTC_CU(drv.cuEventElapsedTime(&one_ms, e0, e1));
  const int reps = std::clamp(static_cast<int>(2.0 / std::max(one_ms, 0.001f)), 1, 200);

  CUgraph graph;
  CUgraphExec exec;
  AOTC_CU(drv.cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL));
  for (int i = 0; i < reps; ++i) run(s);
  AOTC_CU(drv.cuStreamEndCapture(s, &graph));
  AOTC_CU(drv.cuGraphInstantiateWithFlags(&exec, graph, 0));
  AOTC_CU(drv.cuGraphLaunch(exec, s));
  AOTC_CU(drv.cuStreamSynchronize(s));
  std::vector<double> samples;
  for (int i = 0; i < 15; ++i) {
    AOTC_CU(drv.cuEventRecord(e0, s));
    AOTC_CU(drv.cuGraphLaunch(exec, s));
    AOTC_CU(drv.cuEventRecord(e1, s));
    AOTC_CU(drv.cuEventSynchronize(e1));
    float ms = 0;
    AOTC_CU(drv.cuEventElapsedTime(&ms, e0, e1));
    samples.push_back(1000.0 * ms / reps);
  }
  AOTC_CU(drv.cuGraphExecDestroy(exec));
  AOTC_CU(drv.cuGraphDestroy(graph));
  AOTC_CU(drv.cuEventDestroy(e0));
  AOTC_CU(drv.cuEventDestroy(e1));
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

// ----------------------------------------------------------------- references

/// Runs f(i) for i in [0, n) on all cores.
void parallel_for(size_t n, const std::function<void(size_t)>& f) {
  const unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (size_t i = next.fetch_add(64); i < n; i = next.fetch_add(64))
        for (size_t j = i; j < std::min(n, i + 64); ++j) f(j);
    });
  }
  for (std::thread& t : pool) t.join();
}

/// The indices to check: all of them if the reference costs at most `budget`
/// multiply-adds in total, else a random sample (plus the first and last).
std::vector<size_t> pick_indices(size_t count, double cost_each, double budget = 4e8,
                                 size_t sample = 3000) {
  std::vector<size_t> idx;
  if (count * cost_each <= budget || count <= sample) {
    idx.resize(count);
    for (size_t i = 0; i < count; ++i) idx[i] = i;
    return idx;
  }
  std::uniform_int_distribution<size_t> u(0, count - 1);
  idx.push_back(0);
  idx.push_back(count - 1);
  while (idx.size() < sample) idx.push_back(u(rng()));
  return idx;
}

enum Act { kIdentity, kRelu, kSigmoid, kSilu, kGeluTanh, kGelu, kHardswish, kMish, kSoftplus };

double act_ref(int act, double x) {
  switch (act) {
    case kRelu:
      return x > 0 ? x : 0;
    case kSigmoid:
      return 1 / (1 + std::exp(-x));
    case kSilu:
      return x / (1 + std::exp(-x));
    case kGeluTanh:
      return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    case kGelu:
      return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case kHardswish:
      return x * std::min(std::max(x + 3, 0.0), 6.0) / 6;
    case kMish:
      return x * std::tanh(std::log1p(std::exp(x)));
    case kSoftplus:
      return x > 20 ? x : std::log1p(std::exp(x));
    default:
      return x;
  }
}

struct ErrorStats {
  double rel = 0;
  bool nan = false;
  size_t checked = 0;
};

/// ||out - ref|| / ||ref|| over the checked indices; NaN anywhere in `out` fails.
ErrorStats compare(const std::vector<double>& out, const std::vector<size_t>& idx,
                   const std::vector<double>& ref) {
  ErrorStats s;
  for (double v : out)
    if (std::isnan(v)) s.nan = true;
  double num = 0, den = 0;
  for (size_t i = 0; i < idx.size(); ++i) {
    const double d = out[idx[i]] - ref[i];
    num += d * d;
    den += ref[i] * ref[i];
  }
  s.rel = den > 0 ? std::sqrt(num / den) : std::sqrt(num);
  if (std::isnan(s.rel)) s.nan = true;
  s.checked = idx.size();
  return s;
}

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

void print_row(const Row& r) {
  char rate[32] = "";
  if (r.rate > 0) std::snprintf(rate, sizeof rate, "%8.2f %-7s", r.rate, r.rate_unit.c_str());
  std::printf("%-4s %-11s %-22s %-29s %-26s %-5s %9.2e%s %8s %9.2f %s %s\n", r.pass ? "ok" : "FAIL",
              r.family.c_str(), r.label.c_str(), r.kernel.c_str(), r.shape.c_str(), r.dtype.c_str(),
              r.err, r.sampled ? "*" : " ", r.nan ? "NaN!" : "", r.us, rate, r.note.c_str());
  std::fflush(stdout);
}

bool selected(const Context& c, const std::string& label, const std::string& kernel) {
  const bool wanted = c.opt.filter.empty() || label.find(c.opt.filter) != std::string::npos ||
                      kernel.find(c.opt.filter) != std::string::npos;
  if (wanted && !c.lib.has(kernel)) {
    std::printf("skip %-22s %s (kernel not available on this GPU)\n", label.c_str(),
                kernel.c_str());
    return false;
  }
  return wanted;
}

void finish(Context& c, Row r, const ErrorStats& e, const std::function<void(CUstream)>& run,
            double work, bool flops) {
  r.err = e.rel;
  r.nan = e.nan;
  r.pass = !e.nan && e.rel <= r.tol;
  if (c.opt.time) {
    r.us = time_us(run, c.stream);
    r.rate = work / (r.us * 1e-6) / (flops ? 1e12 : 1e9);
    r.rate_unit = flops ? "TFLOP/s" : "GB/s";
  }
  print_row(r);
  c.rows.push_back(r);
}

// ------------------------------------------------------------------------ GEMM

struct GemmParamsHost {
  CUdeviceptr a, b;
  int64_t m, n, k, batch;
  int64_t a_stride_batch, a_stride_m, a_stride_k;
  int64_t b_stride_batch, b_stride_k, b_stride_n;
};
static_assert(sizeof(GemmParamsHost) == 96, "mirror of aotc::cuda::GemmParams");
struct EpiArgsHost {
  CUdeviceptr out, bias, residual;
  int64_t out_sb, out_sm, out_sn, res_sm;
};
static_assert(sizeof(EpiArgsHost) == 56, "mirror of aotc_test::EpiArgs");

struct GemmCase {
  std::string label, kernel;
  int64_t batch, m, n, k;
  DType in, out;
  double tol;
  bool bias = false;
  int act = kIdentity;
  bool residual = false;
  bool a_mn = false;     // A stored [K, M] (m stride 1) instead of [M, K]
  bool b_kn = false;     // B stored [K, N] (row-major) instead of the linear weight [N, K]
  bool a_bcast = false;  // A batch stride 0
  bool b_bcast = false;  // B batch stride 0
  int64_t pad = 0;       // extra elements at the end of each K-contiguous row of A and B
  int64_t splits = 0;    // gemm_simt_linear split-K: 0 = the heuristic
};

struct SplitKHost {
  CUdeviceptr partials, counters;
  int64_t splits;
};
static_assert(sizeof(SplitKHost) == 24, "mirror of aotc::cuda::SplitK");

/// The split-K heuristic documented in docs/cuda-kernels.md: enough blocks to
/// cover the SMs, but at least 4 k slices per split.
int64_t choose_splits(int64_t tiles, int64_t k_slices, int sms) {
  const int64_t want = std::max<int64_t>(1, sms / std::max<int64_t>(1, tiles));
  return std::max<int64_t>(1, std::min(want, k_slices / 4));
}

void run_gemm(Context& c, const GemmCase& g) {
  if (!selected(c, g.label, g.kernel)) return;
  const Kernel& k = c.lib.get(g.kernel);
  const int64_t batch_a = g.a_bcast ? 1 : g.batch, batch_b = g.b_bcast ? 1 : g.batch;
  const int64_t lda = g.k + g.pad, ldb = g.k + g.pad;  // row strides of K-contiguous storage
  auto a = random_tensor(g.in, static_cast<size_t>(batch_a * g.m * (g.a_mn ? g.k : lda)));
  auto b = random_tensor(g.in, static_cast<size_t>(batch_b * (g.b_kn ? g.k * g.n : g.n * ldb)));
  std::unique_ptr<Tensor> bias, res;
  if (g.bias) bias = random_tensor(g.out, static_cast<size_t>(g.n));
  if (g.residual) res = random_tensor(g.out, static_cast<size_t>(g.m * g.n));
  auto out = output_tensor(g.out, static_cast<size_t>(g.batch * g.m * g.n));

  GemmParamsHost p{};
  p.a = a->ptr;
  p.b = b->ptr;
  p.m = g.m;
  p.n = g.n;
  p.k = g.k;
  p.batch = g.batch;
  p.a_stride_batch = g.a_bcast ? 0 : g.m * (g.a_mn ? g.k : lda);
  p.a_stride_m = g.a_mn ? 1 : lda;
  p.a_stride_k = g.a_mn ? g.m : 1;
  p.b_stride_batch = g.b_bcast ? 0 : (g.b_kn ? g.k * g.n : g.n * ldb);
  p.b_stride_k = g.b_kn ? g.n : 1;
  p.b_stride_n = g.b_kn ? 1 : ldb;
  EpiArgsHost e{out->ptr, bias ? bias->ptr : 0, res ? res->ptr : 0, g.m * g.n, g.n, 1, g.n};
  Grid grid{ceil_div_u(g.n, k.tile_n), ceil_div_u(g.m, k.tile_m),
            static_cast<unsigned>(std::min<int64_t>(g.batch, 65535))};
  const bool linear = g.kernel.rfind("linear_", 0) == 0;
  int64_t act = g.act;
  SplitKHost split{0, 0, 1};
  std::unique_ptr<Tensor> partials, counters;
  if (linear) {
    const int64_t tiles = static_cast<int64_t>(grid.x) * grid.y * g.batch;
    split.splits = g.splits > 0 ? g.splits : choose_splits(tiles, (g.k + 31) / 32, c.sms);
    if (split.splits > 1) {
      partials = std::make_unique<Tensor>();
      partials->allocate(DType::kF32,
                         static_cast<size_t>(tiles * split.splits * k.tile_m * k.tile_n));
      partials->poison();
      counters = std::make_unique<Tensor>();
      counters->allocate(DType::kF32, static_cast<size_t>(tiles));
      AOTC_CU(drv.cuMemsetD8(counters->ptr, 0, counters->numel * 4));
      split.partials = partials->ptr;
      split.counters = counters->ptr;
    }
    grid.z = static_cast<unsigned>(g.batch * split.splits);
  }
  auto run = [&](CUstream s) {
    if (linear)
      launch(k, grid, {&p, &e, &act, &split}, s);
    else
      launch(k, grid, {&p, &e}, s);
  };
  run(c.stream);
  AOTC_CU(drv.cuStreamSynchronize(c.stream));
  out->download();

  const size_t count = static_cast<size_t>(g.batch * g.m * g.n);
  const std::vector<size_t> idx = pick_indices(count, static_cast<double>(g.k));
  std::vector<double> ref(idx.size());
  parallel_for(idx.size(), [&](size_t t) {
    const size_t i = idx[t];
    const int64_t bi = static_cast<int64_t>(i) / (g.m * g.n);
    const int64_t mi = (static_cast<int64_t>(i) / g.n) % g.m;
    const int64_t ni = static_cast<int64_t>(i) % g.n;
    double acc = 0;
    for (int64_t kk = 0; kk < g.k; ++kk) {
      const double av = a->host[static_cast<size_t>(bi * p.a_stride_batch + mi * p.a_stride_m +
                                                    kk * p.a_stride_k)];
      const double bv = b->host[static_cast<size_t>(bi * p.b_stride_batch + kk * p.b_stride_k +
                                                    ni * p.b_stride_n)];
      acc += av * bv;
    }
    if (bias) acc += bias->host[static_cast<size_t>(ni)];
    acc = act_ref(g.act, acc);
    if (res) acc += res->host[static_cast<size_t>(mi * g.n + ni)];
    ref[t] = acc;
  });

  Row r;
  r.family = g.kernel.rfind("tc_", 0) == 0 ? "gemm_tc" : "gemm_simt";
  r.label = g.label;
  r.kernel = g.kernel;
  r.shape = (g.batch > 1 ? std::to_string(g.batch) + "x" : "") + std::to_string(g.m) + "x" +
            std::to_string(g.n) + "x" + std::to_string(g.k) +
            (split.splits > 1 ? " sk" + std::to_string(split.splits) : "");
  r.dtype = std::string(dtype_name(g.in)) + "->" + dtype_name(g.out);
  r.tol = g.tol;
  r.sampled = idx.size() < count;
  finish(c, r, compare(out->host, idx, ref), run, 2.0 * g.batch * g.m * g.n * g.k, true);
}

// ------------------------------------------------------------------- attention

struct AttentionParamsHost {
  CUdeviceptr q, k, v;
  int64_t q_stride_b, q_stride_h, q_stride_l, q_stride_e;
  int64_t k_stride_b, k_stride_h, k_stride_s, k_stride_e;
  int64_t v_stride_b, v_stride_h, v_stride_s, v_stride_e;
  int64_t batch, heads, kv_heads, len_q, len_kv, head_dim, head_dim_v;
  float scale;
  int32_t causal;
};
static_assert(sizeof(AttentionParamsHost) == 184, "mirror of aotc::cuda::AttentionParams");
struct AttnOutputHost {
  CUdeviceptr ptr;
  int64_t sb, sh, sl, se;
};
static_assert(sizeof(AttnOutputHost) == 40, "mirror of aotc::cuda::StridedAttentionOutput");

struct AttnCase {
  std::string label, kernel;
  int64_t b, h, hkv, l, s, e, ev;
  bool causal;
  DType dt;
  double tol;
  bool packed = false;        // q, k, v are views of one [B, T, 3, H, E] projection (gpt_block)
  bool q_transposed = false;  // q stored [B, H, E, L] (e stride != 1): the any-stride path
  bool mask = false;          // additive float mask [L, S] with some -inf, one row fully masked
  bool out_blhe = false;      // output written as [B, L, H, Ev] (transpose fused into the store)
};

void run_attention(Context& c, const AttnCase& a) {
  if (!selected(c, a.label, a.kernel)) return;
  const Kernel& k = c.lib.get(a.kernel);
  AttentionParamsHost p{};
  std::unique_ptr<Tensor> qt, kt, vt, packed;
  if (a.packed) {
    // [B, T, 3, H, E]: q at +0, k at +H*E, v at +2*H*E; row stride 3*H*E.
    packed = random_tensor(a.dt, static_cast<size_t>(a.b * a.l * 3 * a.h * a.e));
    const int64_t row = 3 * a.h * a.e;
    const size_t esz = dtype_size(a.dt);
    p.q = packed->ptr;
    p.k = packed->ptr + static_cast<CUdeviceptr>(a.h * a.e * static_cast<int64_t>(esz));
    p.v = packed->ptr + static_cast<CUdeviceptr>(2 * a.h * a.e * static_cast<int64_t>(esz));
    p.q_stride_b = p.k_stride_b = p.v_stride_b = a.l * row;
    p.q_stride_h = p.k_stride_h = p.v_stride_h = a.e;
    p.q_stride_l = p.k_stride_s = p.v_stride_s = row;
    p.q_stride_e = p.k_stride_e = p.v_stride_e = 1;
  } else {
    qt = random_tensor(a.dt, static_cast<size_t>(a.b * a.h * a.l * a.e));
    kt = random_tensor(a.dt, static_cast<size_t>(a.b * a.hkv * a.s * a.e));
    vt = random_tensor(a.dt, static_cast<size_t>(a.b * a.hkv * a.s * a.ev));
    p.q = qt->ptr;
    p.k = kt->ptr;
    p.v = vt->ptr;
    p.q_stride_b = a.h * a.l * a.e;
    p.q_stride_h = a.l * a.e;
    if (a.q_transposed) {
      p.q_stride_l = 1;
      p.q_stride_e = a.l;
    } else {
      p.q_stride_l = a.e;
      p.q_stride_e = 1;
    }
    p.k_stride_b = a.hkv * a.s * a.e;
    p.k_stride_h = a.s * a.e;
    p.k_stride_s = a.e;
    p.k_stride_e = 1;
    p.v_stride_b = a.hkv * a.s * a.ev;
    p.v_stride_h = a.s * a.ev;
    p.v_stride_s = a.ev;
    p.v_stride_e = 1;
  }
  p.batch = a.b;
  p.heads = a.h;
  p.kv_heads = a.hkv;
  p.len_q = a.l;
  p.len_kv = a.s;
  p.head_dim = a.e;
  p.head_dim_v = a.ev;
  p.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(a.e)));
  p.causal = a.causal ? 1 : 0;

  std::unique_ptr<Tensor> mask;
  int64_t mask_ld = a.s;
  if (a.mask) {
    mask = std::make_unique<Tensor>();
    mask->allocate(DType::kF32, static_cast<size_t>(a.l * a.s));
    mask->host.resize(mask->numel);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (int64_t i = 0; i < a.l; ++i)
      for (int64_t j = 0; j < a.s; ++j) {
        double v = static_cast<float>(u(rng()));
        if (u(rng()) < -0.6 || i == 3) v = -INFINITY;  // ~20% masked; row 3 entirely
        mask->host[static_cast<size_t>(i * a.s + j)] = v;
      }
    mask->upload();
  }

  auto out = output_tensor(a.dt, static_cast<size_t>(a.b * a.h * a.l * a.ev));
  AttnOutputHost o{out->ptr, a.h * a.l * a.ev, a.l * a.ev, a.ev, 1};
  if (a.out_blhe) o = AttnOutputHost{out->ptr, a.l * a.h * a.ev, a.ev, a.h * a.ev, 1};
  const Grid grid{ceil_div_u(a.l, k.tile_m), static_cast<unsigned>(a.h),
                  static_cast<unsigned>(a.b)};
  CUdeviceptr mask_ptr = mask ? mask->ptr : 0;
  auto run = [&](CUstream s) {
    if (a.mask)
      launch(k, grid, {&p, &o, &mask_ptr, &mask_ld}, s);
    else
      launch(k, grid, {&p, &o}, s);
  };
  run(c.stream);
  AOTC_CU(drv.cuStreamSynchronize(c.stream));
  out->download();

  // Reference per (b, h, i) row, in float64 from the exact input values.
  const Tensor& src_q = a.packed ? *packed : *qt;
  const Tensor& src_k = a.packed ? *packed : *kt;
  const Tensor& src_v = a.packed ? *packed : *vt;
  const int64_t k_off = a.packed ? a.h * a.e : 0, v_off = a.packed ? 2 * a.h * a.e : 0;
  const size_t row_count = static_cast<size_t>(a.b * a.h * a.l);
  const std::vector<size_t> rows =
      pick_indices(row_count, static_cast<double>(a.s * (a.e + a.ev)), 6e8, 512);
  std::vector<size_t> idx(rows.size() * static_cast<size_t>(a.ev));
  std::vector<double> ref(idx.size());
  const double scale = p.scale;
  parallel_for(rows.size(), [&](size_t t) {
    const int64_t r = static_cast<int64_t>(rows[t]);
    const int64_t bi = r / (a.h * a.l), hi = (r / a.l) % a.h, i = r % a.l;
    const int64_t hk = hi / (a.h / a.hkv);
    std::vector<double> w(static_cast<size_t>(a.s), 0.0);
    double mx = -INFINITY;
    for (int64_t j = 0; j < a.s; ++j) {
      double sc = -INFINITY;
      if (!a.causal || j <= i) {
        double dot = 0;
        for (int64_t e = 0; e < a.e; ++e)
          dot += src_q.host[static_cast<size_t>(bi * p.q_stride_b + hi * p.q_stride_h +
                                                i * p.q_stride_l + e * p.q_stride_e)] *
                 src_k.host[static_cast<size_t>(k_off + bi * p.k_stride_b + hk * p.k_stride_h +
                                                j * p.k_stride_s + e)];
        sc = dot * scale;
        if (mask) sc += mask->host[static_cast<size_t>(i * mask_ld + j)];
      }
      w[static_cast<size_t>(j)] = sc;
      mx = std::max(mx, sc);
    }
    double sum = 0;
    for (double& x : w) {
      x = mx == -INFINITY ? 0.0 : std::exp(x - mx);
      sum += x;
    }
    for (int64_t e = 0; e < a.ev; ++e) {
      double acc = 0;
      for (int64_t j = 0; j < a.s; ++j)
        acc += w[static_cast<size_t>(j)] *
               src_v.host[static_cast<size_t>(v_off + bi * p.v_stride_b + hk * p.v_stride_h +
                                              j * p.v_stride_s + e)];
      const size_t slot = t * static_cast<size_t>(a.ev) + static_cast<size_t>(e);
      ref[slot] = sum > 0 ? acc / sum : 0.0;  // fully masked rows give 0 (documented)
      idx[slot] = static_cast<size_t>(bi * o.sb + hi * o.sh + i * o.sl + e * o.se);
    }
  });
  double pairs = 0;
  for (int64_t i = 0; i < a.l; ++i)
    pairs += a.causal ? static_cast<double>(std::min(i + 1, a.s)) : a.s;
  Row r;
  r.family = "attention";
  r.label = a.label;
  r.kernel = a.kernel;
  r.shape = "B" + std::to_string(a.b) + " H" + std::to_string(a.h) +
            (a.hkv != a.h ? "/" + std::to_string(a.hkv) : "") + " L" + std::to_string(a.l) + " S" +
            std::to_string(a.s) + " E" + std::to_string(a.e) + (a.causal ? " c" : "") +
            (a.mask ? " m" : "");
  r.dtype = dtype_name(a.dt);
  r.tol = a.tol;
  r.sampled = rows.size() < row_count;
  finish(c, r, compare(out->host, idx, ref), run,
         2.0 * a.b * a.h * pairs * static_cast<double>(a.e + a.ev), true);
}

// -------------------------------------------------------------------- row ops

enum class RowOp { kSoftmax, kLogSoftmax, kLayerNorm, kSum, kMean, kMax, kMin, kVar, kStd };

struct RowCase {
  std::string label, kernel;
  RowOp op;
  int64_t rows, n, ld;
  double tol = 1e-5;
  int64_t correction = 1;
};

void run_rowop(Context& c, const RowCase& rc) {
  if (!selected(c, rc.label, rc.kernel)) return;
  const Kernel& k = c.lib.get(rc.kernel);
  const bool reduction =
      rc.op != RowOp::kSoftmax && rc.op != RowOp::kLogSoftmax && rc.op != RowOp::kLayerNorm;
  auto x = random_tensor(DType::kF32, static_cast<size_t>(rc.rows * rc.ld), 4.0);
  std::unique_ptr<Tensor> w, bias;
  if (rc.op == RowOp::kLayerNorm) {
    w = random_tensor(DType::kF32, static_cast<size_t>(rc.n));
    bias = random_tensor(DType::kF32, static_cast<size_t>(rc.n));
  }
  auto y = output_tensor(DType::kF32, static_cast<size_t>(reduction ? rc.rows : rc.rows * rc.ld));
  if (!reduction && rc.ld > rc.n) {
    // Padding columns are never written: zero them so the NaN check sees only real outputs.
    AOTC_CU(drv.cuMemsetD8(y->ptr, 0, y->numel * 4));
    std::vector<float> poison(static_cast<size_t>(rc.n), NAN);
    for (int64_t r = 0; r < rc.rows; ++r)
      AOTC_CU(drv.cuMemcpyHtoD(y->ptr + static_cast<CUdeviceptr>(r * rc.ld * 4), poison.data(),
                               poison.size() * 4));
  }
  int64_t rows = rc.rows, n = rc.n, ld = rc.ld, corr = rc.correction;
  float eps = 1e-5f;
  const Grid grid{ceil_div_u(rc.rows, k.tile_m)};
  auto run = [&](CUstream s) {
    if (rc.op == RowOp::kLayerNorm)
      launch(k, grid, {&rows, &n, x->arg(), &ld, y->arg(), &ld, w->arg(), bias->arg(), &eps}, s);
    else if (reduction)
      launch(k, grid, {&rows, &n, x->arg(), &ld, y->arg(), &corr}, s);
    else
      launch(k, grid, {&rows, &n, x->arg(), &ld, y->arg(), &ld}, s);
  };
  run(c.stream);
  AOTC_CU(drv.cuStreamSynchronize(c.stream));
  y->download();

  std::vector<size_t> idx;
  std::vector<double> ref;
  for (int64_t r = 0; r < rc.rows; ++r) {
    const double* row = &x->host[static_cast<size_t>(r * rc.ld)];
    double mx = -INFINITY, mn = INFINITY, sum = 0;
    for (int64_t j = 0; j < rc.n; ++j) {
      mx = std::max(mx, row[j]);
      mn = std::min(mn, row[j]);
      sum += row[j];
    }
    const double mean = sum / static_cast<double>(rc.n);
    double sq = 0, se = 0;
    for (int64_t j = 0; j < rc.n; ++j) {
      sq += (row[j] - mean) * (row[j] - mean);
      se += std::exp(row[j] - mx);
    }
    if (reduction) {
      double v = 0;
      switch (rc.op) {
        case RowOp::kSum:
          v = sum;
          break;
        case RowOp::kMean:
          v = mean;
          break;
        case RowOp::kMax:
          v = mx;
          break;
        case RowOp::kMin:
          v = mn;
          break;
        case RowOp::kVar:
          v = sq / static_cast<double>(rc.n - rc.correction);
          break;
        default:
          v = std::sqrt(sq / static_cast<double>(rc.n - rc.correction));
          break;
      }
      idx.push_back(static_cast<size_t>(r));
      ref.push_back(v);
      continue;
    }
    const double rstd = 1 / std::sqrt(sq / static_cast<double>(rc.n) + 1e-5);
    for (int64_t j = 0; j < rc.n; ++j) {
      double v;
      if (rc.op == RowOp::kSoftmax)
        v = std::exp(row[j] - mx) / se;
      else if (rc.op == RowOp::kLogSoftmax)
        v = row[j] - mx - std::log(se);
      else
        v = (row[j] - mean) * rstd * w->host[static_cast<size_t>(j)] +
            bias->host[static_cast<size_t>(j)];
      idx.push_back(static_cast<size_t>(r * rc.ld + j));
      ref.push_back(v);
    }
  }
  Row r;
  r.family = "rowops";
  r.label = rc.label;
  r.kernel = rc.kernel;
  r.shape = std::to_string(rc.rows) + "x" + std::to_string(rc.n) +
            (rc.ld != rc.n ? " ld" + std::to_string(rc.ld) : "");
  r.dtype = "f32";
  r.tol = rc.tol;
  const double bytes = 4.0 * rc.rows * rc.n + (reduction ? 4.0 * rc.rows : 4.0 * rc.rows * rc.n);
  finish(c, r, compare(y->host, idx, ref), run, bytes, false);
}

// ---------------------------------------------------------------- elementwise

void run_elementwise(Context& c, const std::string& kernel, int act, DType dt, int64_t n,
                     double tol) {
  if (!selected(c, "pointwise", kernel)) return;
  const Kernel& k = c.lib.get(kernel);
  auto x = random_tensor(dt, static_cast<size_t>(n), 6.0);
  auto y = output_tensor(dt, static_cast<size_t>(n));
  const Grid grid{
      static_cast<unsigned>(std::min<int64_t>(ceil_div_u(n, 256LL * k.tile_m), 4LL * c.sms))};
  auto run = [&](CUstream s) { launch(k, grid, {&n, x->arg(), y->arg()}, s); };
  run(c.stream);
  AOTC_CU(drv.cuStreamSynchronize(c.stream));
  y->download();
  std::vector<size_t> idx(static_cast<size_t>(n));
  std::vector<double> ref(idx.size());
  for (size_t i = 0; i < idx.size(); ++i) {
    idx[i] = i;
    ref[i] = act_ref(act, x->host[i]);
  }
  Row r;
  r.family = "elementwise";
  r.label = "pointwise";
  r.kernel = kernel;
  r.shape = std::to_string(n);
  r.dtype = dtype_name(dt);
  r.tol = tol;
  finish(c, r, compare(y->host, idx, ref), run, 2.0 * n * static_cast<double>(dtype_size(dt)),
         false);
}

// ----------------------------------------------------------------------- conv

struct Conv2dParamsHost {
  CUdeviceptr x, w;
  int64_t batch, in_c, in_h, in_w;
  int64_t out_c, out_h, out_w, k_h, k_w;
  int64_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups;
  int64_t x_stride_n, x_stride_c, x_stride_h, x_stride_w;
  int64_t w_stride_o, w_stride_c, w_stride_h, w_stride_w;
};
static_assert(sizeof(Conv2dParamsHost) == 208, "mirror of aotc::cuda::Conv2dParams");

struct ConvCase {
  std::string label, kernel;
  int64_t n, c, h, w, oc, kh, kw, stride, pad, dil, groups;
  bool nhwc;
};

void run_conv(Context& c, const ConvCase& cc) {
  if (!selected(c, cc.label, cc.kernel)) return;
  const Kernel& k = c.lib.get(cc.kernel);
  const int64_t cg = cc.c / cc.groups, ocg = cc.oc / cc.groups;
  const int64_t oh = (cc.h + 2 * cc.pad - cc.dil * (cc.kh - 1) - 1) / cc.stride + 1;
  const int64_t ow = (cc.w + 2 * cc.pad - cc.dil * (cc.kw - 1) - 1) / cc.stride + 1;
  auto x = random_tensor(DType::kF32, static_cast<size_t>(cc.n * cc.c * cc.h * cc.w));
  auto wt = random_tensor(DType::kF32, static_cast<size_t>(cc.oc * cg * cc.kh * cc.kw), 0.5);
  auto bias = random_tensor(DType::kF32, static_cast<size_t>(cc.oc));
  auto out = output_tensor(DType::kF32, static_cast<size_t>(cc.n * cc.oc * oh * ow));
  Conv2dParamsHost p{};
  p.x = x->ptr;
  p.w = wt->ptr;
  p.batch = cc.n;
  p.in_c = cc.c;
  p.in_h = cc.h;
  p.in_w = cc.w;
  p.out_c = cc.oc;
  p.out_h = oh;
  p.out_w = ow;
  p.k_h = cc.kh;
  p.k_w = cc.kw;
  p.stride_h = p.stride_w = cc.stride;
  p.pad_h = p.pad_w = cc.pad;
  p.dil_h = p.dil_w = cc.dil;
  p.groups = cc.groups;
  int64_t sn, sc, sh, sw;  // output strides
  if (cc.nhwc) {
    p.x_stride_n = cc.h * cc.w * cc.c;
    p.x_stride_h = cc.w * cc.c;
    p.x_stride_w = cc.c;
    p.x_stride_c = 1;
    p.w_stride_o = cc.kh * cc.kw * cg;
    p.w_stride_h = cc.kw * cg;
    p.w_stride_w = cg;
    p.w_stride_c = 1;
    sn = oh * ow * cc.oc;
    sh = ow * cc.oc;
    sw = cc.oc;
    sc = 1;
  } else {
    p.x_stride_n = cc.c * cc.h * cc.w;
    p.x_stride_c = cc.h * cc.w;
    p.x_stride_h = cc.w;
    p.x_stride_w = 1;
    p.w_stride_o = cg * cc.kh * cc.kw;
    p.w_stride_c = cc.kh * cc.kw;
    p.w_stride_h = cc.kw;
    p.w_stride_w = 1;
    sn = cc.oc * oh * ow;
    sc = oh * ow;
    sh = ow;
    sw = 1;
  }
  const Grid grid{ceil_div_u(ocg, k.tile_n), ceil_div_u(cc.n * oh * ow, k.tile_m),
                  static_cast<unsigned>(std::min<int64_t>(cc.groups, 65535))};
  auto run = [&](CUstream s) {
    launch(k, grid, {&p, out->arg(), bias->arg(), &sn, &sc, &sh, &sw}, s);
  };
  run(c.stream);
  AOTC_CU(drv.cuStreamSynchronize(c.stream));
  out->download();

  const size_t count = out->numel;
  const double macs = static_cast<double>(cg * cc.kh * cc.kw);
  const std::vector<size_t> idx0 = pick_indices(count, macs);
  std::vector<size_t> idx(idx0.size());
  std::vector<double> ref(idx0.size());
  parallel_for(idx0.size(), [&](size_t t) {
    // idx0 enumerates (n, oc, oh, ow) logically; map to the storage index.
    const int64_t li = static_cast<int64_t>(idx0[t]);
    const int64_t xo = li % ow, yo = (li / ow) % oh, o = (li / (ow * oh)) % cc.oc,
                  ni = li / (ow * oh * cc.oc);
    const int64_t g = o / ocg;
    double acc = bias->host[static_cast<size_t>(o)];
    for (int64_t ci = 0; ci < cg; ++ci)
      for (int64_t a = 0; a < cc.kh; ++a)
        for (int64_t bb = 0; bb < cc.kw; ++bb) {
          const int64_t ih = yo * cc.stride - cc.pad + a * cc.dil,
                        iw = xo * cc.stride - cc.pad + bb * cc.dil;
          if (ih < 0 || ih >= cc.h || iw < 0 || iw >= cc.w) continue;
          acc += x->host[static_cast<size_t>(ni * p.x_stride_n + (g * cg + ci) * p.x_stride_c +
                                             ih * p.x_stride_h + iw * p.x_stride_w)] *
                 wt->host[static_cast<size_t>(o * p.w_stride_o + ci * p.w_stride_c +
                                              a * p.w_stride_h + bb * p.w_stride_w)];
        }
    ref[t] = acc > 0 ? acc : 0;
    idx[t] = static_cast<size_t>(ni * sn + o * sc + yo * sh + xo * sw);
  });
  Row r;
  r.family = "conv";
  r.label = cc.label;
  r.kernel = cc.kernel;
  r.shape = std::to_string(cc.n) + "x" + std::to_string(cc.c) + "x" + std::to_string(cc.h) + "x" +
            std::to_string(cc.w) + " k" + std::to_string(cc.kh) + " o" + std::to_string(cc.oc) +
            (cc.stride > 1 ? " s" + std::to_string(cc.stride) : "") +
            (cc.groups > 1 ? " g" + std::to_string(cc.groups) : "");
  r.dtype = cc.nhwc ? "f32 nhwc" : "f32";
  r.tol = 1e-5;
  r.sampled = idx.size() < count;
  finish(c, r, compare(out->host, idx, ref), run, 2.0 * static_cast<double>(count) * macs, true);
}

// ---------------------------------------------------------------------- cases

void run_all(Context& c) {
  const bool full = !c.opt.quick;
  const DType f32 = DType::kF32, bf16 = DType::kBF16, f16 = DType::kF16;

  // GEMM, float32 SIMT (full float32 precision).
  std::vector<GemmCase> gemms;
  for (int64_t m : {8, 1, 1000}) {
    GemmCase g{"mlp fc1 b" + std::to_string(m),
               m <= 16 ? "simt_tiny_bias_relu" : "simt_small_bias_relu",
               1,
               m,
               16,
               10,
               f32,
               f32,
               1e-5};
    g.bias = true;
    g.act = kRelu;
    gemms.push_back(g);
    GemmCase h{
        "mlp fc2 b" + std::to_string(m), "simt_narrow_bias_sigmoid", 1, m, 1, 16, f32, f32, 1e-5};
    h.bias = true;
    h.act = kSigmoid;
    gemms.push_back(h);
  }
  // gpt_block's linears: gemm_simt_linear with split-K, preset by sequence length.
  for (int64_t t : {16, 77, 512}) {
    const std::string s = " T" + std::to_string(t);
    const std::string kern = t <= 32 ? "linear_small" : t <= 256 ? "linear_wide" : "linear_medium";
    GemmCase qkv{"gpt qkv" + s, kern, 1, t, 768, 256, f32, f32, 1e-5};
    qkv.bias = true;
    GemmCase proj{"gpt proj+res" + s, kern, 1, t, 256, 256, f32, f32, 1e-5};
    proj.bias = proj.residual = true;
    GemmCase fc{"gpt fc+gelu" + s, kern, 1, t, 1024, 256, f32, f32, 1e-5};
    fc.bias = true;
    fc.act = kGeluTanh;
    GemmCase out{"gpt out+res" + s, kern, 1, t, 256, 1024, f32, f32, 1e-5};
    out.bias = out.residual = true;
    gemms.insert(gemms.end(), {qkv, proj, fc, out});
  }
  {
    // The classic SIMT kernel on the same shapes, and split-K forced off, for comparison.
    GemmCase a{"gpt qkv T16 classic", "simt_wide_bias", 1, 16, 768, 256, f32, f32, 1e-5};
    a.bias = true;
    GemmCase o{
        "gpt out+res T16 classic", "simt_wide_bias_residual", 1, 16, 256, 1024, f32, f32, 1e-5};
    o.bias = o.residual = true;
    GemmCase o1{"gpt out+res T16 no-split", "linear_small", 1, 16, 256, 1024, f32, f32, 1e-5};
    o1.bias = o1.residual = true;
    o1.splits = 1;
    GemmCase g2{
        "gpt fc T512 classic", "simt_wide_bias_gelu_tanh", 1, 512, 1024, 256, f32, f32, 1e-5};
    g2.bias = true;
    g2.act = kGeluTanh;
    GemmCase m2{"gpt fc T512 classic", "simt_medium_bias", 1, 512, 1024, 256, f32, f32, 1e-5};
    m2.bias = true;
    GemmCase any{"linear any stride", "linear_small_any", 2, 37, 70, 13, f32, f32, 1e-5};
    any.bias = true;
    any.pad = 1;
    any.splits = 3;
    GemmCase lin1k{"linear M1000 K10", "linear_wide", 1, 1000, 16, 12, f32, f32, 1e-5};
    lin1k.bias = true;
    lin1k.act = kRelu;
    gemms.insert(gemms.end(), {a, o, o1, g2, m2, any, lin1k});
  }
  {
    GemmCase t{"transposed, bcast", "simt_small_mn_store", 3, 77, 33, 13, f32, f32, 1e-5};
    t.a_mn = t.b_kn = t.b_bcast = true;
    GemmCase odd{"odd sizes", "simt_wide_bias", 1, 5, 1000, 7, f32, f32, 1e-5};
    odd.bias = true;
    GemmCase bt{"batched bcast A", "simt_medium_bias", 4, 130, 70, 50, f32, f32, 1e-5};
    bt.bias = bt.a_bcast = true;
    GemmCase sb{"silu mlp b3 (simt)", "simt_tiny_bf16_bias_silu", 1, 3, 64, 128, bf16, bf16, 1e-2};
    sb.bias = true;
    sb.act = kSilu;
    gemms.insert(gemms.end(), {t, odd, bt, sb});
    if (full)
      gemms.push_back(
          GemmCase{"big fp32", "simt_large_store", 1, 4096, 4096, 4096, f32, f32, 1e-5});
  }

  // GEMM, tensor cores.
  for (int64_t m : {16, 3}) {
    GemmCase l1{"silu mlp lin1 b" + std::to_string(m),
                "tc_small_bf16_bias_silu",
                1,
                m,
                64,
                128,
                bf16,
                bf16,
                1e-2};
    l1.bias = true;
    l1.act = kSilu;
    GemmCase l2{"silu mlp lin2 b" + std::to_string(m),
                "tc_small_bf16_bias",
                1,
                m,
                128,
                64,
                bf16,
                bf16,
                1e-2};
    l2.bias = true;
    gemms.insert(gemms.end(), {l1, l2});
  }
  {
    GemmCase q{"gpt qkv T512 bf16", "tc_medium_bf16_bias", 1, 512, 768, 256, bf16, bf16, 1e-2};
    q.bias = true;
    GemmCase q2{"gpt fc T77 bf16", "tc_medium_bf16_bias", 1, 77, 1024, 256, bf16, bf16, 1e-2};
    q2.bias = true;
    GemmCase mn{"f16 A^T B[K,N] bcast", "tc_medium_f16_mn_f32out", 2, 200, 136, 72, f16, f32, 1e-2};
    mn.a_mn = mn.b_kn = mn.a_bcast = true;
    GemmCase a1{
        "bf16 any stride K13", "tc_small_bf16_align1_f32out", 1, 77, 33, 13, bf16, f32, 1e-2};
    GemmCase t1{"gpt qkv T512 tf32", "tc_tf32_store", 1, 512, 768, 256, f32, f32, 1e-3};
    GemmCase t2{"tf32 A^T B[K,N]", "tc_tf32_mn_store", 1, 200, 136, 72, f32, f32, 1e-3};
    t2.a_mn = t2.b_kn = true;
    gemms.insert(gemms.end(), {q, q2, mn, a1, t1, t2});
    if (full) {
      for (const char* kern : {"tc_large_bf16_store", "tc_large_sm90_bf16_store",
                               "tc_medium_bf16_store", "tc_medium_k32_bf16_store"})
        gemms.push_back(GemmCase{"big bf16", kern, 1, 4096, 4096, 4096, bf16, bf16, 1e-2});
      gemms.push_back(
          GemmCase{"big bf16 8k", "tc_large_bf16_store", 1, 8192, 8192, 8192, bf16, bf16, 1e-2});
      gemms.push_back(GemmCase{"big tf32", "tc_tf32_store", 1, 4096, 4096, 4096, f32, f32, 1e-3});
    }
  }
  for (const GemmCase& g : gemms) run_gemm(c, g);

  // Attention: gpt_block (B=1, H=4, E=64, causal; q/k/v views of the qkv
  // projection, output stored as [B, T, H*E]), then the other paths.
  std::vector<AttnCase> attns;
  for (int64_t t : {16, 77, 512}) {
    AttnCase f{
        "gpt sdpa T" + std::to_string(t), "attn_simt_e64", 1, 4, 4, t, t, 64, 64, true, f32, 1e-5};
    f.packed = f.out_blhe = true;
    AttnCase b{"gpt sdpa T" + std::to_string(t),
               t <= 128 ? "attn_tc_e64s_bf16" : "attn_tc_e64_bf16",
               1,
               4,
               4,
               t,
               t,
               64,
               64,
               true,
               bf16,
               1e-2};
    b.packed = b.out_blhe = true;
    attns.insert(attns.end(), {f, b});
  }
  {
    AttnCase m{"mask, L!=S", "attn_simt_e64_mask", 2, 3, 3, 50, 77, 64, 64, false, f32, 1e-5};
    m.mask = true;
    AttnCase g{"gqa E128 causal", "attn_simt_e128", 1, 8, 2, 200, 200, 128, 128, true, f32, 1e-5};
    AttnCase any{
        "E80 q^T any-stride", "attn_simt_e96_any", 1, 2, 2, 33, 65, 80, 80, false, f32, 1e-5};
    any.q_transposed = true;
    AttnCase bm{"mask, L!=S", "attn_tc_e64_bf16_mask", 2, 3, 3, 50, 77, 64, 64, false, bf16, 1e-2};
    bm.mask = true;
    AttnCase hg{
        "gqa E128 causal", "attn_tc_e128_f16", 1, 8, 2, 300, 300, 128, 128, true, f16, 1e-2};
    AttnCase e80{"E80 causal", "attn_tc_e96_bf16", 1, 2, 2, 130, 130, 80, 80, true, bf16, 1e-2};
    attns.insert(attns.end(), {m, g, any, bm, hg, e80});
    if (full) {
      attns.push_back(AttnCase{"big causal", "attn_tc_e64_bf16", 4, 16, 16, 2048, 2048, 64, 64,
                               true, bf16, 1e-2});
      attns.push_back(AttnCase{"big causal", "attn_tc_e128_f16", 4, 16, 16, 2048, 2048, 128, 128,
                               true, f16, 1e-2});
      attns.push_back(
          AttnCase{"big causal", "attn_simt_e64", 1, 16, 16, 2048, 2048, 64, 64, true, f32, 1e-5});
    }
  }
  for (const AttnCase& a : attns) run_attention(c, a);

  // Row ops.
  std::vector<RowCase> rowcases = {
      {"small_cnn log_softmax", "log_softmax_tiny", RowOp::kLogSoftmax, 5, 10, 10},
      {"log_softmax", "log_softmax_tiny", RowOp::kLogSoftmax, 2000, 10, 10},
      {"softmax n10", "softmax_tiny", RowOp::kSoftmax, 2000, 10, 13},
      {"softmax n256", "softmax_warp_vec", RowOp::kSoftmax, 4096, 256, 256},
      {"softmax n1000", "softmax_warpwide", RowOp::kSoftmax, 4096, 1000, 1000},
      {"softmax n4097", "softmax_block", RowOp::kSoftmax, 1024, 4097, 4100},
      {"softmax n32768", "softmax_blockwide_vec", RowOp::kSoftmax, 256, 32768, 32768},
      {"gpt layer_norm T16", "layer_norm_warp_vec", RowOp::kLayerNorm, 16, 256, 256},
      {"gpt layer_norm T77", "layer_norm_warp_vec", RowOp::kLayerNorm, 77, 256, 256},
      {"gpt layer_norm T512", "layer_norm_warp_vec", RowOp::kLayerNorm, 512, 256, 256},
      {"layer_norm n3000", "layer_norm_block", RowOp::kLayerNorm, 300, 3000, 3001},
      {"sum", "reduce_sum", RowOp::kSum, 1024, 777, 780},
      {"mean", "reduce_mean", RowOp::kMean, 1024, 777, 780},
      {"max", "reduce_max", RowOp::kMax, 1024, 777, 780},
      {"min", "reduce_min", RowOp::kMin, 1024, 777, 780},
      {"var (unbiased)", "reduce_var", RowOp::kVar, 1024, 777, 780, 1e-5, 1},
      {"std (biased)", "reduce_std", RowOp::kStd, 1024, 777, 780, 1e-5, 0},
  };
  if (full) {
    rowcases.push_back({"softmax bandwidth", "softmax_warp_vec", RowOp::kSoftmax, 65536, 256, 256});
    rowcases.push_back(
        {"layer_norm bandwidth", "layer_norm_warp_vec", RowOp::kLayerNorm, 65536, 256, 256});
  }
  for (const RowCase& r : rowcases) run_rowop(c, r);

  // Pointwise (bandwidth: 16M elements and a ragged tail).
  const int64_t ne = full ? (16 << 20) + 3 : (1 << 20) + 3;
  const std::pair<const char*, int> acts[] = {
      {"ew_relu", kRelu}, {"ew_sigmoid", kSigmoid},    {"ew_silu", kSilu},
      {"ew_gelu", kGelu}, {"ew_gelu_tanh", kGeluTanh}, {"ew_hardswish", kHardswish},
      {"ew_mish", kMish}, {"ew_softplus", kSoftplus}};
  for (const auto& a : acts) run_elementwise(c, a.first, a.second, f32, ne, 1e-5);
  run_elementwise(c, "ew_silu_bf16", kSilu, bf16, ne + 2, 1e-2);

  // Convolution.
  std::vector<ConvCase> convs = {
      {"small_cnn c1 b2", "conv_nchw_bias_relu", 2, 3, 32, 32, 16, 3, 3, 1, 1, 1, 1, false},
      {"small_cnn c1 b5", "conv_nchw_bias_relu", 5, 3, 32, 32, 16, 3, 3, 1, 1, 1, 1, false},
      {"small_cnn c2 b2", "conv_nchw_bias_relu", 2, 16, 16, 16, 32, 3, 3, 2, 1, 1, 1, false},
      {"resnet stem b2", "conv_nchw_bias_relu", 2, 3, 224, 224, 64, 7, 7, 2, 3, 1, 1, false},
      {"resnet 3x3 b2", "conv_nchw_bias_relu", 2, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, false},
      {"resnet 3x3 b2", "conv_nhwc_bias_relu", 2, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, true},
      {"depthwise dil2", "conv_nchw_bias_relu", 2, 32, 28, 28, 32, 3, 3, 1, 2, 2, 32, false},
      {"grouped", "conv_nhwc_bias_relu", 2, 32, 15, 17, 48, 3, 3, 2, 1, 1, 4, true},
  };
  if (full)
    convs.push_back(
        {"resnet 3x3 b32", "conv_nchw_bias_relu", 32, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1, false});
  for (const ConvCase& cc : convs) run_conv(c, cc);
}

int run_main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick")
      opt.quick = true;
    else if (a == "--no-time")
      opt.time = false;
    else if (a == "--filter" && i + 1 < argc)
      opt.filter = argv[++i];
    else if (a == "--csv" && i + 1 < argc)
      opt.csv = argv[++i];
    else if (a == "--dump-cubins" && i + 1 < argc)
      opt.cubin_dir = argv[++i];
    else {
      std::fprintf(
          stderr,
          "usage: %s [--quick] [--no-time] [--filter SUBSTR] [--csv FILE] [--dump-cubins DIR]\n",
          argv[0]);
      return 2;
    }
  }

  std::string why;
  if (!drv.load(why)) {
    std::printf("SKIPPED: no CUDA driver: %s\n", why.c_str());
    return 77;
  }
  if (drv.cuInit(0) != CUDA_SUCCESS) {
    std::printf("SKIPPED: cuInit failed (no GPU or driver not usable)\n");
    return 77;
  }
  int count = 0;
  if (drv.cuDeviceGetCount(&count) != CUDA_SUCCESS || count == 0) {
    std::printf("SKIPPED: no CUDA device\n");
    return 77;
  }
  CUdevice dev;
  AOTC_CU(drv.cuDeviceGet(&dev, 0));
  char name[256] = {0};
  AOTC_CU(drv.cuDeviceGetName(name, sizeof name, dev));
  int major = 0, minor = 0, sms = 0, smem_optin = 0, driver = 0;
  AOTC_CU(drv.cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev));
  AOTC_CU(drv.cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev));
  AOTC_CU(drv.cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev));
  AOTC_CU(drv.cuDeviceGetAttribute(&smem_optin,
                                   CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, dev));
  AOTC_CU(drv.cuDriverGetVersion(&driver));
  if (major < 8) {
    std::printf("SKIPPED: %s is sm_%d%d; the templates need sm_80 or newer\n", name, major, minor);
    return 77;
  }
  const std::string arch = "sm_" + std::to_string(major * 10 + minor);
  std::printf("device %s (%s, %d SMs, %d KiB smem/block opt-in), driver %d.%d, NVRTC %s\n", name,
              arch.c_str(), sms, smem_optin / 1024, driver / 1000, (driver % 1000) / 10,
              nvrtc_version().c_str());

  CUcontext ctx;
  AOTC_CU(drv.cuDevicePrimaryCtxRetain(&ctx, dev));
  AOTC_CU(drv.cuCtxSetCurrent(ctx));
  int failures = 0;
  {
    Context c;
    c.opt = opt;
    c.sms = sms;
    AOTC_CU(drv.cuStreamCreate(&c.stream, CU_STREAM_NON_BLOCKING));
    c.lib.build(arch, smem_optin);
    c.lib.print_compile_report(arch);
    if (!c.opt.cubin_dir.empty()) c.lib.dump_cubins(c.opt.cubin_dir);
    failures += static_cast<int>(c.lib.failed_units().size());

    std::printf("\n%-4s %-11s %-22s %-29s %-26s %-5s %10s %8s %9s %s\n", "", "family", "case",
                "kernel", "shape", "dtype", "rel.err", "", "us", "throughput");
    try {
      run_all(c);
    } catch (const std::exception& e) {
      std::printf("ERROR: %s\n", e.what());
      ++failures;
    }
    for (const Row& r : c.rows) failures += r.pass ? 0 : 1;

    if (!c.opt.csv.empty()) {
      if (FILE* f = std::fopen(c.opt.csv.c_str(), "w")) {
        std::fprintf(f, "family,case,kernel,shape,dtype,rel_err,tol,pass,sampled,us,rate,unit\n");
        for (const Row& r : c.rows)
          std::fprintf(f, "%s,%s,%s,%s,%s,%.3e,%.0e,%d,%d,%.3f,%.3f,%s\n", r.family.c_str(),
                       r.label.c_str(), r.kernel.c_str(), r.shape.c_str(), r.dtype.c_str(), r.err,
                       r.tol, r.pass ? 1 : 0, r.sampled ? 1 : 0, r.us, r.rate, r.rate_unit.c_str());
        std::fclose(f);
      }
    }
    std::printf(
        "\n%zu cases, %d failed (error columns: * = sampled reference; tolerances f32 1e-5, tf32 "
        "1e-3, "
        "16-bit 1e-2)\n",
        c.rows.size(), failures);
    AOTC_CU(drv.cuStreamDestroy(c.stream));
  }
  drv.cuDevicePrimaryCtxRelease(dev);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace aotc::cuda_test

int main(int argc, char** argv) {
  try {
    return aotc::cuda_test::run_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aotc_cuda_kernel_check: %s\n", e.what());
    return 1;
  }
}

// CheckSupport: see CheckSupport.h.
#include "CheckSupport.h"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "KernelSources.h"

namespace aotc::cuda_test {

// ------------------------------------------------------------------ driver API

Driver drv;

bool Driver::load(std::string& why) {
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

void check_cu(CUresult r, const char* call, const char* file, int line) {
  if (r == CUDA_SUCCESS) return;
  const char* name = "?";
  const char* text = "?";
  if (drv.cuGetErrorName) drv.cuGetErrorName(r, &name);
  if (drv.cuGetErrorString) drv.cuGetErrorString(r, &text);
  throw std::runtime_error(std::string(call) + " failed: " + name + " (" + text + ") at " + file +
                           ":" + std::to_string(line));
}
// ---------------------------------------------------------------- host values

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

const char* dtype_name(DType t) {
  return t == DType::kF32 ? "f32" : t == DType::kBF16 ? "bf16" : "f16";
}
size_t dtype_size(DType t) {
  return t == DType::kF32 ? 4 : 2;
}

// --------------------------------------------------------------------- tensors

std::mt19937_64& rng() {
  static std::mt19937_64 r(std::random_device{}());
  return r;
}

/// Allocates and fills with uniform values in [-scale, scale], rounded to the dtype.
std::unique_ptr<Tensor> random_tensor(DType t, size_t n, double scale) {
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

void KernelLibrary::build(const std::string& arch, int max_smem_optin) {
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

const Kernel& KernelLibrary::get(const std::string& name) const {
  auto it = kernels_.find(name);
  if (it == kernels_.end()) throw std::runtime_error("kernel " + name + " is not loaded");
  return it->second;
}

void KernelLibrary::dump_cubins(const std::string& dir) const {
  const auto& units = kernel_units();
  for (size_t i = 0; i < units.size(); ++i) {
    if (!units_[i].out.ok) continue;
    if (FILE* f = std::fopen((dir + "/" + units[i].name + ".cubin").c_str(), "wb")) {
      std::fwrite(units_[i].out.image.data(), 1, units_[i].out.image.size(), f);
      std::fclose(f);
    }
  }
}

void KernelLibrary::print_compile_report(const std::string& arch) const {
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

void launch(const Kernel& k, Grid g, std::vector<void*> args, CUstream s) {
  AOTC_CU(drv.cuLaunchKernel(k.fn, g.x, g.y, g.z, static_cast<unsigned>(k.threads), 1, 1,
                             static_cast<unsigned>(k.smem), s, args.data(), nullptr));
}

unsigned ceil_div_u(long long a, long long b) {
  return static_cast<unsigned>((a + b - 1) / b);
}

// --------------------------------------------------------------------- timing

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

std::vector<size_t> pick_indices(size_t count, double cost_each, double budget, size_t sample) {
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

}  // namespace aotc::cuda_test

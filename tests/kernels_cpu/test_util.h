// Shared helpers for the CPU kernel tests: random tensors in any storage
// dtype, double-precision references of the activations, tolerance checks,
// a threaded parallel_for with uneven chunks, and a loop over every
// instruction-set level this machine supports.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "aotc_cpu_kernels.h"

namespace kt {

using aotc_cpu::Activation;
using aotc_cpu::DType;
using aotc_cpu::Isa;

/// A tensor stored in `dtype`, with the exact float values it holds.
struct Tensor {
  DType dtype = DType::kF32;
  std::vector<uint16_t> h;  // bf16/f16 storage
  std::vector<float> f;     // f32 storage
  int64_t size() const { return dtype == DType::kF32 ? static_cast<int64_t>(f.size()) : static_cast<int64_t>(h.size()); }
  void* data() { return dtype == DType::kF32 ? static_cast<void*>(f.data()) : static_cast<void*>(h.data()); }
  const void* data() const { return dtype == DType::kF32 ? static_cast<const void*>(f.data()) : static_cast<const void*>(h.data()); }
  double at(int64_t i) const {
    switch (dtype) {
      case DType::kF32: return f[static_cast<size_t>(i)];
      case DType::kBF16: return aotc_cpu::bf16_to_float(h[static_cast<size_t>(i)]);
      case DType::kF16: return aotc_cpu::f16_to_float(h[static_cast<size_t>(i)]);
    }
    return 0;
  }
};

inline Tensor make_tensor(DType t, int64_t n) {
  Tensor x;
  x.dtype = t;
  if (t == DType::kF32) {
    x.f.assign(static_cast<size_t>(n), 0.0f);
  } else {
    x.h.assign(static_cast<size_t>(n), 0);
  }
  return x;
}

inline void set(Tensor& x, int64_t i, float v) {
  switch (x.dtype) {
    case DType::kF32: x.f[static_cast<size_t>(i)] = v; break;
    case DType::kBF16: x.h[static_cast<size_t>(i)] = aotc_cpu::float_to_bf16(v); break;
    case DType::kF16: x.h[static_cast<size_t>(i)] = aotc_cpu::float_to_f16(v); break;
  }
}

inline std::mt19937& rng() {
  static std::mt19937 r(12345);
  return r;
}

/// Uniform values in [lo, hi), stored in t (rounded to it).
inline Tensor random_tensor(DType t, int64_t n, float lo = -1.0f, float hi = 1.0f) {
  Tensor x = make_tensor(t, n);
  std::uniform_real_distribution<float> d(lo, hi);
  for (int64_t i = 0; i < n; ++i) set(x, i, d(rng()));
  return x;
}

inline const char* dtype_name(DType t) {
  return t == DType::kF32 ? "f32" : t == DType::kBF16 ? "bf16" : "f16";
}

/// Relative precision of one rounding to a storage dtype.
inline double dtype_eps(DType t) {
  return t == DType::kF32 ? 0.0 : t == DType::kBF16 ? 1.0 / 256 : 1.0 / 2048;
}

/// Absolute precision near zero of a storage dtype (float16 subnormals are
/// 2^-24 apart; float32 and bfloat16 share float32's range).
inline double dtype_abs(DType t) { return t == DType::kF16 ? std::ldexp(1.0, -25) : 0.0; }

inline double act_ref(Activation a, double x, double alpha, double beta) {
  switch (a) {
    case Activation::kNone: return x;
    case Activation::kRelu: return (x > 0 || std::isnan(x)) ? x : 0.0;
    case Activation::kGeluTanh:
      // 0.5 x (1 + tanh(u)) == x / (1 + exp(-2u)): the same function without
      // the cancellation that makes 1 + tanh(u) == 0 for u << 0 in double.
      return x / (1.0 + std::exp(-2.0 * std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    case Activation::kGeluErf: return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
    case Activation::kSilu: return x / (1.0 + std::exp(-x));
    case Activation::kSigmoid: return 1.0 / (1.0 + std::exp(-x));
    case Activation::kTanh: return std::tanh(x);
    case Activation::kHardtanh: return std::min(std::max(x, alpha), beta);
    case Activation::kLeakyRelu: return x > 0 ? x : alpha * x;
  }
  return x;
}

inline const char* act_name(Activation a) {
  static const char* names[] = {"none", "relu",    "gelu_tanh", "gelu_erf", "silu",
                                "sigmoid", "tanh", "hardtanh",  "leaky_relu"};
  return names[static_cast<int>(a)];
}

inline constexpr Activation kAllActs[] = {
    Activation::kNone,    Activation::kRelu, Activation::kGeluTanh, Activation::kGeluErf,
    Activation::kSilu,    Activation::kSigmoid, Activation::kTanh,  Activation::kHardtanh,
    Activation::kLeakyRelu};

/// Counts elements outside |got - ref| <= atol + rtol * |ref| (NaN must match NaN)
/// and reports the first few through Catch.
class Checker {
 public:
  explicit Checker(std::string what) : what_(std::move(what)) {}
  void operator()(int64_t i, double got, double ref, double tol) {
    const bool ok = (std::isnan(ref) && std::isnan(got)) ||
                    (std::isinf(ref) && got == ref) || std::fabs(got - ref) <= tol;
    if (!ok) {
      if (bad_ < 5) {
        UNSCOPED_INFO(what_ << " [" << i << "]: got " << got << " want " << ref << " tol " << tol);
      }
      ++bad_;
    }
    ++count_;
  }
  ~Checker() = default;
  int64_t bad() const { return bad_; }
  void done() {
    INFO(what_ << ": " << bad_ << " of " << count_ << " elements out of tolerance");
    CHECK(bad_ == 0);
  }

 private:
  std::string what_;
  int64_t bad_ = 0;
  int64_t count_ = 0;
};

/// A parallel_for on real threads with deliberately uneven chunks (at least
/// `grain` items each), to show results do not depend on the split.
inline void threaded_parallel_for(int64_t n, int64_t grain, aotc_cpu::ParallelForBody fn, void* arg) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  std::vector<std::pair<int64_t, int64_t>> chunks;
  int64_t b = 0;
  int64_t k = 0;
  while (b < n) {
    const int64_t len = std::max(grain, (n / 5) + (k++ % 3) * grain);
    chunks.push_back({b, std::min(n, b + len)});
    b += len;
  }
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t c; (c = next.fetch_add(1)) < chunks.size();) fn(chunks[c].first, chunks[c].second, arg);
  };
  std::thread t1(worker), t2(worker);
  worker();
  t1.join();
  t2.join();
}

/// Every level this machine runs. Tests loop over them, forcing each.
inline std::vector<Isa> supported_isas() {
  std::vector<Isa> v;
  for (Isa i : {Isa::kBaseline, Isa::kAvx2, Isa::kAvx512}) {
    if (static_cast<int>(i) <= static_cast<int>(aotc_cpu::best_supported_isa())) v.push_back(i);
  }
  return v;
}

/// Restores the best level when a test ends.
struct IsaGuard {
  ~IsaGuard() { aotc_cpu::force_isa(aotc_cpu::best_supported_isa()); }
};

}  // namespace kt

/// Runs the enclosing test body once per supported ISA level, forced.
#define KT_FOR_EACH_ISA(isa_var)                                   \
  ::kt::IsaGuard kt_isa_guard_;                                    \
  for (::aotc_cpu::Isa isa_var : ::kt::supported_isas())           \
    if (!::aotc_cpu::force_isa(isa_var)) {                         \
      FAIL("cannot force " << ::aotc_cpu::isa_name(isa_var));      \
    } else

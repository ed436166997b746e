// aotc_math.h: scalar semantics of the graph IR's elementwise ops, for
// generated kernels. Compiled by the host C++ compiler (CPU models) and by
// NVRTC (CUDA models); AOTC_HD marks every function for both.
//
// Values arrive in register types (float for float16/bfloat16/float32,
// double for float64, the integer type for integers, bool). Semantics follow
// PyTorch: NaN propagates through relu, clamp, maximum and minimum; round is
// half-to-even; remainder has the sign of the divisor, fmod of the dividend;
// integer floor division rounds toward negative infinity.
#ifndef AOTC_MATH_H_
#define AOTC_MATH_H_

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define AOTC_HD __device__ __forceinline__
#else
#include <cmath>
#include <cstdint>
#include <cstring>
#define AOTC_HD inline
#endif

// Under NVRTC there is no <cstdint>: the same LP64 typedefs as the CUDA
// templates' common.cuh, guarded by the same macro so either may come first.
#if defined(__CUDACC_RTC__) && !defined(AOTC_CUDA_HAVE_STDINT)
#define AOTC_CUDA_HAVE_STDINT 1
typedef signed char int8_t;
typedef unsigned char uint8_t;
typedef short int16_t;
typedef unsigned short uint16_t;
typedef int int32_t;
typedef unsigned int uint32_t;
typedef long int64_t;
typedef unsigned long uint64_t;
#endif

#if defined(__CUDACC_RTC__)
#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif
#ifndef NAN
#define NAN __int_as_float(0x7fffffff)
#endif
#endif

namespace aotc_gen {

// ---- Index arithmetic (Python semantics) ---------------------------------------------
AOTC_HD int64_t aotc_floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
AOTC_HD int64_t aotc_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}
AOTC_HD int64_t aotc_max(int64_t a, int64_t b) { return a > b ? a : b; }
AOTC_HD int64_t aotc_min(int64_t a, int64_t b) { return a < b ? a : b; }

// ---- Half-precision storage -------------------------------------------------------------
struct bf16 {
  uint16_t bits;
};
struct f16 {
  uint16_t bits;
};

AOTC_HD float bits_to_float(uint32_t u) {
#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, 4);
  return f;
#endif
}
AOTC_HD uint32_t float_to_bits(float f) {
#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
#endif
}

AOTC_HD float bf16_to_float(bf16 v) { return bits_to_float(static_cast<uint32_t>(v.bits) << 16); }
AOTC_HD bf16 float_to_bf16(float f) {
  uint32_t u = float_to_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return bf16{static_cast<uint16_t>((u >> 16) | 0x40)};
  u += 0x7fffu + ((u >> 16) & 1u);
  return bf16{static_cast<uint16_t>(u >> 16)};
}

AOTC_HD float f16_to_float(f16 h) {
  const uint32_t w = static_cast<uint32_t>(h.bits) << 16;
  const uint32_t sign = w & 0x80000000u;
  const uint32_t two_w = w + w;
  const float normalized = bits_to_float((two_w >> 4) + (0xE0u << 23)) * bits_to_float(0x7800000u);
  const float denormalized = bits_to_float((two_w >> 17) | (126u << 23)) - 0.5f;
  const uint32_t result =
      sign | (two_w < (1u << 27) ? float_to_bits(denormalized) : float_to_bits(normalized));
  return bits_to_float(result);
}
AOTC_HD f16 float_to_f16(float f) {
  const float scale_to_inf = bits_to_float(0x77800000u);
  const float scale_to_zero = bits_to_float(0x08800000u);
  float base = (fabsf(f) * scale_to_inf) * scale_to_zero;
  const uint32_t w = float_to_bits(f);
  const uint32_t shl1_w = w + w;
  const uint32_t sign = w & 0x80000000u;
  uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = bits_to_float((bias >> 1) + 0x07800000u) + base;
  const uint32_t bits = float_to_bits(base);
  const uint32_t nonsign = ((bits >> 13) & 0x00007C00u) + (bits & 0x00000FFFu);
  return f16{static_cast<uint16_t>((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign))};
}

AOTC_HD float aotc_round_bf16(float x) { return bf16_to_float(float_to_bf16(x)); }
AOTC_HD float aotc_round_f16(float x) { return f16_to_float(float_to_f16(x)); }

// Loads give register types; stores round to the storage type.
template <typename T>
AOTC_HD T aotc_ld(const T* p, int64_t i) { return p[i]; }
AOTC_HD float aotc_ld(const bf16* p, int64_t i) { return bf16_to_float(p[i]); }
AOTC_HD float aotc_ld(const f16* p, int64_t i) { return f16_to_float(p[i]); }
template <typename T, typename V>
AOTC_HD void aotc_st(T* p, int64_t i, V v) { p[i] = static_cast<T>(v); }
AOTC_HD void aotc_st(bf16* p, int64_t i, float v) { p[i] = float_to_bf16(v); }
AOTC_HD void aotc_st(f16* p, int64_t i, float v) { p[i] = float_to_f16(v); }
AOTC_HD void aotc_st(bool* p, int64_t i, bool v) { p[i] = v; }

// ---- Float math (float and double overloads) ----------------------------------------------
#define AOTC_FLOAT_FN(name, fexpr, dexpr)          \
  AOTC_HD float name(float x) { return fexpr; }    \
  AOTC_HD double name(double x) { return dexpr; }

AOTC_FLOAT_FN(aotc_exp, expf(x), exp(x))
AOTC_FLOAT_FN(aotc_expm1, expm1f(x), expm1(x))
AOTC_FLOAT_FN(aotc_log, logf(x), log(x))
AOTC_FLOAT_FN(aotc_log2, log2f(x), log2(x))
AOTC_FLOAT_FN(aotc_log1p, log1pf(x), log1p(x))
AOTC_FLOAT_FN(aotc_sqrt, sqrtf(x), sqrt(x))
AOTC_FLOAT_FN(aotc_rsqrt, 1.0f / sqrtf(x), 1.0 / sqrt(x))
AOTC_FLOAT_FN(aotc_reciprocal, 1.0f / x, 1.0 / x)
AOTC_FLOAT_FN(aotc_sin, sinf(x), sin(x))
AOTC_FLOAT_FN(aotc_cos, cosf(x), cos(x))
AOTC_FLOAT_FN(aotc_tan, tanf(x), tan(x))
AOTC_FLOAT_FN(aotc_tanh, tanhf(x), tanh(x))
AOTC_FLOAT_FN(aotc_atan, atanf(x), atan(x))
AOTC_FLOAT_FN(aotc_erf, erff(x), erf(x))
AOTC_FLOAT_FN(aotc_floor, floorf(x), floor(x))
AOTC_FLOAT_FN(aotc_ceil, ceilf(x), ceil(x))
AOTC_FLOAT_FN(aotc_trunc, truncf(x), trunc(x))
AOTC_FLOAT_FN(aotc_round, rintf(x), rint(x))
AOTC_FLOAT_FN(aotc_sigmoid, 1.0f / (1.0f + expf(-x)), 1.0 / (1.0 + exp(-x)))
AOTC_FLOAT_FN(aotc_silu, x / (1.0f + expf(-x)), x / (1.0 + exp(-x)))
AOTC_FLOAT_FN(aotc_gelu_erf, 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)),
              0.5 * x * (1.0 + erf(x * 0.70710678118654752)))
AOTC_FLOAT_FN(aotc_gelu_tanh,
              0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x))),
              0.5 * x * (1.0 + tanh(0.79788456080286536 * (x + 0.044715 * x * x * x))))
AOTC_FLOAT_FN(aotc_hardsigmoid, fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) / 6.0f, fmin(fmax(x + 3.0, 0.0), 6.0) / 6.0)
AOTC_FLOAT_FN(aotc_hardswish, x * fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) / 6.0f, x * fmin(fmax(x + 3.0, 0.0), 6.0) / 6.0)
#undef AOTC_FLOAT_FN

template <typename T>
AOTC_HD bool aotc_isnan(T x) { return x != x; }
template <typename T>
AOTC_HD T aotc_abs(T x) { return x < T(0) ? -x : x; }
AOTC_HD float aotc_abs(float x) { return fabsf(x); }
AOTC_HD double aotc_abs(double x) { return fabs(x); }
AOTC_HD bool aotc_abs(bool x) { return x; }
template <typename T>
AOTC_HD T aotc_neg(T x) { return -x; }
AOTC_HD bool aotc_neg(bool x) { return x; }
// relu(NaN) is NaN: compare so that NaN falls through.
template <typename T>
AOTC_HD T aotc_relu(T x) { return x < T(0) ? T(0) : x; }
template <typename T>
AOTC_HD T aotc_sign(T x) { return T((T(0) < x) - (x < T(0))); }
AOTC_HD float aotc_sign(float x) { return x != x ? x : float((0.0f < x) - (x < 0.0f)); }
AOTC_HD double aotc_sign(double x) { return x != x ? x : double((0.0 < x) - (x < 0.0)); }
// Integer rounding is the identity.
template <typename T>
AOTC_HD T aotc_floor(T x) { return x; }
template <typename T>
AOTC_HD T aotc_ceil(T x) { return x; }
template <typename T>
AOTC_HD T aotc_trunc(T x) { return x; }
template <typename T>
AOTC_HD T aotc_round(T x) { return x; }

template <typename T>
AOTC_HD T aotc_mish(T x) {
  T sp = x > T(20) ? x : aotc_log1p(aotc_exp(x));
  return x * aotc_tanh(sp);
}
template <typename T>
AOTC_HD T aotc_softplus(T x, T beta, T threshold) {
  return x * beta > threshold ? x : aotc_log1p(aotc_exp(x * beta)) / beta;
}
template <typename T>
AOTC_HD T aotc_maximum(T a, T b) {
  if (aotc_isnan(a)) return a;
  if (aotc_isnan(b)) return b;
  return a > b ? a : b;
}
template <typename T>
AOTC_HD T aotc_minimum(T a, T b) {
  if (aotc_isnan(a)) return a;
  if (aotc_isnan(b)) return b;
  return a < b ? a : b;
}
template <typename T>
AOTC_HD T aotc_hardtanh(T x, T lo, T hi) { return x < lo ? lo : (x > hi ? hi : x); }
template <typename T>
AOTC_HD T aotc_clamp_min(T x, T lo) { return x < lo ? lo : x; }
template <typename T>
AOTC_HD T aotc_clamp_max(T x, T hi) { return x > hi ? hi : x; }
template <typename T>
AOTC_HD T aotc_leaky_relu(T x, T slope) { return x > T(0) ? x : x * slope; }
template <typename T>
AOTC_HD T aotc_elu(T x, T alpha, T scale, T input_scale) {
  return x > T(0) ? x * scale : aotc_expm1(x * input_scale) * alpha * scale;
}

// ---- Binary ------------------------------------------------------------------------------------
AOTC_HD float aotc_pow(float a, float b) { return powf(a, b); }
AOTC_HD double aotc_pow(double a, double b) { return pow(a, b); }
template <typename T>
AOTC_HD T aotc_pow(T a, T b) {
  // Integer power by squaring (negative exponents: 0 except for |a| == 1, as PyTorch).
  if (b < 0) return a == 1 ? T(1) : (a == -1 ? (b % 2 == 0 ? T(1) : T(-1)) : T(0));
  T r = 1;
  while (b) {
    if (b & 1) r *= a;
    a *= a;
    b >>= 1;
  }
  return r;
}
AOTC_HD float aotc_remainder(float a, float b) {
  float r = fmodf(a, b);
  return (r != 0.0f && ((r < 0.0f) != (b < 0.0f))) ? r + b : r;
}
AOTC_HD double aotc_remainder(double a, double b) {
  double r = fmod(a, b);
  return (r != 0.0 && ((r < 0.0) != (b < 0.0))) ? r + b : r;
}
template <typename T>
AOTC_HD T aotc_remainder(T a, T b) { return b == 0 ? T(0) : T(aotc_mod(a, b)); }
AOTC_HD float aotc_fmod(float a, float b) { return fmodf(a, b); }
AOTC_HD double aotc_fmod(double a, double b) { return fmod(a, b); }
template <typename T>
AOTC_HD T aotc_fmod(T a, T b) { return b == 0 ? T(0) : T(a % b); }
AOTC_HD float aotc_atan2(float a, float b) { return atan2f(a, b); }
AOTC_HD double aotc_atan2(double a, double b) { return atan2(a, b); }
// Division modes: true (floats), trunc, floor.
template <typename T>
AOTC_HD T aotc_div_trunc(T a, T b) { return b == 0 ? T(0) : T(a / b); }
AOTC_HD float aotc_div_trunc(float a, float b) { return truncf(a / b); }
AOTC_HD double aotc_div_trunc(double a, double b) { return trunc(a / b); }
template <typename T>
AOTC_HD T aotc_div_floor(T a, T b) { return b == 0 ? T(0) : T(aotc_floordiv(a, b)); }
AOTC_HD float aotc_div_floor(float a, float b) {
  if (b == 0.0f) return a / b;
  float mod = fmodf(a, b);
  float div = (a - mod) / b;
  if (mod != 0.0f && ((b < 0.0f) != (mod < 0.0f))) div -= 1.0f;
  if (div == 0.0f) return copysignf(0.0f, a / b);
  float f = floorf(div);
  return div - f > 0.5f ? f + 1.0f : f;
}
AOTC_HD double aotc_div_floor(double a, double b) {
  if (b == 0.0) return a / b;
  double mod = fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0.0 && ((b < 0.0) != (mod < 0.0))) div -= 1.0;
  if (div == 0.0) return copysign(0.0, a / b);
  double f = floor(div);
  return div - f > 0.5 ? f + 1.0 : f;
}

}  // namespace aotc_gen

#endif  // AOTC_MATH_H_

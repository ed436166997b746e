// The SIMD vocabulary of the ISA-specific kernel translation units.
//
// Each *_kernels.cpp file is compiled three times (CMake object libraries
// aotc_cpu_isa_{baseline,avx2,avx512}) with different -m flags and with
// AOTC_CPU_ISA_NS naming the namespace all its code lives in. This header
// picks the vector type from the compiler's macros:
//   __AVX512F__  -> 16 x float, __m512, AVX-512 masks
//   __AVX2__     -> 8 x float, __m256, FMA, F16C
//   otherwise    -> 4 x float, GCC vector extensions (SSE2 on x86-64, NEON on
//                   AArch64, scalar code elsewhere)
//
// The one rule for those files: every function they define must live in the
// ISA namespace (or be static), and they must not instantiate or odr-use any
// inline function or template from outside it (std::min, std::exp(float),
// std::numeric_limits, aotc_cpu::bf16_to_float, ...). An inline function
// compiled with -mavx512f is a weak symbol the linker may pick for baseline
// callers too, which then crash on an older CPU. Use the __builtin_* math
// functions and the helpers below; the test `cpu-kernels: isa objects share
// no symbols` checks the object files with nm.
#pragma once

#ifndef AOTC_CPU_ISA_NS
#error "simd.h is for the ISA kernel translation units (AOTC_CPU_ISA_NS unset)"
#endif

#include <cstddef>
#include <cstdint>

#if defined(__AVX512F__) || defined(__AVX2__)
// GCC 12.2's AVX-512 headers trip -W(maybe-)uninitialized on their own
// _mm512_undefined_* self-initialization (GCC bug 105593, fixed in 12.3);
// the warning is located in the header, so silencing it here is enough.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

#include "aotc_cpu_types.h"
#include "internal.h"

#define AOTC_CPU_INLINE inline __attribute__((always_inline))

namespace aotc_cpu::AOTC_CPU_ISA_NS {

#include "aotc_cpu_half.inc"

AOTC_CPU_INLINE int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
AOTC_CPU_INLINE int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }
AOTC_CPU_INLINE int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
AOTC_CPU_INLINE int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }
AOTC_CPU_INLINE int64_t elem_size(DType t) { return t == DType::kF32 ? 4 : 2; }
AOTC_CPU_INLINE float fmin_nan(float a, float b) { return (a < b || a != a) ? a : b; }
AOTC_CPU_INLINE float fmax_nan(float a, float b) { return (a > b || a != a) ? a : b; }

/// Element i of a typed buffer, as float.
AOTC_CPU_INLINE float load_scalar(const void* p, DType t, int64_t i) {
  switch (t) {
    case DType::kF32: return static_cast<const float*>(p)[i];
    case DType::kBF16: return bf16_to_float(static_cast<const uint16_t*>(p)[i]);
    case DType::kF16: return f16_to_float(static_cast<const uint16_t*>(p)[i]);
  }
  return 0.0f;
}
AOTC_CPU_INLINE void store_scalar(void* p, DType t, int64_t i, float v) {
  switch (t) {
    case DType::kF32: static_cast<float*>(p)[i] = v; return;
    case DType::kBF16: static_cast<uint16_t*>(p)[i] = float_to_bf16(v); return;
    case DType::kF16: static_cast<uint16_t*>(p)[i] = float_to_f16(v); return;
  }
}
AOTC_CPU_INLINE const void* offset_ptr(const void* p, DType t, int64_t i) {
  return static_cast<const char*>(p) + i * elem_size(t);
}
AOTC_CPU_INLINE void* offset_ptr(void* p, DType t, int64_t i) {
  return static_cast<char*>(p) + i * elem_size(t);
}

#if defined(__AVX512F__)
// ---------------------------------------------------------------- AVX-512
inline constexpr int kW = 16;
struct VF {
  __m512 v;
};
struct VM {
  __mmask16 m;
};
AOTC_CPU_INLINE __mmask16 tail_mask(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
/// Lanes [0, n) set.
AOTC_CPU_INLINE VM vfirst_n(int n) { return {tail_mask(n)}; }
AOTC_CPU_INLINE VF vzero() { return {_mm512_setzero_ps()}; }
AOTC_CPU_INLINE VF vset1(float x) { return {_mm512_set1_ps(x)}; }
AOTC_CPU_INLINE VF vload(const float* p) { return {_mm512_loadu_ps(p)}; }
AOTC_CPU_INLINE void vstore(float* p, VF a) { _mm512_storeu_ps(p, a.v); }
AOTC_CPU_INLINE VF vload_n(const float* p, int n) { return {_mm512_maskz_loadu_ps(tail_mask(n), p)}; }
AOTC_CPU_INLINE void vstore_n(float* p, VF a, int n) { _mm512_mask_storeu_ps(p, tail_mask(n), a.v); }
/// A set of lanes [lo, hi), precomputed for repeated vload_lanes.
struct LaneMask {
  __mmask16 m;
};
AOTC_CPU_INLINE LaneMask lane_mask(int lo, int hi) {
  return {static_cast<__mmask16>(tail_mask(hi) & ~tail_mask(lo))};
}
/// The mask's lanes loaded from p[lane] (the others keep acc's values and are
/// never read: p may point outside the valid data there).
AOTC_CPU_INLINE VF vload_lanes(VF acc, const float* p, LaneMask m) {
  return {_mm512_mask_loadu_ps(acc.v, m.m, p)};
}
AOTC_CPU_INLINE VF operator+(VF a, VF b) { return {_mm512_add_ps(a.v, b.v)}; }
AOTC_CPU_INLINE VF operator-(VF a, VF b) { return {_mm512_sub_ps(a.v, b.v)}; }
AOTC_CPU_INLINE VF operator*(VF a, VF b) { return {_mm512_mul_ps(a.v, b.v)}; }
AOTC_CPU_INLINE VF operator/(VF a, VF b) { return {_mm512_div_ps(a.v, b.v)}; }
/// a * b + c
AOTC_CPU_INLINE VF vfma(VF a, VF b, VF c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
/// x86 semantics: if either is NaN, returns b.
AOTC_CPU_INLINE VF vmax(VF a, VF b) { return {_mm512_max_ps(a.v, b.v)}; }
AOTC_CPU_INLINE VF vmin(VF a, VF b) { return {_mm512_min_ps(a.v, b.v)}; }
AOTC_CPU_INLINE VF vabs(VF a) { return {_mm512_abs_ps(a.v)}; }
AOTC_CPU_INLINE VF vsqrt(VF a) { return {_mm512_sqrt_ps(a.v)}; }
AOTC_CPU_INLINE VM vlt(VF a, VF b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ)}; }
AOTC_CPU_INLINE VM vgt(VF a, VF b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ)}; }
AOTC_CPU_INLINE VM vge(VF a, VF b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_GE_OQ)}; }
AOTC_CPU_INLINE VM visnan(VF a) { return {_mm512_cmp_ps_mask(a.v, a.v, _CMP_UNORD_Q)}; }
AOTC_CPU_INLINE VM vor(VM a, VM b) { return {static_cast<__mmask16>(a.m | b.m)}; }
/// m ? t : f, per lane.
AOTC_CPU_INLINE VF vselect(VM m, VF t, VF f) { return {_mm512_mask_blend_ps(m.m, f.v, t.v)}; }
AOTC_CPU_INLINE float vreduce_add(VF a) { return _mm512_reduce_add_ps(a.v); }
AOTC_CPU_INLINE float vreduce_max(VF a) { return _mm512_reduce_max_ps(a.v); }
AOTC_CPU_INLINE float vreduce_min(VF a) { return _mm512_reduce_min_ps(a.v); }
/// 2^n for integral-valued n in [-126, 127].
AOTC_CPU_INLINE VF vexp2_int(VF n) {
  const __m512i i = _mm512_cvtps_epi32(n.v);
  return {_mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(i, _mm512_set1_epi32(127)), 23))};
}
AOTC_CPU_INLINE VF vround(VF a) {
  return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
}

AOTC_CPU_INLINE VF bf16_bits_to_vf(__m256i h) {
  return {_mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16))};
}
AOTC_CPU_INLINE __m256i vf_to_bf16_bits(VF x) {
  const __m512i u = _mm512_castps_si512(x.v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  const __m512i r = _mm512_srli_epi32(
      _mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7FFF))), 16);
  const __m512i q = _mm512_mask_blend_epi32(visnan(x).m, r, _mm512_set1_epi32(0x7FC0));
  return _mm512_cvtepi32_epi16(q);
}
AOTC_CPU_INLINE __m256i vf_to_f16_bits(VF x) {
  const __m256i h = _mm512_cvtps_ph(x.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // c10 writes sign | 0x7E00 for every NaN; the hardware keeps payload bits.
  const __m512i u = _mm512_castps_si512(x.v);
  const __m512i nan_bits = _mm512_or_si512(
      _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x8000)), _mm512_set1_epi32(0x7E00));
  return _mm256_mask_blend_epi16(visnan(x).m, h, _mm512_cvtepi32_epi16(nan_bits));
}
AOTC_CPU_INLINE VF vload_t(const void* p, DType t, int64_t i) {
  switch (t) {
    case DType::kF32: return vload(static_cast<const float*>(p) + i);
    case DType::kBF16:
      return bf16_bits_to_vf(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(p) + i)));
    case DType::kF16:
      return {_mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(p) + i)))};
  }
  return vzero();
}
AOTC_CPU_INLINE VF vload_t_n(const void* p, DType t, int64_t i, int n) {
  switch (t) {
    case DType::kF32: return vload_n(static_cast<const float*>(p) + i, n);
    case DType::kBF16:
      return bf16_bits_to_vf(_mm256_maskz_loadu_epi16(tail_mask(n), static_cast<const uint16_t*>(p) + i));
    case DType::kF16:
      return {_mm512_cvtph_ps(_mm256_maskz_loadu_epi16(tail_mask(n), static_cast<const uint16_t*>(p) + i))};
  }
  return vzero();
}
AOTC_CPU_INLINE void vstore_t(void* p, DType t, int64_t i, VF x) {
  switch (t) {
    case DType::kF32: vstore(static_cast<float*>(p) + i, x); return;
    case DType::kBF16:
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(static_cast<uint16_t*>(p) + i), vf_to_bf16_bits(x));
      return;
    case DType::kF16:
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(static_cast<uint16_t*>(p) + i), vf_to_f16_bits(x));
      return;
  }
}
AOTC_CPU_INLINE void vstore_t_n(void* p, DType t, int64_t i, VF x, int n) {
  switch (t) {
    case DType::kF32: vstore_n(static_cast<float*>(p) + i, x, n); return;
    case DType::kBF16:
      _mm256_mask_storeu_epi16(static_cast<uint16_t*>(p) + i, tail_mask(n), vf_to_bf16_bits(x));
      return;
    case DType::kF16:
      _mm256_mask_storeu_epi16(static_cast<uint16_t*>(p) + i, tail_mask(n), vf_to_f16_bits(x));
      return;
  }
}


/// Transposes a tile: reads `rows` (<= kTT) rows of kTT floats (row i at
/// src + i * ss) and writes kTT rows of `lanes` (<= kTT) floats (row j at
/// dst + j * ds): dst[j][i] = src[i][j], zero for i >= rows.
inline constexpr int kTT = 16;
AOTC_CPU_INLINE void transpose_tile(const float* src, int64_t ss, int rows, float* dst, int64_t ds,
                                    int lanes) {
  __m512 r[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) r[i] = i < rows ? _mm512_loadu_ps(src + i * ss) : _mm512_setzero_ps();
  __m512 t[16];
#pragma GCC unroll 8
  for (int k = 0; k < 8; ++k) {
    t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  // r[4k + e], 128-bit lane L: rows 4k..4k+3 of column 4L + e.
#pragma GCC unroll 4
  for (int k = 0; k < 4; ++k) {
    r[4 * k + 0] = _mm512_shuffle_ps(t[4 * k + 0], t[4 * k + 2], 0x44);
    r[4 * k + 1] = _mm512_shuffle_ps(t[4 * k + 0], t[4 * k + 2], 0xEE);
    r[4 * k + 2] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
    r[4 * k + 3] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
  }
#pragma GCC unroll 4
  for (int e = 0; e < 4; ++e) {
    t[e + 0] = _mm512_shuffle_f32x4(r[e], r[4 + e], 0x88);
    t[e + 4] = _mm512_shuffle_f32x4(r[e], r[4 + e], 0xDD);
    t[e + 8] = _mm512_shuffle_f32x4(r[8 + e], r[12 + e], 0x88);
    t[e + 12] = _mm512_shuffle_f32x4(r[8 + e], r[12 + e], 0xDD);
  }
  const __mmask16 m = tail_mask(lanes);
#pragma GCC unroll 4
  for (int e = 0; e < 4; ++e) {
    _mm512_mask_storeu_ps(dst + (e + 0) * ds, m, _mm512_shuffle_f32x4(t[e], t[e + 8], 0x88));
    _mm512_mask_storeu_ps(dst + (e + 8) * ds, m, _mm512_shuffle_f32x4(t[e], t[e + 8], 0xDD));
    _mm512_mask_storeu_ps(dst + (e + 4) * ds, m, _mm512_shuffle_f32x4(t[e + 4], t[e + 12], 0x88));
    _mm512_mask_storeu_ps(dst + (e + 12) * ds, m, _mm512_shuffle_f32x4(t[e + 4], t[e + 12], 0xDD));
  }
}

#elif defined(__AVX2__)
// ---------------------------------------------------------------- AVX2 + FMA + F16C
inline constexpr int kW = 8;
struct VF {
  __m256 v;
};
struct VM {
  __m256 m;
};
AOTC_CPU_INLINE __m256i tail_mask(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
AOTC_CPU_INLINE VM vfirst_n(int n) { return {_mm256_castsi256_ps(tail_mask(n))}; }
AOTC_CPU_INLINE VF vzero() { return {_mm256_setzero_ps()}; }
AOTC_CPU_INLINE VF vset1(float x) { return {_mm256_set1_ps(x)}; }
AOTC_CPU_INLINE VF vload(const float* p) { return {_mm256_loadu_ps(p)}; }
AOTC_CPU_INLINE void vstore(float* p, VF a) { _mm256_storeu_ps(p, a.v); }
AOTC_CPU_INLINE VF vload_n(const float* p, int n) { return {_mm256_maskload_ps(p, tail_mask(n))}; }
AOTC_CPU_INLINE void vstore_n(float* p, VF a, int n) { _mm256_maskstore_ps(p, tail_mask(n), a.v); }
struct LaneMask {
  __m256i m;
};
AOTC_CPU_INLINE LaneMask lane_mask(int lo, int hi) { return {_mm256_andnot_si256(tail_mask(lo), tail_mask(hi))}; }
AOTC_CPU_INLINE VF vload_lanes(VF acc, const float* p, LaneMask m) {
  return {_mm256_blendv_ps(acc.v, _mm256_maskload_ps(p, m.m), _mm256_castsi256_ps(m.m))};
}
AOTC_CPU_INLINE VF operator+(VF a, VF b) { return {_mm256_add_ps(a.v, b.v)}; }
AOTC_CPU_INLINE VF operator-(VF a, VF b) { return {_mm256_sub_ps(a.v, b.v)}; }
AOTC_CPU_INLINE VF operator*(VF a, VF b) { return {_mm256_mul_ps(a.v, b.v)}; }
AOTC_CPU_INLINE VF operator/(VF a, VF b) { return {_mm256_div_ps(a.v, b.v)}; }
AOTC_CPU_INLINE VF vfma(VF a, VF b, VF c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
AOTC_CPU_INLINE VF vmax(VF a, VF b) { return {_mm256_max_ps(a.v, b.v)}; }
AOTC_CPU_INLINE VF vmin(VF a, VF b) { return {_mm256_min_ps(a.v, b.v)}; }
AOTC_CPU_INLINE VF vabs(VF a) {
  return {_mm256_and_ps(a.v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF)))};
}
AOTC_CPU_INLINE VF vsqrt(VF a) { return {_mm256_sqrt_ps(a.v)}; }
AOTC_CPU_INLINE VM vlt(VF a, VF b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_LT_OQ)}; }
AOTC_CPU_INLINE VM vgt(VF a, VF b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_GT_OQ)}; }
AOTC_CPU_INLINE VM vge(VF a, VF b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_GE_OQ)}; }
AOTC_CPU_INLINE VM visnan(VF a) { return {_mm256_cmp_ps(a.v, a.v, _CMP_UNORD_Q)}; }
AOTC_CPU_INLINE VM vor(VM a, VM b) { return {_mm256_or_ps(a.m, b.m)}; }
AOTC_CPU_INLINE VF vselect(VM m, VF t, VF f) { return {_mm256_blendv_ps(f.v, t.v, m.m)}; }
AOTC_CPU_INLINE float vreduce_add(VF a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}
AOTC_CPU_INLINE float vreduce_max(VF a) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}
AOTC_CPU_INLINE float vreduce_min(VF a) {
  __m128 s = _mm_min_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  s = _mm_min_ps(s, _mm_movehl_ps(s, s));
  s = _mm_min_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}
AOTC_CPU_INLINE VF vexp2_int(VF n) {
  const __m256i i = _mm256_cvtps_epi32(n.v);
  return {_mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(i, _mm256_set1_epi32(127)), 23))};
}
AOTC_CPU_INLINE VF vround(VF a) {
  return {_mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
}

AOTC_CPU_INLINE VF bf16_bits_to_vf(__m128i h) {
  return {_mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16))};
}
AOTC_CPU_INLINE __m128i narrow_u32_to_u16(__m256i q) {
  // Values fit in 16 bits, so the unsigned-saturating pack is a plain narrow.
  const __m256i p = _mm256_packus_epi32(q, q);
  return _mm256_castsi256_si128(_mm256_permute4x64_epi64(p, 0x08));
}
AOTC_CPU_INLINE __m128i vf_to_bf16_bits(VF x) {
  const __m256i u = _mm256_castps_si256(x.v);
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
  __m256i r = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7FFF))), 16);
  r = _mm256_blendv_epi8(r, _mm256_set1_epi32(0x7FC0), _mm256_castps_si256(visnan(x).m));
  return narrow_u32_to_u16(r);
}
AOTC_CPU_INLINE __m128i vf_to_f16_bits(VF x) {
  const __m128i h = _mm256_cvtps_ph(x.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256i u = _mm256_castps_si256(x.v);
  const __m256i nan_bits = _mm256_or_si256(
      _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x8000)), _mm256_set1_epi32(0x7E00));
  const __m128i nan_mask = narrow_u32_to_u16(_mm256_srli_epi32(_mm256_castps_si256(visnan(x).m), 16));
  return _mm_blendv_epi8(h, narrow_u32_to_u16(nan_bits), nan_mask);
}
AOTC_CPU_INLINE __m128i load_u16x8(const void* p, int64_t i) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(p) + i));
}
AOTC_CPU_INLINE __m128i load_u16x8_n(const void* p, int64_t i, int n) {
  uint16_t tmp[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  __builtin_memcpy(tmp, static_cast<const uint16_t*>(p) + i, static_cast<size_t>(n) * 2);
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(tmp));
}
AOTC_CPU_INLINE VF vload_t(const void* p, DType t, int64_t i) {
  switch (t) {
    case DType::kF32: return vload(static_cast<const float*>(p) + i);
    case DType::kBF16: return bf16_bits_to_vf(load_u16x8(p, i));
    case DType::kF16: return {_mm256_cvtph_ps(load_u16x8(p, i))};
  }
  return vzero();
}
AOTC_CPU_INLINE VF vload_t_n(const void* p, DType t, int64_t i, int n) {
  switch (t) {
    case DType::kF32: return vload_n(static_cast<const float*>(p) + i, n);
    case DType::kBF16: return bf16_bits_to_vf(load_u16x8_n(p, i, n));
    case DType::kF16: return {_mm256_cvtph_ps(load_u16x8_n(p, i, n))};
  }
  return vzero();
}
AOTC_CPU_INLINE void vstore_t(void* p, DType t, int64_t i, VF x) {
  switch (t) {
    case DType::kF32: vstore(static_cast<float*>(p) + i, x); return;
    case DType::kBF16:
      _mm_storeu_si128(reinterpret_cast<__m128i*>(static_cast<uint16_t*>(p) + i), vf_to_bf16_bits(x));
      return;
    case DType::kF16:
      _mm_storeu_si128(reinterpret_cast<__m128i*>(static_cast<uint16_t*>(p) + i), vf_to_f16_bits(x));
      return;
  }
}
AOTC_CPU_INLINE void vstore_t_n(void* p, DType t, int64_t i, VF x, int n) {
  if (t == DType::kF32) {
    vstore_n(static_cast<float*>(p) + i, x, n);
    return;
  }
  uint16_t tmp[8];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(tmp), t == DType::kBF16 ? vf_to_bf16_bits(x) : vf_to_f16_bits(x));
  __builtin_memcpy(static_cast<uint16_t*>(p) + i, tmp, static_cast<size_t>(n) * 2);
}


/// Transposes a tile (see the AVX-512 version): 8 x 8.
inline constexpr int kTT = 8;
AOTC_CPU_INLINE void transpose_tile(const float* src, int64_t ss, int rows, float* dst, int64_t ds,
                                    int lanes) {
  __m256 r[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) r[i] = i < rows ? _mm256_loadu_ps(src + i * ss) : _mm256_setzero_ps();
  __m256 t[8];
#pragma GCC unroll 4
  for (int k = 0; k < 4; ++k) {
    t[2 * k] = _mm256_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm256_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
#pragma GCC unroll 2
  for (int k = 0; k < 2; ++k) {
    r[4 * k + 0] = _mm256_shuffle_ps(t[4 * k + 0], t[4 * k + 2], 0x44);
    r[4 * k + 1] = _mm256_shuffle_ps(t[4 * k + 0], t[4 * k + 2], 0xEE);
    r[4 * k + 2] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
    r[4 * k + 3] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
  }
  const __m256i m = tail_mask(lanes);
#pragma GCC unroll 4
  for (int e = 0; e < 4; ++e) {
    _mm256_maskstore_ps(dst + e * ds, m, _mm256_permute2f128_ps(r[e], r[4 + e], 0x20));
    _mm256_maskstore_ps(dst + (e + 4) * ds, m, _mm256_permute2f128_ps(r[e], r[4 + e], 0x31));
  }
}

#else
// ---------------------------------------------------------------- portable baseline
inline constexpr int kW = 4;
typedef float F4 __attribute__((vector_size(16)));
typedef int32_t I4 __attribute__((vector_size(16)));
struct VF {
  F4 v;
};
struct VM {
  I4 m;
};
AOTC_CPU_INLINE VM vfirst_n(int n) { return {I4{0, 1, 2, 3} < n}; }
AOTC_CPU_INLINE VF vzero() { return {F4{0.0f, 0.0f, 0.0f, 0.0f}}; }
AOTC_CPU_INLINE VF vset1(float x) { return {F4{x, x, x, x}}; }
AOTC_CPU_INLINE VF vload(const float* p) {
  VF r;
  __builtin_memcpy(&r.v, p, sizeof(F4));
  return r;
}
AOTC_CPU_INLINE void vstore(float* p, VF a) { __builtin_memcpy(p, &a.v, sizeof(F4)); }
AOTC_CPU_INLINE VF vload_n(const float* p, int n) {
  VF r = vzero();
  __builtin_memcpy(&r.v, p, static_cast<size_t>(n) * 4);
  return r;
}
AOTC_CPU_INLINE void vstore_n(float* p, VF a, int n) {
  __builtin_memcpy(p, &a.v, static_cast<size_t>(n) * 4);
}
struct LaneMask {
  int lo, hi;
};
AOTC_CPU_INLINE LaneMask lane_mask(int lo, int hi) { return {lo, hi}; }
AOTC_CPU_INLINE VF vload_lanes(VF acc, const float* p, LaneMask m) {
  for (int l = m.lo; l < m.hi; ++l) acc.v[l] = p[l];
  return acc;
}
AOTC_CPU_INLINE VF operator+(VF a, VF b) { return {a.v + b.v}; }
AOTC_CPU_INLINE VF operator-(VF a, VF b) { return {a.v - b.v}; }
AOTC_CPU_INLINE VF operator*(VF a, VF b) { return {a.v * b.v}; }
AOTC_CPU_INLINE VF operator/(VF a, VF b) { return {a.v / b.v}; }
AOTC_CPU_INLINE VF vfma(VF a, VF b, VF c) { return {a.v * b.v + c.v}; }
AOTC_CPU_INLINE VF vselect(VM m, VF t, VF f) {
  const I4 r = ((I4)t.v & m.m) | ((I4)f.v & ~m.m);
  return {(F4)r};
}
AOTC_CPU_INLINE VM vlt(VF a, VF b) { return {a.v < b.v}; }
AOTC_CPU_INLINE VM vgt(VF a, VF b) { return {a.v > b.v}; }
AOTC_CPU_INLINE VM vge(VF a, VF b) { return {a.v >= b.v}; }
AOTC_CPU_INLINE VM visnan(VF a) { return {a.v != a.v}; }
AOTC_CPU_INLINE VM vor(VM a, VM b) { return {a.m | b.m}; }
/// Same NaN rule as x86's maxps: returns b when the comparison is unordered.
AOTC_CPU_INLINE VF vmax(VF a, VF b) { return vselect(vgt(a, b), a, b); }
AOTC_CPU_INLINE VF vmin(VF a, VF b) { return vselect(vlt(a, b), a, b); }
AOTC_CPU_INLINE VF vabs(VF a) {
  const I4 r = (I4)a.v & I4{0x7FFFFFFF, 0x7FFFFFFF, 0x7FFFFFFF, 0x7FFFFFFF};
  return {(F4)r};
}
AOTC_CPU_INLINE VF vsqrt(VF a) {
  return {F4{__builtin_sqrtf(a.v[0]), __builtin_sqrtf(a.v[1]), __builtin_sqrtf(a.v[2]),
             __builtin_sqrtf(a.v[3])}};
}
AOTC_CPU_INLINE float vreduce_add(VF a) { return (a.v[0] + a.v[2]) + (a.v[1] + a.v[3]); }
AOTC_CPU_INLINE float vreduce_max(VF a) {
  const float x = a.v[0] > a.v[2] ? a.v[0] : a.v[2];
  const float y = a.v[1] > a.v[3] ? a.v[1] : a.v[3];
  return x > y ? x : y;
}
AOTC_CPU_INLINE float vreduce_min(VF a) {
  const float x = a.v[0] < a.v[2] ? a.v[0] : a.v[2];
  const float y = a.v[1] < a.v[3] ? a.v[1] : a.v[3];
  return x < y ? x : y;
}
/// Round half away from zero (enough for range reduction).
AOTC_CPU_INLINE VF vround(VF a) {
  const F4 half = {0.5f, 0.5f, 0.5f, 0.5f};
  const VF h = vselect(vlt(a, vzero()), VF{-half}, VF{half});
  const I4 i = __builtin_convertvector(a.v + h.v, I4);
  return {__builtin_convertvector(i, F4)};
}
AOTC_CPU_INLINE VF vexp2_int(VF n) {
  const I4 i = __builtin_convertvector(n.v, I4);
  const I4 bits = (i + 127) << 23;
  return {(F4)bits};
}
AOTC_CPU_INLINE VF vload_t(const void* p, DType t, int64_t i) {
  if (t == DType::kF32) return vload(static_cast<const float*>(p) + i);
  VF r;
  for (int j = 0; j < kW; ++j) r.v[j] = load_scalar(p, t, i + j);
  return r;
}
AOTC_CPU_INLINE VF vload_t_n(const void* p, DType t, int64_t i, int n) {
  if (t == DType::kF32) return vload_n(static_cast<const float*>(p) + i, n);
  VF r = vzero();
  for (int j = 0; j < n; ++j) r.v[j] = load_scalar(p, t, i + j);
  return r;
}
AOTC_CPU_INLINE void vstore_t(void* p, DType t, int64_t i, VF x) {
  if (t == DType::kF32) return vstore(static_cast<float*>(p) + i, x);
  for (int j = 0; j < kW; ++j) store_scalar(p, t, i + j, x.v[j]);
}
AOTC_CPU_INLINE void vstore_t_n(void* p, DType t, int64_t i, VF x, int n) {
  if (t == DType::kF32) return vstore_n(static_cast<float*>(p) + i, x, n);
  for (int j = 0; j < n; ++j) store_scalar(p, t, i + j, x.v[j]);
}

/// Transposes a tile (see the AVX-512 version): 4 x 4, plain loops.
inline constexpr int kTT = 4;
AOTC_CPU_INLINE void transpose_tile(const float* src, int64_t ss, int rows, float* dst, int64_t ds,
                                    int lanes) {
  for (int j = 0; j < kTT; ++j) {
    for (int i = 0; i < lanes; ++i) dst[j * ds + i] = i < rows ? src[i * ss + j] : 0.0f;
  }
}

#endif

/// min(hi, max(lo, x)) that keeps NaN (x86 min/max return their second operand on NaN).
AOTC_CPU_INLINE VF vclamp(VF x, VF lo, VF hi) { return vmin(hi, vmax(lo, x)); }

}  // namespace aotc_cpu::AOTC_CPU_ISA_NS

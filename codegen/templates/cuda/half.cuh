// half.cuh: 16-bit float storage types (bfloat16, float16) for aotc kernels.
//
// The templates do not include cuda_fp16.h / cuda_bf16.h: those need the
// toolkit's include folder at compile time and add about 70 ms to every NVRTC
// compile. Kernels only store 16-bit floats and compute in float32, so two
// 2-byte structs and PTX conversions (round to nearest even, like PyTorch's
// casts) are all they need. A generated TU that includes the toolkit headers
// before this one also gets overloads for __nv_bfloat16 and __half.
//
// Tensor-core code moves pairs as one 32-bit register: pack_bf16x2 / pack_f16x2
// put their first argument in the low half (the lower column index), which is
// the element order mma.sync fragments use.
#ifndef AOTC_CUDA_HALF_CUH
#define AOTC_CUDA_HALF_CUH

#include "common.cuh"

namespace aotc {
namespace cuda {

/// bfloat16 storage: the top 16 bits of a float32.
struct __align__(2) bf16 {
  uint16_t bits;
};
/// IEEE float16 storage.
struct __align__(2) fp16 {
  uint16_t bits;
};

AOTC_DEVICE float to_float(bf16 x) {
  return __uint_as_float(static_cast<uint32_t>(x.bits) << 16);
}
AOTC_DEVICE float to_float(fp16 x) {
  float f;
  asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(x.bits));
  return f;
}

AOTC_DEVICE bf16 float_to_bf16(float f) {
  bf16 r;
  asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(r.bits) : "f"(f));
  return r;
}
AOTC_DEVICE fp16 float_to_fp16(float f) {
  fp16 r;
  asm("cvt.rn.f16.f32 %0, %1;" : "=h"(r.bits) : "f"(f));
  return r;
}

template <>
struct FromFloat<bf16> {
  AOTC_DEVICE static bf16 convert(float x) { return float_to_bf16(x); }
};
template <>
struct FromFloat<fp16> {
  AOTC_DEVICE static fp16 convert(float x) { return float_to_fp16(x); }
};

/// Two floats as a bf16x2 register; `lo` lands in bits 0..15.
AOTC_DEVICE uint32_t pack_bf16x2(float lo, float hi) {
  uint32_t r;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}
/// Two floats as an f16x2 register; `lo` lands in bits 0..15.
AOTC_DEVICE uint32_t pack_f16x2(float lo, float hi) {
  uint32_t r;
  asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}

/// Packs for the mma operand type T (bf16 or fp16).
template <class T>
AOTC_DEVICE uint32_t pack2(float lo, float hi) {
  if constexpr (IsSame<T, bf16>::value) {
    return pack_bf16x2(lo, hi);
  } else {
    return pack_f16x2(lo, hi);
  }
}

/// Eight 16-bit floats from 16 aligned bytes, widened to float.
template <class T>
AOTC_DEVICE void load8_to_float(const T* p, float (&out)[8]) {
  const uint4 v = __ldg(reinterpret_cast<const uint4*>(p));
  const uint32_t w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    T lo, hi;
    lo.bits = static_cast<uint16_t>(w[i] & 0xffffu);
    hi.bits = static_cast<uint16_t>(w[i] >> 16);
    out[2 * i] = to_float(lo);
    out[2 * i + 1] = to_float(hi);
  }
}

/// Eight floats rounded to T and stored as 16 aligned bytes.
template <class T>
AOTC_DEVICE void store8_from_float(T* p, const float (&in)[8]) {
  uint4 v;
  v.x = pack2<T>(in[0], in[1]);
  v.y = pack2<T>(in[2], in[3]);
  v.z = pack2<T>(in[4], in[5]);
  v.w = pack2<T>(in[6], in[7]);
  *reinterpret_cast<uint4*>(p) = v;
}

#if defined(__CUDA_BF16_TYPES_EXIST__)
AOTC_DEVICE float to_float(__nv_bfloat16 x) {
  return __bfloat162float(x);
}
template <>
struct FromFloat<__nv_bfloat16> {
  AOTC_DEVICE static __nv_bfloat16 convert(float x) { return __float2bfloat16_rn(x); }
};
#endif
#if defined(__CUDA_FP16_TYPES_EXIST__)
AOTC_DEVICE float to_float(__half x) {
  return __half2float(x);
}
template <>
struct FromFloat<__half> {
  AOTC_DEVICE static __half convert(float x) { return __float2half_rn(x); }
};
#endif

}  // namespace cuda
}  // namespace aotc

#endif  // AOTC_CUDA_HALF_CUH

// elementwise.cuh: what the generator's fused pointwise kernels are made of:
// float32 math that matches PyTorch's CUDA formulas (aotc_gelu, aotc_silu, ...,
// callable from any generated functor, including GEMM epilogues), a
// grid-stride loop, and 128-bit vector paths for contiguous float32 and
// bf16 / fp16 data.
//
// A fused kernel the generator writes looks like:
//   struct Body {
//     const float* x; const float* bias; float* y; int64_t cols;
//     __device__ void operator()(int64_t i) const {              // one element
//       y[i] = aotc_gelu_tanh(x[i] + bias[i % cols]); }
//     __device__ void vec(int64_t i) const {                     // elements i..i+3
//       float4 v = aotc::cuda::load_float4(x + i); ... aotc::cuda::store_float4(y + i, v); }
//   };
//   extern "C" __global__ void __launch_bounds__(256, 1) k1(int64_t n, Body f) {
//     aotc::cuda::for_each_index_vec<4>(n, f); }
// launched with 256 threads and grid = min(ceil(n / (256 * 4)), 4 * SMs)
// (any grid is correct; the loop strides over the rest).
//
// Math is float32 ("opmath" in PyTorch); inputs of 16-bit types are widened
// first and results rounded once at the store, as PyTorch does.
#ifndef AOTC_CUDA_ELEMENTWISE_CUH
#define AOTC_CUDA_ELEMENTWISE_CUH

#include "common.cuh"

namespace aotc {
namespace cuda {

/// f(i) for every i in [0, n), spread over the whole grid.
template <class F>
AOTC_DEVICE void for_each_index(int64_t n, const F& f) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    f(i);
}

/// f.vec(i) for every kVec-aligned group [i, i + kVec) of [0, n) and f(i) for
/// the n % kVec elements at the end. The caller guarantees that the data f
/// touches with vectors is aligned for them (16 bytes for float4).
template <int kVec, class F>
AOTC_DEVICE void for_each_index_vec(int64_t n, const F& f) {
  const int64_t groups = n / kVec;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t first = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (int64_t gi = first; gi < groups; gi += stride) f.vec(gi * kVec);
  for (int64_t i = groups * kVec + first; i < n; i += stride) f(i);
}

/// Four bf16 / fp16 values (8 aligned bytes) widened to float.
template <class T>
AOTC_DEVICE float4 load4_to_float(const T* p) {
  const uint2 v = __ldg(reinterpret_cast<const uint2*>(p));
  T a, b, c, d;
  a.bits = static_cast<uint16_t>(v.x & 0xffffu);
  b.bits = static_cast<uint16_t>(v.x >> 16);
  c.bits = static_cast<uint16_t>(v.y & 0xffffu);
  d.bits = static_cast<uint16_t>(v.y >> 16);
  return make_float4(to_float(a), to_float(b), to_float(c), to_float(d));
}

}  // namespace cuda
}  // namespace aotc

// ------------------------------------------------------------------------ math
// Global names so generated expressions stay short. float in, float out.

AOTC_DEVICE float aotc_relu(float x) {
  return (x != x || x > 0.0f) ? x : 0.0f;
}
AOTC_DEVICE float aotc_relu6(float x) {
  return x != x ? x : fminf(fmaxf(x, 0.0f), 6.0f);
}
AOTC_DEVICE float aotc_leaky_relu(float x, float slope) {
  return x > 0.0f ? x : x * slope;
}
/// torch.clamp: NaN stays NaN; either bound may be absent (pass +-inf).
AOTC_DEVICE float aotc_clamp(float x, float lo, float hi) {
  return x != x ? x : fminf(fmaxf(x, lo), hi);
}
AOTC_DEVICE float aotc_hardtanh(float x, float lo, float hi) {
  return aotc_clamp(x, lo, hi);
}
/// torch.maximum / torch.minimum: NaN in either operand wins.
AOTC_DEVICE float aotc_maximum(float a, float b) {
  return aotc::cuda::nan_max(a, b);
}
AOTC_DEVICE float aotc_minimum(float a, float b) {
  return aotc::cuda::nan_min(a, b);
}

AOTC_DEVICE float aotc_sigmoid(float x) {
  return 1.0f / (1.0f + expf(-x));
}
AOTC_DEVICE float aotc_silu(float x) {
  return x / (1.0f + expf(-x));
}
AOTC_DEVICE float aotc_tanh(float x) {
  return tanhf(x);
}
/// gelu(approximate='none'): x/2 * (1 + erf(x / sqrt(2))).
AOTC_DEVICE float aotc_gelu(float x) {
  return x * 0.5f * (1.0f + erff(x * 0.70710678118654752440f));
}
/// gelu(approximate='tanh'): x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
AOTC_DEVICE float aotc_gelu_tanh(float x) {
  const float inner = 0.79788456080286535588f * (x + 0.044715f * x * x * x);
  return 0.5f * x * (1.0f + tanhf(inner));
}
AOTC_DEVICE float aotc_hardsigmoid(float x) {
  return fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) * (1.0f / 6.0f);
}
AOTC_DEVICE float aotc_hardswish(float x) {
  return x * fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) * (1.0f / 6.0f);
}
/// softplus(beta, threshold): linear above threshold, like PyTorch.
AOTC_DEVICE float aotc_softplus(float x, float beta = 1.0f, float threshold = 20.0f) {
  return x * beta > threshold ? x : log1pf(expf(x * beta)) / beta;
}
AOTC_DEVICE float aotc_mish(float x) {
  return x * tanhf(log1pf(expf(x)));
}
/// elu(alpha, scale, input_scale); selu and celu are special cases.
AOTC_DEVICE float aotc_elu(float x, float alpha = 1.0f, float scale = 1.0f,
                           float input_scale = 1.0f) {
  return x > 0.0f ? x * scale : expm1f(x * input_scale) * alpha * scale;
}
AOTC_DEVICE float aotc_selu(float x) {
  return aotc_elu(x, 1.6732632423543772848170429916717f, 1.0507009873554804934193349852946f);
}
AOTC_DEVICE float aotc_celu(float x, float alpha = 1.0f) {
  return aotc_elu(x, alpha, 1.0f, 1.0f / alpha);
}
AOTC_DEVICE float aotc_log_sigmoid(float x) {
  // -softplus(-x), stable for large |x|.
  const float mn = fminf(x, 0.0f);
  return mn - log1pf(expf(-fabsf(x)));
}
AOTC_DEVICE float aotc_erf(float x) {
  return erff(x);
}
AOTC_DEVICE float aotc_exp(float x) {
  return expf(x);
}
AOTC_DEVICE float aotc_log(float x) {
  return logf(x);
}
AOTC_DEVICE float aotc_sqrt(float x) {
  return sqrtf(x);
}
/// 1 / sqrt(x), correctly rounded sqrt then division (rsqrtf is approximate).
AOTC_DEVICE float aotc_rsqrt(float x) {
  return 1.0f / sqrtf(x);
}
AOTC_DEVICE float aotc_reciprocal(float x) {
  return 1.0f / x;
}
AOTC_DEVICE float aotc_abs(float x) {
  return fabsf(x);
}
AOTC_DEVICE float aotc_sign(float x) {
  return x != x ? x : static_cast<float>((0.0f < x) - (x < 0.0f));
}
AOTC_DEVICE float aotc_pow(float x, float y) {
  return powf(x, y);
}
AOTC_DEVICE float aotc_where(bool c, float a, float b) {
  return c ? a : b;
}

#endif  // AOTC_CUDA_ELEMENTWISE_CUH

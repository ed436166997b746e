// common.cuh: the shared vocabulary of aotc's CUDA kernel templates.
//
// Every template in codegen/templates/cuda/ is CUDA C++ that NVRTC compiles
// inside `aotc compile` (no nvcc, no GPU, no toolkit headers needed at that
// time). This file gives them, and the code the generator writes around them,
// one set of basics: fixed-width integer types under NVRTC, the `aotc::cuda`
// namespace, index helpers, float conversions, NaN-propagating min/max like
// PyTorch's, warp and block reductions, 128-bit vector loads, the dynamic
// shared-memory base, and a few type traits (NVRTC has no host STL).
//
// Conventions every template follows (docs/cuda-kernels.md has the details):
//  - A template is a __device__ function that does the work of one thread block;
//    the generator writes the `extern "C" __global__` wrapper that calls it,
//    with `__launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks)` (both arguments:
//    with the first alone ptxas may cap registers low and spill) and
//    Cfg::kSmemBytes bytes of dynamic shared memory (raise
//    CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES when that is over 48 KiB).
//  - Sizes, strides and indices are int64_t and count elements, never bytes.
//  - Accumulation is float32; inputs and outputs reach the code through
//    pointers with strides or through generated functors.
//  - Parameter structs hold only 8-byte fields (pointers, int64_t) plus, at the
//    end, pairs of 4-byte fields, so a host C++ mirror with the same field order
//    has the same layout.
//
// Needs sm_80 or newer (cp.async, ldmatrix, bf16 conversions in PTX).
#ifndef AOTC_CUDA_COMMON_CUH
#define AOTC_CUDA_COMMON_CUH

// NVRTC provides no <cstdint>. The LP64 spellings match glibc's, so a later
// definition by another header is a compatible redeclaration. Define
// AOTC_CUDA_HAVE_STDINT before including this file if the types exist already.
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

#define AOTC_DEVICE __device__ __forceinline__

namespace aotc {
namespace cuda {

constexpr int kWarpSize = 32;
constexpr unsigned kFullWarpMask = 0xffffffffu;

// ---------------------------------------------------------------- type traits

template <bool kCond, class T = void>
struct EnableIf {};
template <class T>
struct EnableIf<true, T> {
  using type = T;
};

template <class A, class B>
struct IsSame {
  static constexpr bool value = false;
};
template <class A>
struct IsSame<A, A> {
  static constexpr bool value = true;
};

template <class...>
struct VoidT {
  using type = void;
};

/// `F::kVecWidth` if a functor declares it (a loader or storer that can move
/// 4 floats at once says 4), else 1.
template <class F, class = void>
struct VecWidthOf {
  static constexpr int value = 1;
};
template <class F>
struct VecWidthOf<F, typename VoidT<decltype(F::kVecWidth)>::type> {
  static constexpr int value = F::kVecWidth;
};

/// `F::kEnabled` if a functor declares it, else true. Templates use it to skip
/// optional functors (`NoMask` says false) at compile time.
template <class F, class = void>
struct EnabledOf {
  static constexpr bool value = true;
};
template <class F>
struct EnabledOf<F, typename VoidT<decltype(F::kEnabled)>::type> {
  static constexpr bool value = F::kEnabled;
};

// ------------------------------------------------------------------- indexing

template <class T>
AOTC_DEVICE constexpr T ceil_div(T a, T b) {
  return (a + b - 1) / b;
}

template <class T>
AOTC_DEVICE constexpr T min_of(T a, T b) {
  return a < b ? a : b;
}

template <class T>
AOTC_DEVICE constexpr T max_of(T a, T b) {
  return a < b ? b : a;
}

/// Element offset of a linear (row-major) index in a strided view of rank
/// kRank: the generator's fused pointwise kernels use it for inputs that are
/// permuted, sliced or broadcast (stride 0) views.
template <int kRank>
struct StridedIndexer {
  int64_t sizes[kRank];
  int64_t strides[kRank];

  AOTC_DEVICE int64_t offset(int64_t linear) const {
    int64_t off = 0;
#pragma unroll
    for (int d = kRank - 1; d > 0; --d) {
      int64_t q = linear / sizes[d];
      off += (linear - q * sizes[d]) * strides[d];
      linear = q;
    }
    return off + linear * strides[0];
  }
};

// ---------------------------------------------------------------- conversions

AOTC_DEVICE float to_float(float x) {
  return x;
}
AOTC_DEVICE float to_float(double x) {
  return static_cast<float>(x);
}
AOTC_DEVICE float to_float(int32_t x) {
  return static_cast<float>(x);
}
AOTC_DEVICE float to_float(int64_t x) {
  return static_cast<float>(x);
}
AOTC_DEVICE float to_float(bool x) {
  return x ? 1.0f : 0.0f;
}

/// from_float<T>(x): float to the storage type T (round to nearest even for
/// the 16-bit floats in half.cuh, which specializes it).
template <class T>
struct FromFloat {
  AOTC_DEVICE static T convert(float x) { return static_cast<T>(x); }
};
template <class T>
AOTC_DEVICE T from_float(float x) {
  return FromFloat<T>::convert(x);
}

AOTC_DEVICE float pos_inf() {
  return __int_as_float(0x7f800000);
}
AOTC_DEVICE float neg_inf() {
  return __int_as_float(static_cast<int>(0xff800000u));
}
AOTC_DEVICE float quiet_nan() {
  return __int_as_float(0x7fc00000);
}

/// max/min that propagate NaN the way torch.max/torch.min and amax do
/// (fmaxf would drop it).
AOTC_DEVICE float nan_max(float a, float b) {
  return (a != a || a > b) ? a : b;
}
AOTC_DEVICE float nan_min(float a, float b) {
  return (a != a || a < b) ? a : b;
}

// ----------------------------------------------------------------- reductions

/// Sum over the kWidth lanes of each aligned kWidth-lane group of the warp
/// (kWidth a power of two, at most 32); every lane of the group gets it.
template <int kWidth = kWarpSize>
AOTC_DEVICE float warp_sum(float v) {
#pragma unroll
  for (int o = kWidth / 2; o > 0; o >>= 1) v += __shfl_xor_sync(kFullWarpMask, v, o);
  return v;
}
template <int kWidth = kWarpSize>
AOTC_DEVICE float warp_max(float v) {
#pragma unroll
  for (int o = kWidth / 2; o > 0; o >>= 1) v = nan_max(v, __shfl_xor_sync(kFullWarpMask, v, o));
  return v;
}
template <int kWidth = kWarpSize>
AOTC_DEVICE float warp_min(float v) {
#pragma unroll
  for (int o = kWidth / 2; o > 0; o >>= 1) v = nan_min(v, __shfl_xor_sync(kFullWarpMask, v, o));
  return v;
}

enum class ReduceOp { kSum, kMax, kMin };

template <ReduceOp kOp, int kWidth = kWarpSize>
AOTC_DEVICE float warp_reduce(float v) {
  if constexpr (kOp == ReduceOp::kSum) return warp_sum<kWidth>(v);
  if constexpr (kOp == ReduceOp::kMax) return warp_max<kWidth>(v);
  if constexpr (kOp == ReduceOp::kMin) return warp_min<kWidth>(v);
}

/// Reduction over all kThreads threads of the block (kThreads a multiple of 32,
/// at most 1024); every thread gets the result. `scratch` is shared memory of
/// at least 32 floats that the caller does not touch in between; the function
/// synchronizes the block, so every thread must call it.
template <ReduceOp kOp, int kThreads>
AOTC_DEVICE float block_reduce(float v, float* scratch) {
  static_assert(kThreads % kWarpSize == 0 && kThreads <= 1024, "block_reduce: bad block size");
  constexpr int kWarps = kThreads / kWarpSize;
  v = warp_reduce<kOp>(v);
  if constexpr (kWarps == 1) {
    return v;
  } else {
    const int warp = threadIdx.x / kWarpSize;
    const int lane = threadIdx.x % kWarpSize;
    __syncthreads();  // an earlier call may still be reading scratch
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float r = scratch[0];
#pragma unroll
    for (int w = 1; w < kWarps; ++w) {
      if constexpr (kOp == ReduceOp::kSum) r += scratch[w];
      if constexpr (kOp == ReduceOp::kMax) r = nan_max(r, scratch[w]);
      if constexpr (kOp == ReduceOp::kMin) r = nan_min(r, scratch[w]);
    }
    return r;
  }
}

// ----------------------------------------------------------------------- GEMM

/// Operands of a batched GEMM  C[b, m, n] = sum_k A[b, m, k] * B[b, k, n],
/// shared by gemm_simt.cuh and gemm_tc.cuh. Element (b, m, k) of A lives at
/// a + b*a_stride_batch + m*a_stride_m + k*a_stride_k (in elements of A's
/// type); B likewise. Any strides work for the SIMT template, including 0 for
/// a broadcast batch and a transposed B (a linear weight [N, K] has
/// b_stride_k = 1, b_stride_n = K); the tensor-core template needs the
/// stride of the operand's contiguous dimension to be 1 (see gemm_tc.cuh).
/// The result never goes through this struct: the epilogue functor stores it.
struct GemmParams {
  const void* a;
  const void* b;
  int64_t m, n, k, batch;
  int64_t a_stride_batch, a_stride_m, a_stride_k;
  int64_t b_stride_batch, b_stride_k, b_stride_n;
};

// --------------------------------------------------------------- memory access

/// Base of the kernel's dynamic shared memory (16-byte aligned). Every template
/// takes its shared memory from here, so one kernel has one such declaration.
AOTC_DEVICE unsigned char* dynamic_smem() {
  extern __shared__ __align__(16) unsigned char aotc_dynamic_smem[];
  return aotc_dynamic_smem;
}

/// 128-bit read-only load; `p` must be 16-byte aligned.
AOTC_DEVICE float4 load_float4(const float* p) {
  return __ldg(reinterpret_cast<const float4*>(p));
}
/// 128-bit store; `p` must be 16-byte aligned.
AOTC_DEVICE void store_float4(float* p, float4 v) {
  *reinterpret_cast<float4*>(p) = v;
}

AOTC_DEVICE uint32_t smem_address(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

}  // namespace cuda
}  // namespace aotc

#endif  // AOTC_CUDA_COMMON_CUH

// gemm_tc.cuh: batched tensor-core GEMM (mma.sync) for bf16 / fp16 operands
// with float32 accumulation, and a TF32 mode for float32 operands that the
// generator uses only under --allow-tf32.
//
// One thread block computes a kBM x kBN tile of C for one batch index. A
// kStages-deep cp.async pipeline streams kBK-wide slices of A and B into padded
// shared memory (conflict-free for ldmatrix), and each warp multiplies its
// kWM x kWN part with mma.sync.m16n8k16 (bf16/fp16; m16n8k8 for tf32),
// feeding fragments with ldmatrix (non-transposed or transposed as the operand
// layout needs). Accumulators stay in registers until the epilogue; with
// 64x64 warp tiles it hands them to the functor through shared memory.
//
// Operand layouts (template parameters, from GemmParams' strides):
//   kKMajor  the operand's k stride is 1: A row-major [M, K]; B given as a
//            linear weight [N, K] (b_stride_k == 1). The other strides are free.
//   kMNMajor the operand's m (for A) / n (for B) stride is 1: A^T views, B
//            row-major [K, N] (b_stride_n == 1).
// kAlignA / kAlignB: elements per global load. With 16-byte loads (the
// default, 0 = 16 bytes: 8 bf16/fp16 or 4 float) the caller guarantees that
// the base pointer is 16-byte aligned, that every stride except the unit one
// is a multiple of the vector, and that the contiguous extent (K for
// kKMajor, M or N for kMNMajor) is a multiple of it. Smaller vectors (4 or 8
// bytes) relax this; kAlign = 1 reads single elements with every stride honored
// (any view works, slower; for 16-bit types it bypasses cp.async).
//
// Launch:
//   grid  = (ceil(N / kBN), ceil(M / kBM), min(batch, 65535))   (batch loops over z)
//   block = Cfg::kThreads, dynamic shared memory = Cfg::kSmemBytes (set
//   CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES when it is over 48 KiB),
//   wrapper with __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks).
//
// Epilogue contract (same as gemm_simt.cuh):
//   __device__ void operator()(int64_t b, int64_t m, int64_t n, float acc) const;
// called exactly once per in-range (b, m, n) with the float32 accumulator.
#ifndef AOTC_CUDA_GEMM_TC_CUH
#define AOTC_CUDA_GEMM_TC_CUH

#include "tensorcore.cuh"

namespace aotc {
namespace cuda {

/// T: bf16 or fp16 (mma m16n8k16), or float (tf32 mma m16n8k8). kMinBlocks is
/// the wrapper's __launch_bounds__ second argument (blocks that must fit on
/// one SM: caps registers so that two small blocks overlap their barriers).
template <class T, int kBM_, int kBN_, int kBK_, int kWM_, int kWN_, int kStages_,
          int kALayout_ = kKMajor, int kBLayout_ = kKMajor, int kAlignA_ = 0, int kAlignB_ = 0,
          int kMinBlocks_ = 1>
struct TcGemmConfig {
  using Element = T;
  static constexpr int kMinBlocks = kMinBlocks_;
  static constexpr bool kTf32 = IsSame<T, float>::value;
  static constexpr int kBM = kBM_, kBN = kBN_, kBK = kBK_;
  static constexpr int kWM = kWM_, kWN = kWN_, kStages = kStages_;
  static constexpr int kALayout = kALayout_, kBLayout = kBLayout_;
  static constexpr int kAlignA = kAlignA_ ? kAlignA_ : 16 / static_cast<int>(sizeof(T));
  static constexpr int kAlignB = kAlignB_ ? kAlignB_ : 16 / static_cast<int>(sizeof(T));
  static constexpr int kWarpsM = kBM / kWM, kWarpsN = kBN / kWN;
  static constexpr int kThreads = kWarpsM * kWarpsN * kWarpSize;
  static constexpr int kMmaK = kTf32 ? 8 : 16;
  static constexpr int kMI = kWM / 16, kNI = kWN / 8;
  // Padding keeps ldmatrix rows on distinct banks and cp.async targets aligned.
  static constexpr int kPadK = 16 / static_cast<int>(sizeof(T));
  static constexpr int kPadMN = 8;
  static constexpr int kPitchA = kALayout == kKMajor ? kBK + kPadK : kBM + kPadMN;
  static constexpr int kPitchB = kBLayout == kKMajor ? kBK + kPadK : kBN + kPadMN;
  static constexpr int kStageElemsA = kALayout == kKMajor ? kBM * kPitchA : kBK * kPitchA;
  static constexpr int kStageElemsB = kBLayout == kKMajor ? kBN * kPitchB : kBK * kPitchB;
  static constexpr int kSmemBytes =
      kStages * (kStageElemsA + kStageElemsB) * static_cast<int>(sizeof(T));
  // With 64x64 warp tiles the epilogue stages the float accumulator tile
  // through the pipeline's shared memory (pitch kBN + 8: conflict-free float2
  // writes): the accumulator registers are free before the generated code
  // runs, and its stores coalesce. Small tiles store straight from registers
  // (one barrier less, which shows at launch-bound sizes).
  static constexpr int kPitchC = kBN + 8;
  static constexpr bool kStagedEpilogue = kWM * kWN >= 64 * 64 && kBM * kPitchC * 4 <= kSmemBytes;
  // A fragments double-buffered like B's, or loaded just in time: with 64x64
  // warp tiles (128 accumulator registers) the double buffer spills.
  static constexpr bool kDoubleBufferA = kWM * kWN < 64 * 64;

  static_assert(sizeof(T) == 2 || kTf32, "T must be bf16, fp16 or float (tf32)");
  static_assert(kBM % kWM == 0 && kBN % kWN == 0, "warp tiles must divide the block tile");
  static_assert(kWM % 16 == 0 && kWN % 16 == 0, "warp tile is a multiple of 16x16");
  static_assert(kBK % 16 == 0, "kBK is a multiple of 16");
  static_assert(kStages >= 2, "at least double buffering");
  static_assert(kAlignA == 1 || kAlignA * sizeof(T) == 4 || kAlignA * sizeof(T) == 8 ||
                    kAlignA * sizeof(T) == 16,
                "A vector must be 1 element or 4, 8, 16 bytes");
  static_assert(kAlignB == 1 || kAlignB * sizeof(T) == 4 || kAlignB * sizeof(T) == 8 ||
                    kAlignB * sizeof(T) == 16,
                "B vector must be 1 element or 4, 8, 16 bytes");
  static_assert(kSmemBytes <= 227 * 1024, "shared memory over the sm_90 limit");
};

// Presets (docs/cuda-kernels.md: which one the generator picks). Layouts and
// alignment stay parameters; tile shapes are fixed by the name. Shared memory
// must fit the target: sm_80 allows 163 KiB per block, sm_90 227 KiB.
/// Big GEMMs (thousands in M and N): 128x256x64 tiles, 8 warps of 64x64, 3 stages, 162 KiB.
template <class T, int kAL = kKMajor, int kBL = kKMajor, int kAA = 0, int kAB = 0>
using TcGemmLarge = TcGemmConfig<T, 128, 256, 64, 64, 64, 3, kAL, kBL, kAA, kAB, 1>;
/// TcGemmLarge with 4 stages (216 KiB): sm_90 and newer only.
template <class T, int kAL = kKMajor, int kBL = kKMajor, int kAA = 0, int kAB = 0>
using TcGemmLargeSm90 = TcGemmConfig<T, 128, 256, 64, 64, 64, 4, kAL, kBL, kAA, kAB, 1>;
/// Medium (hundreds to a few thousand): 128x128x64, 4 warps of 64x64, 3 stages,
/// 108 KiB; two blocks per SM on sm_90.
template <class T, int kAL = kKMajor, int kBL = kKMajor, int kAA = 0, int kAB = 0>
using TcGemmMedium = TcGemmConfig<T, 128, 128, 64, 64, 64, 3, kAL, kBL, kAA, kAB, 2>;
/// Medium with 32-wide slices: 128x128x32, 4 warps of 64x64, 4 stages, 80 KiB;
/// two blocks per SM on sm_80 too.
template <class T, int kAL = kKMajor, int kBL = kKMajor, int kAA = 0, int kAB = 0>
using TcGemmMediumK32 = TcGemmConfig<T, 128, 128, 32, 64, 64, 4, kAL, kBL, kAA, kAB, 2>;
/// Launch-bound small shapes (M up to ~64, e.g. the bf16 MLP at batch 3..16):
/// 16x64x64 tiles, 4 warps of 16x16, 3 stages.
template <class T, int kAL = kKMajor, int kBL = kKMajor, int kAA = 0, int kAB = 0>
using TcGemmSmall = TcGemmConfig<T, 16, 64, 64, 16, 16, 3, kAL, kBL, kAA, kAB, 1>;
/// TF32 (float operands, --allow-tf32 only): 128x128x32, 8 warps of 64x32, 3 stages, 108 KiB.
template <int kAL = kKMajor, int kBL = kKMajor, int kAA = 0, int kAB = 0>
using TcGemmTf32 = TcGemmConfig<float, 128, 128, 32, 64, 32, 3, kAL, kBL, kAA, kAB, 1>;

/// One block's tile of C for batch index b; `smem` is Cfg::kSmemBytes of shared memory.
template <class Cfg, class Epilogue>
AOTC_DEVICE void gemm_tc_tile(const GemmParams& p, int64_t b, int64_t m0, int64_t n0,
                              const Epilogue& epi) {
  using T = typename Cfg::Element;
  constexpr int kBM = Cfg::kBM, kBN = Cfg::kBN, kBK = Cfg::kBK, kStages = Cfg::kStages;
  constexpr int kMI = Cfg::kMI, kNI = Cfg::kNI, kMmaK = Cfg::kMmaK;
  constexpr int kPA = Cfg::kPitchA, kPB = Cfg::kPitchB;
  constexpr bool kAK = Cfg::kALayout == kKMajor, kBKm = Cfg::kBLayout == kKMajor;

  T* smem = reinterpret_cast<T*>(dynamic_smem());
  T* sa = smem;                                // [kStages][kStageElemsA]
  T* sb = smem + kStages * Cfg::kStageElemsA;  // [kStages][kStageElemsB]

  detail::TileLoader<T, kBM, kBK, Cfg::kALayout, Cfg::kAlignA, kPA, Cfg::kThreads> la;
  detail::TileLoader<T, kBN, kBK, Cfg::kBLayout, Cfg::kAlignB, kPB, Cfg::kThreads> lb;
  la.init(static_cast<const T*>(p.a), b * p.a_stride_batch, p.a_stride_m, p.a_stride_k, m0, p.m);
  lb.init(static_cast<const T*>(p.b), b * p.b_stride_batch, p.b_stride_n, p.b_stride_k, n0, p.n);

  const int warp = threadIdx.x / kWarpSize;
  const int lane = threadIdx.x % kWarpSize;
  const int wm0 = (warp / Cfg::kWarpsN) * Cfg::kWM;  // warp tile origin inside the block tile
  const int wn0 = (warp % Cfg::kWarpsN) * Cfg::kWN;
  const int g = lane / 4, t = lane % 4;

  float acc[kMI][kNI][4];
#pragma unroll
  for (int i = 0; i < kMI; ++i)
#pragma unroll
    for (int j = 0; j < kNI; ++j)
#pragma unroll
      for (int c = 0; c < 4; ++c) acc[i][j][c] = 0.0f;

  const int64_t K = p.k;
  const int slices = static_cast<int>((K + kBK - 1) / kBK);
  constexpr int kSteps = kBK / kMmaK;  // mma k-steps per slice

  // Fragments of one k-step from a shared stage: A (kMI x 4 regs) and B (kNI x 2).
  auto load_a = [&](const T* ta, int ks, uint32_t(&af)[kMI][4]) {
    const int k0 = ks * kMmaK;
    const int mat = lane / 8, r = lane % 8;
    if constexpr (!Cfg::kTf32) {
#pragma unroll
      for (int i = 0; i < kMI; ++i) {
        const int m = wm0 + i * 16;
        if constexpr (kAK) {
          ldmatrix_x4(af[i], ta + (m + (lane % 16)) * kPA + k0 + (lane / 16) * 8);
        } else {
          ldmatrix_x4_trans(af[i], ta + (k0 + (mat >> 1) * 8 + r) * kPA + m + (mat & 1) * 8);
        }
      }
    } else {
      // tf32: float elements; ldmatrix sees each as two b16 halves, so an
      // 8x8 b16 matrix is 8 rows x 4 floats and lands in the tf32 layout.
      const float* fa = reinterpret_cast<const float*>(ta);
#pragma unroll
      for (int i = 0; i < kMI; ++i) {
        const int m = wm0 + i * 16;
        if constexpr (kAK) {
          ldmatrix_x4(af[i], fa + (m + (lane % 16)) * kPA + k0 + (lane / 16) * 4);
        } else {
          af[i][0] = __float_as_uint(fa[(k0 + t) * kPA + m + g]);
          af[i][1] = __float_as_uint(fa[(k0 + t) * kPA + m + g + 8]);
          af[i][2] = __float_as_uint(fa[(k0 + t + 4) * kPA + m + g]);
          af[i][3] = __float_as_uint(fa[(k0 + t + 4) * kPA + m + g + 8]);
        }
      }
    }
  };
  auto load_b = [&](const T* tb, int ks, uint32_t(&bfr)[kNI][2]) {
    const int k0 = ks * kMmaK;
    const int mat = lane / 8, r = lane % 8;
    if constexpr (!Cfg::kTf32) {
#pragma unroll
      for (int j = 0; j < kNI; j += 2) {
        const int n = wn0 + j * 8;
        uint32_t q[4];
        if constexpr (kBKm) {
          ldmatrix_x4(q, tb + (n + (mat >> 1) * 8 + r) * kPB + k0 + (mat & 1) * 8);
        } else {
          ldmatrix_x4_trans(q, tb + (k0 + (mat & 1) * 8 + r) * kPB + n + (mat >> 1) * 8);
        }
        bfr[j][0] = q[0];
        bfr[j][1] = q[1];
        bfr[j + 1][0] = q[2];
        bfr[j + 1][1] = q[3];
      }
    } else {
      const float* fb = reinterpret_cast<const float*>(tb);
#pragma unroll
      for (int j = 0; j < kNI; j += 2) {
        const int n = wn0 + j * 8;
        if constexpr (kBKm) {
          uint32_t q[4];
          ldmatrix_x4(q, fb + (n + (mat >> 1) * 8 + r) * kPB + k0 + (mat & 1) * 4);
          bfr[j][0] = q[0];
          bfr[j][1] = q[1];
          bfr[j + 1][0] = q[2];
          bfr[j + 1][1] = q[3];
        } else {
#pragma unroll
          for (int jj = 0; jj < 2; ++jj) {
            bfr[j + jj][0] = __float_as_uint(fb[(k0 + t) * kPB + n + jj * 8 + g]);
            bfr[j + jj][1] = __float_as_uint(fb[(k0 + t + 4) * kPB + n + jj * 8 + g]);
          }
        }
      }
    }
  };
  auto mma_all = [&](uint32_t(&af)[kMI][4], uint32_t(&bfr)[kNI][2]) {
    if constexpr (!Cfg::kTf32) {
#pragma unroll
      for (int i = 0; i < kMI; ++i)
#pragma unroll
        for (int j = 0; j < kNI; ++j) mma_16816<T>(acc[i][j], af[i], bfr[j]);
    } else {
      uint32_t a32[kMI][4], b32[kNI][2];
#pragma unroll
      for (int i = 0; i < kMI; ++i)
#pragma unroll
        for (int c = 0; c < 4; ++c) a32[i][c] = to_tf32(__uint_as_float(af[i][c]));
#pragma unroll
      for (int j = 0; j < kNI; ++j)
#pragma unroll
        for (int c = 0; c < 2; ++c) b32[j][c] = to_tf32(__uint_as_float(bfr[j][c]));
#pragma unroll
      for (int i = 0; i < kMI; ++i)
#pragma unroll
        for (int j = 0; j < kNI; ++j) mma_1688_tf32(acc[i][j], a32[i], b32[j]);
    }
  };

  // Main loop (multistage, fragments double-buffered): slice s+kStages-1 is
  // requested while slice s is multiplied, the next k-step's fragments load
  // while this one's mma run (A's just in time when Cfg::kDoubleBufferA is
  // off), and the barrier that hands over to slice s+1 sits before the last
  // k-step's mma, so the next slice's first fragments load while those run.
#pragma unroll
  for (int s = 0; s < kStages - 1; ++s) {
    if (s < slices) {
      la.load(sa + s * Cfg::kStageElemsA, s, K);
      lb.load(sb + s * Cfg::kStageElemsB, s, K);
    }
    cp_async_commit();
  }
  cp_async_wait<kStages - 2>();
  __syncthreads();

  constexpr bool kDbA = Cfg::kDoubleBufferA;
  uint32_t af[kDbA ? 2 : 1][kMI][4], bfr[2][kNI][2];
  if (slices > 0) {
    if constexpr (kDbA) load_a(sa, 0, af[0]);
    load_b(sb, 0, bfr[0]);
  }
  for (int s = 0; s < slices; ++s) {
    const T* ta = sa + (s % kStages) * Cfg::kStageElemsA;
    const T* tb = sb + (s % kStages) * Cfg::kStageElemsB;
    {
      // The slot read during slice s-1 is free: everyone passed the barrier since.
      const int next = s + kStages - 1;
      if (next < slices) {
        const int slot = next % kStages;
        la.load(sa + slot * Cfg::kStageElemsA, next, K);
        lb.load(sb + slot * Cfg::kStageElemsB, next, K);
      }
      cp_async_commit();
    }
#pragma unroll
    for (int ks = 0; ks < kSteps; ++ks) {
      const int nb = (ks + 1) & 1;
      if constexpr (!kDbA) load_a(ta, ks, af[0]);
      if (ks == kSteps - 1) {
        cp_async_wait<kStages - 2>();  // slice s+1 has landed (this thread's copies)
        __syncthreads();               // ... everyone's, and slice s's slot is read out
        if (s + 1 < slices) {
          if constexpr (kDbA) load_a(sa + ((s + 1) % kStages) * Cfg::kStageElemsA, 0, af[nb]);
          load_b(sb + ((s + 1) % kStages) * Cfg::kStageElemsB, 0, bfr[nb]);
        }
      } else {
        if constexpr (kDbA) load_a(ta, ks + 1, af[nb]);
        load_b(tb, ks + 1, bfr[nb]);
      }
      mma_all(af[kDbA ? (ks & 1) : 0], bfr[ks & 1]);
    }
  }
  cp_async_wait<0>();
  __syncthreads();  // all warps are done with the stages

  if constexpr (Cfg::kStagedEpilogue) {
    // Accumulators go through shared memory: their registers are free before
    // the generated epilogue runs, and consecutive threads then handle
    // consecutive columns, so the functor's loads and stores coalesce.
    float* cs = reinterpret_cast<float*>(dynamic_smem());
    constexpr int kPC = Cfg::kPitchC;
#pragma unroll
    for (int i = 0; i < kMI; ++i)
#pragma unroll
      for (int half = 0; half < 2; ++half)
#pragma unroll
        for (int j = 0; j < kNI; ++j)
          *reinterpret_cast<float2*>(cs + (wm0 + i * 16 + g + half * 8) * kPC + wn0 + j * 8 +
                                     2 * t) =
              make_float2(acc[i][j][2 * half], acc[i][j][2 * half + 1]);
    __syncthreads();
    const int rows = static_cast<int>(min_of<int64_t>(kBM, p.m - m0));
    const int cols = static_cast<int>(min_of<int64_t>(kBN, p.n - n0));
    for (int idx = threadIdx.x; idx < kBM * kBN; idx += Cfg::kThreads) {
      const int r = idx / kBN, c = idx % kBN;
      if (r < rows && c < cols) epi(b, m0 + r, n0 + c, cs[r * kPC + c]);
    }
    __syncthreads();  // the next tile of a batch loop reuses shared memory
  } else {
#pragma unroll
    for (int i = 0; i < kMI; ++i) {
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int64_t m = m0 + wm0 + i * 16 + g + half * 8;
        if (m >= p.m) continue;
#pragma unroll
        for (int j = 0; j < kNI; ++j) {
          const int64_t n = n0 + wn0 + j * 8 + 2 * t;
          if (n < p.n) epi(b, m, n, acc[i][j][2 * half]);
          if (n + 1 < p.n) epi(b, m, n + 1, acc[i][j][2 * half + 1]);
        }
      }
    }
  }
}

/// The block's work for a strided batched GEMM (see GemmParams and the layout
/// rules above). Operand element type is Cfg::Element for both A and B.
template <class Cfg, class Epilogue>
AOTC_DEVICE void gemm_tc(const GemmParams& p, const Epilogue& epi) {
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * Cfg::kBM;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * Cfg::kBN;
  for (int64_t b = blockIdx.z; b < p.batch; b += gridDim.z) gemm_tc_tile<Cfg>(p, b, m0, n0, epi);
}

}  // namespace cuda
}  // namespace aotc

#endif  // AOTC_CUDA_GEMM_TC_CUH

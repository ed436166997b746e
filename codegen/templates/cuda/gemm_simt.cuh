// gemm_simt.cuh: batched float32 GEMM on the CUDA cores (FFMA), full float32
// precision, with a generated epilogue.
//
// This is the GEMM that keeps PyTorch's default float32 semantics (no TF32):
// every product and sum is a float32 FMA. It also serves bf16/fp16 operands
// for tiny, launch-bound shapes (they are widened to float on load), and it is
// the core of conv.cuh's implicit-GEMM convolution through the operand-reader
// interface below.
//
// One thread block computes a kBM x kBN tile of C for one batch index: it walks
// K in kBK slices, staging A^T and B slices in double-buffered shared memory
// (global loads for slice i+1 are in flight while slice i is multiplied), and
// each thread accumulates a kTM x kTN register block.
//
// Launch (the generator writes the wrapper):
//   grid  = (ceil(N / kBN), ceil(M / kBM), min(batch, 65535))   (batch loops over z)
//   block = Cfg::kThreads, dynamic shared memory = Cfg::kSmemBytes (< 48 KiB),
//   wrapper with __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks);
//   ceil(M / kBM) must be at most 65535.
//
//   struct Epi { float* out; const float* bias;
//     __device__ void operator()(int64_t b, int64_t m, int64_t n, float acc) const {
//       out[m * 768 + n] = aotc_gelu(acc + bias[n]); } };
//   using Cfg = aotc::cuda::SimtGemmMedium;
//   extern "C" __global__ void __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks)
//   k0(aotc::cuda::GemmParams p, Epi e) {
//     aotc::cuda::gemm_simt<Cfg, float, float>(p, e); }
//
// Epilogue contract:
//   __device__ void operator()(int64_t b, int64_t m, int64_t n, float acc) const;
// called exactly once for every b < batch, m < M, n < N, with acc the float32
// sum over k. It stores the final value itself (bias, activation, residual
// add, dtype cast, strided or permuted store are all the generator's code).
//
// Operand-reader contract (for gemm_simt_core; StridedOperand is the one the
// strided GEMM uses, conv.cuh has an im2col one). "row" is m for A and n for B:
//   struct R {
//     struct Row { ... };                                    // per (b, row) state
//     __device__ Row row(int64_t b, int64_t r) const;        // r < rows
//     __device__ float load(const Row& row, int64_t k) const; // k < K
//   };
// Out-of-range rows and k are never passed; the core substitutes zeros.
#ifndef AOTC_CUDA_GEMM_SIMT_CUH
#define AOTC_CUDA_GEMM_SIMT_CUH

#include "tensorcore.cuh"

namespace aotc {
namespace cuda {

/// Tile configuration. kAKContig / kBKContig choose which way consecutive
/// threads walk an operand tile when loading it, so the loads coalesce: true
/// when the operand's k stride is 1 (A row-major [M, K]; B given as a linear
/// weight [N, K]), false when its m / n stride is 1. Any strides stay correct
/// either way; only the speed changes.
template <int kBM_, int kBN_, int kBK_, int kTM_, int kTN_, bool kAKContig_ = true,
          bool kBKContig_ = true, int kMinBlocks_ = 1>
struct SimtGemmConfig {
  static constexpr int kBM = kBM_;
  static constexpr int kBN = kBN_;
  static constexpr int kBK = kBK_;
  static constexpr int kTM = kTM_;
  static constexpr int kTN = kTN_;
  static constexpr bool kAKContig = kAKContig_;
  static constexpr bool kBKContig = kBKContig_;
  static constexpr int kThreadsN = kBN / kTN;
  static constexpr int kThreads = (kBM / kTM) * kThreadsN;
  // Rows of the shared tiles are padded by 4 floats: 16-byte aligned for the
  // vector reads, and the transposing stores spread over more banks.
  static constexpr int kPitchA = kBM + 4;
  static constexpr int kPitchB = kBN + 4;
  static constexpr int kLoadsA = kBM * kBK / kThreads;
  static constexpr int kLoadsB = kBN * kBK / kThreads;
  static constexpr int kSmemBytes = 2 * kBK * (kPitchA + kPitchB) * 4;
  static constexpr int kMinBlocks = kMinBlocks_;  // __launch_bounds__' second argument

  static_assert(kBM % kTM == 0 && kBN % kTN == 0, "tile must divide into thread blocks");
  static_assert(kThreads % kWarpSize == 0 && kThreads <= 1024, "bad thread count");
  static_assert(kBM * kBK % kThreads == 0 && kBN * kBK % kThreads == 0,
                "each thread loads the same number of elements");
  static_assert(kSmemBytes <= 48 * 1024, "SIMT GEMM tiles stay under the default smem limit");
};

// Presets (docs/cuda-kernels.md: which one the generator picks):
/// Tiny M (<= 16, e.g. the MLP at batch 1 or 8): 128 threads, 16x32 tiles.
using SimtGemmTiny = SimtGemmConfig<16, 32, 16, 2, 2>;
/// Small problems (M up to a few hundred, N <= 64): 128 threads, 32x32 tiles.
using SimtGemmSmall = SimtGemmConfig<32, 32, 16, 2, 4>;
/// N <= 8 (e.g. Linear(16, 1) at batch 1000): 128 threads, 64x8 tiles.
using SimtGemmNarrowN = SimtGemmConfig<64, 8, 16, 4, 1>;
/// Medium transformer shapes (M 77..512, N 256..1024): 256 threads, 32x64 tiles.
using SimtGemmWide = SimtGemmConfig<32, 64, 16, 2, 4>;
/// Medium, when 64x64 tiles still fill the GPU: 256 threads.
using SimtGemmMedium = SimtGemmConfig<64, 64, 16, 4, 4>;
/// Large problems: 256 threads, 128x128 tiles, 8x8 per thread.
using SimtGemmLarge = SimtGemmConfig<128, 128, 8, 8, 8>;

/// The operand reader for plain strided tensors (element type T widened to float).
template <class T>
struct StridedOperand {
  const T* ptr;
  int64_t stride_batch, stride_row, stride_k;

  struct Row {
    const T* p;
  };
  AOTC_DEVICE Row row(int64_t b, int64_t r) const {
    return Row{ptr + b * stride_batch + r * stride_row};
  }
  AOTC_DEVICE float load(const Row& row, int64_t k) const { return to_float(row.p[k * stride_k]); }
};

namespace detail {

/// Which (row, k) of a kRows x kBK tile the i-th load of thread `tid` covers.
template <int kRows, int kBK, int kThreads, bool kKContig>
AOTC_DEVICE void simt_load_coord(int tid, int i, int& r, int& k) {
  const int e = tid + i * kThreads;
  if constexpr (kKContig) {
    r = e / kBK;
    k = e % kBK;
  } else {
    r = e % kRows;
    k = e / kRows;
  }
}

template <int kN>
AOTC_DEVICE void load_smem_vec(float (&dst)[kN], const float* src) {
  if constexpr (kN % 4 == 0) {
#pragma unroll
    for (int i = 0; i < kN; i += 4) {
      const float4 v = *reinterpret_cast<const float4*>(src + i);
      dst[i] = v.x;
      dst[i + 1] = v.y;
      dst[i + 2] = v.z;
      dst[i + 3] = v.w;
    }
  } else if constexpr (kN % 2 == 0) {
#pragma unroll
    for (int i = 0; i < kN; i += 2) {
      const float2 v = *reinterpret_cast<const float2*>(src + i);
      dst[i] = v.x;
      dst[i + 1] = v.y;
    }
  } else {
#pragma unroll
    for (int i = 0; i < kN; ++i) dst[i] = src[i];
  }
}

}  // namespace detail

/// Cross-block split-K for gemm_simt_linear and gemm_simt_tile (convolution). With splits > 1 each of `splits`
/// blocks per output tile sums a share of K into `partials`; the last block to
/// finish a tile (an atomic counter tells) adds the shares in split order
/// (deterministic) and runs the epilogue. `counters` must be zero before the
/// launch and is zero again after it (so graph replays need no reset);
/// `partials` needs tiles * splits * kBM * kBN floats, tiles =
/// batch * ceil(M / kBM) * ceil(N / kBN). Concurrent launches must not share
/// them. splits = 1 uses neither pointer.
struct SplitK {
  float* partials;
  unsigned* counters;
  int64_t splits;
};

namespace detail {

/// Split-K hand-off of one block: publishes its share of output tile `tile`
/// (acc[i][j] at offset index(i, j) within the tile's kTileElems), counts it,
/// and in the tile's last block to arrive replaces acc with the sum of all
/// shares in split order (deterministic) and re-zeroes the tile's counter.
/// Returns true in that last block only; the others have nothing left to do.
template <int kTileElems, int kTM, int kTN, class Index>
AOTC_DEVICE bool split_k_reduce(float (&acc)[kTM][kTN], const SplitK& split, int64_t tile, int64_t part,
                                const Index& index) {
  __shared__ unsigned last_block;
  const int64_t splits = split.splits;
  float* mine = split.partials + (tile * splits + part) * kTileElems;
#pragma unroll
  for (int i = 0; i < kTM; ++i)
#pragma unroll
    for (int j = 0; j < kTN; ++j) __stcg(mine + index(i, j), acc[i][j]);
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) {
    const unsigned done = atomicAdd(split.counters + tile, 1u);
    last_block = done == static_cast<unsigned>(splits - 1) ? 1u : 0u;
  }
  __syncthreads();
  if (last_block == 0) return false;
  __threadfence();
#pragma unroll
  for (int i = 0; i < kTM; ++i)
#pragma unroll
    for (int j = 0; j < kTN; ++j) acc[i][j] = 0.0f;
  for (int64_t q = 0; q < splits; ++q) {
    const float* share = split.partials + (tile * splits + q) * kTileElems;
#pragma unroll
    for (int i = 0; i < kTM; ++i)
#pragma unroll
      for (int j = 0; j < kTN; ++j) acc[i][j] += __ldcg(share + index(i, j));
  }
  if (threadIdx.x == 0) split.counters[tile] = 0u;  // ready for the next launch
  return true;
}

}  // namespace detail

/// One block's tile of C = A * B for batch index b, operands through readers.
/// Returns after calling `epi` for every in-range element of the tile. With
/// split.splits > 1 the block sums only share `part` of K, and the last block
/// of output tile `tile` to finish adds the shares (SplitK) and runs `epi`.
template <class Cfg, class ReaderA, class ReaderB, class Epilogue>
AOTC_DEVICE void gemm_simt_tile(int64_t M, int64_t N, int64_t K, int64_t b, int64_t m0, int64_t n0,
                                const ReaderA& ra, const ReaderB& rb, const Epilogue& epi,
                                const SplitK& split = SplitK{nullptr, nullptr, 1}, int64_t tile = 0,
                                int64_t part = 0) {
  constexpr int kBM = Cfg::kBM, kBN = Cfg::kBN, kBK = Cfg::kBK, kTM = Cfg::kTM, kTN = Cfg::kTN;
  constexpr int kThreads = Cfg::kThreads;
  constexpr int kLoadsA = Cfg::kLoadsA, kLoadsB = Cfg::kLoadsB;
  constexpr int kPitchA = Cfg::kPitchA, kPitchB = Cfg::kPitchB;

  float* smem = reinterpret_cast<float*>(dynamic_smem());
  float* sa = smem;                      // [2][kBK][kPitchA]  (A^T slices)
  float* sb = smem + 2 * kBK * kPitchA;  // [2][kBK][kPitchB]

  const int tid = threadIdx.x;
  const int tx = tid % Cfg::kThreadsN;
  const int ty = tid / Cfg::kThreadsN;

  // Per-thread load slots: fixed rows, k advancing by kBK per slice.
  typename ReaderA::Row rows_a[kLoadsA];
  typename ReaderB::Row rows_b[kLoadsB];
  bool ok_a[kLoadsA], ok_b[kLoadsB];
  int ka[kLoadsA], kb[kLoadsB];
#pragma unroll
  for (int i = 0; i < kLoadsA; ++i) {
    int r, k;
    detail::simt_load_coord<kBM, kBK, kThreads, Cfg::kAKContig>(tid, i, r, k);
    ka[i] = k;
    ok_a[i] = m0 + r < M;
    rows_a[i] = ra.row(b, ok_a[i] ? m0 + r : 0);
  }
#pragma unroll
  for (int i = 0; i < kLoadsB; ++i) {
    int r, k;
    detail::simt_load_coord<kBN, kBK, kThreads, Cfg::kBKContig>(tid, i, r, k);
    kb[i] = k;
    ok_b[i] = n0 + r < N;
    rows_b[i] = rb.row(b, ok_b[i] ? n0 + r : 0);
  }

  float stage_a[kLoadsA], stage_b[kLoadsB];
  auto fetch = [&](int64_t k0) {
#pragma unroll
    for (int i = 0; i < kLoadsA; ++i) {
      const int64_t k = k0 + ka[i];
      stage_a[i] = (ok_a[i] && k < K) ? ra.load(rows_a[i], k) : 0.0f;
    }
#pragma unroll
    for (int i = 0; i < kLoadsB; ++i) {
      const int64_t k = k0 + kb[i];
      stage_b[i] = (ok_b[i] && k < K) ? rb.load(rows_b[i], k) : 0.0f;
    }
  };
  auto stash = [&](int buf) {
#pragma unroll
    for (int i = 0; i < kLoadsA; ++i) {
      int r, k;
      detail::simt_load_coord<kBM, kBK, kThreads, Cfg::kAKContig>(tid, i, r, k);
      sa[(buf * kBK + k) * kPitchA + r] = stage_a[i];
    }
#pragma unroll
    for (int i = 0; i < kLoadsB; ++i) {
      int r, k;
      detail::simt_load_coord<kBN, kBK, kThreads, Cfg::kBKContig>(tid, i, r, k);
      sb[(buf * kBK + k) * kPitchB + r] = stage_b[i];
    }
  };

  float acc[kTM][kTN];
#pragma unroll
  for (int i = 0; i < kTM; ++i)
#pragma unroll
    for (int j = 0; j < kTN; ++j) acc[i][j] = 0.0f;

  const int64_t splits = split.splits;
  const int64_t total_slices = (K + kBK - 1) / kBK;
  const int64_t per_split = (total_slices + splits - 1) / splits;
  const int64_t first_slice = part * per_split;
  const int64_t end_slice = first_slice + per_split < total_slices ? first_slice + per_split : total_slices;
  const int64_t slices = end_slice > first_slice ? end_slice - first_slice : 0;
  if (slices > 0) {
    fetch(first_slice * kBK);
    stash(0);
  }
  __syncthreads();
  for (int64_t s = 0; s < slices; ++s) {
    const int buf = static_cast<int>(s & 1);
    const bool more = s + 1 < slices;
    if (more) fetch((first_slice + s + 1) * kBK);  // in flight during the FMAs below
    const float* ta = sa + buf * kBK * kPitchA + ty * kTM;
    const float* tb = sb + buf * kBK * kPitchB + tx * kTN;
#pragma unroll
    for (int kk = 0; kk < kBK; ++kk) {
      float av[kTM], bv[kTN];
      detail::load_smem_vec<kTM>(av, ta + kk * kPitchA);
      detail::load_smem_vec<kTN>(bv, tb + kk * kPitchB);
#pragma unroll
      for (int i = 0; i < kTM; ++i)
#pragma unroll
        for (int j = 0; j < kTN; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
    if (more) stash(buf ^ 1);
    __syncthreads();
  }

  if (splits > 1 && !detail::split_k_reduce<kBM * kBN>(acc, split, tile, part, [&](int i, int j) {
        return (ty * kTM + i) * kBN + tx * kTN + j;
      }))
    return;

#pragma unroll
  for (int i = 0; i < kTM; ++i) {
    const int64_t m = m0 + ty * kTM + i;
    if (m >= M) continue;
#pragma unroll
    for (int j = 0; j < kTN; ++j) {
      const int64_t n = n0 + tx * kTN + j;
      if (n < N) epi(b, m, n, acc[i][j]);
    }
  }
}

/// The block's work for a strided batched GEMM (see GemmParams): TA and TB are
/// the operand element types (float, or bf16 / fp16 from half.cuh).
template <class Cfg, class TA, class TB, class Epilogue>
AOTC_DEVICE void gemm_simt(const GemmParams& p, const Epilogue& epi) {
  const StridedOperand<TA> ra{static_cast<const TA*>(p.a), p.a_stride_batch, p.a_stride_m,
                              p.a_stride_k};
  const StridedOperand<TB> rb{static_cast<const TB*>(p.b), p.b_stride_batch, p.b_stride_n,
                              p.b_stride_k};
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * Cfg::kBM;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * Cfg::kBN;
  for (int64_t b = blockIdx.z; b < p.batch; b += gridDim.z) {
    gemm_simt_tile<Cfg>(p.m, p.n, p.k, b, m0, n0, ra, rb, epi);
  }
}

// ------------------------------------------------ linear layers: gemm_simt_linear


/// Tile configuration of gemm_simt_linear: kBM x kBN outputs per block, kTM x
/// kTN per thread (strided over the tile so that shared-memory reads are
/// conflict-free), kBK-wide k slices in a kStages-deep cp.async pipeline.
/// kVec: 16-byte copies (K % 4 == 0, row strides % 4 == 0, 16-byte aligned
/// bases); false: 4-byte copies, any row strides (k stride still 1).
/// kKGroups: thread groups that each take a kBK / kKGroups share of every k
/// slice (a split of K inside the block: more warps per output tile, for
/// problems with too few tiles to fill the SMs); the groups' sums meet in
/// shared memory, in group order, before the epilogue.
template <int kBM_, int kBN_, int kBK_, int kTM_, int kTN_, int kStages_, bool kVec_ = true, int kKGroups_ = 1>
struct SimtLinearConfig {
  static constexpr int kBM = kBM_, kBN = kBN_, kBK = kBK_, kTM = kTM_, kTN = kTN_;
  static constexpr int kStages = kStages_;
  static constexpr bool kVec = kVec_;
  static constexpr int kKGroups = kKGroups_;
  static constexpr int kThreadsN = kBN / kTN, kThreadsM = kBM / kTM;
  static constexpr int kGroupThreads = kThreadsM * kThreadsN;
  static constexpr int kThreads = kGroupThreads * kKGroups;
  static constexpr int kGroupK = kBK / kKGroups;  // each group's share of a slice
  static constexpr int kPitch = kBK + 4;  // 16-byte rows on distinct bank groups
  static constexpr int kStageFloats = (kBM + kBN) * kPitch;
  static constexpr int kPipelineBytes = kStages * kStageFloats * 4;
  static constexpr int kReduceBytes = kKGroups > 1 ? kKGroups * kBM * kBN * 4 : 0;
  static constexpr int kSmemBytes = kPipelineBytes > kReduceBytes ? kPipelineBytes : kReduceBytes;
  /// Outputs per thread once the groups' sums are added (kKGroups > 1).
  static constexpr int kOutPerThread = kBM * kBN / kThreads;
  static constexpr int kMinBlocks = 1;
  static_assert(kBM % kTM == 0 && kBN % kTN == 0, "tile must divide into threads");
  static_assert(kThreadsN >= 8, "a quarter warp must span 8 rows of B");
  static_assert(kGroupThreads % kWarpSize == 0 && kThreads <= 1024, "bad thread count");
  static_assert(kBK % 4 == 0 && kStages >= 2, "kBK a multiple of 4, two stages at least");
  static_assert(kKGroups >= 1 && kGroupK % 4 == 0 && kGroupK * kKGroups == kBK,
                "each group's share of a slice must be a multiple of 4");
  static_assert((kBM * kBN) % kThreads == 0, "the summed tile must divide over the threads");
};

/// The heuristic's (aotc_launch.h, kLinearNarrowMaxM, linear_medium_tiles and
/// linear_split_tiles): where K > 32, 16x32 tiles whose 64-wide k slices
/// two thread groups share (128 threads) up to M = 128 and wherever 64x64
/// tiles would leave SMs idle; 32x64 tiles with K split between two groups
/// (256 threads) where 64x64 tiles cover the SMs only with split-K or cover
/// less than half of them; 64x64 tiles (256 threads, 4x4 per thread) past
/// that. Where K <= 32 (one slice): 16x32 tiles in 64 threads up to M = 128,
/// then 64x64 or 32x32 tiles.
using SimtLinearNarrow = SimtLinearConfig<16, 32, 32, 2, 4, 4>;
using SimtLinearNarrowK = SimtLinearConfig<16, 32, 64, 2, 4, 3, true, 2>;
using SimtLinearSquare = SimtLinearConfig<32, 32, 32, 2, 4, 4>;
using SimtLinearWideSplit = SimtLinearConfig<32, 64, 32, 4, 4, 4, true, 2>;
using SimtLinearMedium = SimtLinearConfig<64, 64, 32, 4, 4, 3>;
/// Tuning candidates: 16x64 tiles in 128 threads, 32x64 tiles in 256.
using SimtLinearSmall = SimtLinearConfig<16, 64, 32, 2, 4, 4>;
using SimtLinearWide = SimtLinearConfig<32, 64, 32, 2, 4, 4>;

/// A layer norm over the rows of A folded into the linear that reads it
/// (LoweringOptions::fold_layer_norm). With LN(a) = (a - mean) * rstd * gamma
/// + beta, W' = W diag(gamma), c[n] = sum_k beta_k W[n, k] and
/// w1[n] = sum_k W'[n, k]:
///   LN(a) W^T = rstd * ((a - s) W'^T - (mean - s) w1) + c
/// for any per-row shift s; s is the row's first element, exact, so the
/// values multiplied are near zero (a row's spread, not its mean: rows far
/// from zero keep their precision) and no rounded mean is subtracted. B holds
/// W' (layer_norm_fold_weights makes it, c and w1 at load). Each block (each
/// share of a split K) takes its rows' statistics in a pass over A while its
/// first slices are in flight; rstd, the w1 term and c are applied per output
/// before the epilogue.
struct RowNormA {
  const float* c = nullptr;   ///< [N]
  const float* w1 = nullptr;  ///< [N]
  float eps = 0.0f;
};

/// Load-time preparation for RowNormA from a float32 weight w [n, k] and the
/// layer norm's gamma and beta [k] (either may be null: 1 and 0): out holds
/// W' = w diag(gamma) [n, k], then c [n], then w1 [n] (the row sums of W' as
/// stored). One warp per row of w (blocks of 256 threads), sums in double.
AOTC_DEVICE void layer_norm_fold_weights(const float* w, const float* gamma, const float* beta, float* out,
                                         int64_t n, int64_t k) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * (blockDim.x / kWarpSize) + threadIdx.x / kWarpSize;
  const int lane = threadIdx.x % kWarpSize;
  if (row >= n) return;
  double c = 0.0, w1 = 0.0;
  for (int64_t col = lane; col < k; col += kWarpSize) {
    const float v = w[row * k + col];
    const float scaled = gamma != nullptr ? v * gamma[col] : v;
    out[row * k + col] = scaled;
    w1 += static_cast<double>(scaled);
    if (beta != nullptr) c += static_cast<double>(beta[col]) * v;
  }
#pragma unroll
  for (int o = kWarpSize / 2; o > 0; o >>= 1) {
    c += __shfl_xor_sync(kFullWarpMask, c, o);
    w1 += __shfl_xor_sync(kFullWarpMask, w1, o);
  }
  if (lane == 0) {
    out[n * k + row] = static_cast<float>(c);
    out[n * k + n + row] = static_cast<float>(w1);
  }
}

namespace detail {

/// For rows m0 .. m0 + kBM - 1 of A (k stride 1): the first element s into
/// stats[0 .. kBM), rstd into stats[kBM .. 2 kBM) and mean - s into
/// stats[2 kBM .. 3 kBM): kThreads / kBM threads per row,
/// sums of the values less the row's first one (so that a large common
/// offset cancels before it is squared), combined with warp shuffles.
template <int kBM, int kThreads, bool kVec>
AOTC_DEVICE void row_norm_stats(const GemmParams& p, int64_t b, int64_t m0, float eps, float* stats) {
  constexpr int kPerRow = kThreads / kBM;
  static_assert(kThreads % kBM == 0 && kPerRow <= kWarpSize && (kPerRow & (kPerRow - 1)) == 0,
                "rows must split into power-of-two lane groups within a warp");
  const int r = threadIdx.x / kPerRow, j = threadIdx.x % kPerRow;
  const int64_t m = m0 + r;
  float s1 = 0.0f, s2 = 0.0f, shift = 0.0f;
  if (m < p.m) {
    const float* row = static_cast<const float*>(p.a) + b * p.a_stride_batch + m * p.a_stride_m;
    shift = row[0];
    if (kVec) {
      for (int64_t k = 4 * j; k < p.k; k += 4 * kPerRow) {
        const float4 v = *reinterpret_cast<const float4*>(row + k);
        const float d0 = v.x - shift, d1 = v.y - shift, d2 = v.z - shift, d3 = v.w - shift;
        s1 += (d0 + d1) + (d2 + d3);
        s2 = fmaf(d0, d0, fmaf(d1, d1, fmaf(d2, d2, fmaf(d3, d3, s2))));
      }
    } else {
      for (int64_t k = j; k < p.k; k += kPerRow) {
        const float d = row[k] - shift;
        s1 += d;
        s2 = fmaf(d, d, s2);
      }
    }
  }
#pragma unroll
  for (int o = kPerRow / 2; o > 0; o >>= 1) {
    s1 += __shfl_xor_sync(kFullWarpMask, s1, o);
    s2 += __shfl_xor_sync(kFullWarpMask, s2, o);
  }
  if (j == 0) {
    const float inv_k = 1.0f / static_cast<float>(p.k);
    const float d = s1 * inv_k;
    const float var = fmaxf(s2 * inv_k - d * d, 0.0f);
    stats[r] = shift;
    stats[kBM + r] = 1.0f / sqrtf(var + eps);
    stats[2 * kBM + r] = d;
  }
}

}  // namespace detail

/// y = x * W^T for float32 operands whose k stride is 1 (A [M, K] rows, B a
/// linear weight [N, K]); GemmParams' a_stride_k and b_stride_k are taken as 1.
/// Grid = (ceil(N / kBN), ceil(M / kBM), batch * split.splits), batch * splits
/// at most 65535. Same epilogue contract as gemm_simt. kNormA: A's rows are
/// layer-normalized first, as `norm` says (B is then W diag(gamma)).
template <class Cfg, bool kNormA = false, class Epilogue>
AOTC_DEVICE void gemm_simt_linear(const GemmParams& p, const Epilogue& epi, const SplitK& split,
                                  const RowNormA& norm = RowNormA{}) {
  constexpr int kBM = Cfg::kBM, kBN = Cfg::kBN, kBK = Cfg::kBK, kTM = Cfg::kTM, kTN = Cfg::kTN;
  constexpr int kStages = Cfg::kStages, kThreads = Cfg::kThreads, kPitch = Cfg::kPitch;
  constexpr int kAlign = Cfg::kVec ? 4 : 1;
  float* smem = reinterpret_cast<float*>(dynamic_smem());

  const int64_t splits = split.splits;
  const int64_t b = blockIdx.z / splits, part = blockIdx.z % splits;
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * kBM,
                n0 = static_cast<int64_t>(blockIdx.x) * kBN;
  const int total_slices = static_cast<int>((p.k + kBK - 1) / kBK);
  const int per_split = static_cast<int>((total_slices + splits - 1) / splits);
  const int first_slice = static_cast<int>(part) * per_split;
  const int slices = max_of(0, min_of(total_slices, first_slice + per_split) - first_slice);

  detail::TileLoader<float, kBM, kBK, kKMajor, kAlign, kPitch, kThreads> la;
  detail::TileLoader<float, kBN, kBK, kKMajor, kAlign, kPitch, kThreads> lb;
  la.init(static_cast<const float*>(p.a), b * p.a_stride_batch, p.a_stride_m, 1, m0, p.m);
  lb.init(static_cast<const float*>(p.b), b * p.b_stride_batch, p.b_stride_n, 1, n0, p.n);

  // This thread's group (its share of every k slice) and place in the tile.
  const int group = Cfg::kKGroups > 1 ? static_cast<int>(threadIdx.x) / Cfg::kGroupThreads : 0;
  const int in_group = Cfg::kKGroups > 1 ? static_cast<int>(threadIdx.x) % Cfg::kGroupThreads
                                         : static_cast<int>(threadIdx.x);
  const int tx = in_group % Cfg::kThreadsN, ty = in_group / Cfg::kThreadsN;
  float acc[kTM][kTN];
#pragma unroll
  for (int i = 0; i < kTM; ++i)
#pragma unroll
    for (int j = 0; j < kTN; ++j) acc[i][j] = 0.0f;

#pragma unroll
  for (int s = 0; s < kStages - 1; ++s) {
    if (s < slices) {
      float* stage = smem + s * Cfg::kStageFloats;
      la.load(stage, first_slice + s, p.k);
      lb.load(stage + kBM * kPitch, first_slice + s, p.k);
    }
    cp_async_commit();
  }
  // kNormA: per row of the tile, the shift s (its first element), rstd and
  // mean - s, taken while the first slices are in flight; every share of a
  // split K takes them over the whole row.
  __shared__ float norm_stats[kNormA ? 3 * kBM : 1];
  if (kNormA) {
    detail::row_norm_stats<kBM, kThreads, Cfg::kVec>(p, b, m0, norm.eps, norm_stats);
    __syncthreads();
  }
  float row_shift[kTM];  // kNormA: what this thread's rows are centred by
#pragma unroll
  for (int i = 0; i < kTM; ++i) row_shift[i] = kNormA ? norm_stats[ty + i * Cfg::kThreadsM] : 0.0f;
  for (int s = 0; s < slices; ++s) {
    cp_async_wait<kStages - 2>();
    __syncthreads();
    const int next = s + kStages - 1;
    if (next < slices) {
      float* stage = smem + (next % kStages) * Cfg::kStageFloats;
      la.load(stage, first_slice + next, p.k);
      lb.load(stage + kBM * kPitch, first_slice + next, p.k);
    }
    cp_async_commit();
    const float* ta = smem + (s % kStages) * Cfg::kStageFloats + group * Cfg::kGroupK;
    const float* tb = ta + kBM * kPitch;
#pragma unroll
    for (int k4 = 0; k4 < Cfg::kGroupK; k4 += 4) {
      float4 av[kTM], bv[kTN];
#pragma unroll
      for (int i = 0; i < kTM; ++i) {
        av[i] = *reinterpret_cast<const float4*>(ta + (ty + i * Cfg::kThreadsM) * kPitch + k4);
        if (kNormA) {
          // Past K the tile holds zeros on both sides, so -shift * 0 adds nothing.
          av[i].x -= row_shift[i];
          av[i].y -= row_shift[i];
          av[i].z -= row_shift[i];
          av[i].w -= row_shift[i];
        }
      }
#pragma unroll
      for (int j = 0; j < kTN; ++j)
        bv[j] = *reinterpret_cast<const float4*>(tb + (tx + j * Cfg::kThreadsN) * kPitch + k4);
#pragma unroll
      for (int i = 0; i < kTM; ++i)
#pragma unroll
        for (int j = 0; j < kTN; ++j) {
          acc[i][j] = fmaf(av[i].x, bv[j].x, acc[i][j]);
          acc[i][j] = fmaf(av[i].y, bv[j].y, acc[i][j]);
          acc[i][j] = fmaf(av[i].z, bv[j].z, acc[i][j]);
          acc[i][j] = fmaf(av[i].w, bv[j].w, acc[i][j]);
        }
    }
  }
  cp_async_wait<0>();

  // Output (row, col) of the tile, summed over K: rstd, the w1 term and c of
  // a folded norm, then the epilogue.
  auto finish = [&](int row, int col, float v) {
    const int64_t m = m0 + row, n = n0 + col;
    if (m >= p.m || n >= p.n) return;
    if (kNormA) {
      const float rstd = norm_stats[kBM + row], mean_less_shift = norm_stats[2 * kBM + row];
      epi(b, m, n, fmaf(rstd, fmaf(-mean_less_shift, norm.w1[n], v), norm.c[n]));
    } else {
      epi(b, m, n, v);
    }
  };
  const int64_t tile = splits > 1 ? (b * ((p.m + kBM - 1) / kBM) + blockIdx.y) * ((p.n + kBN - 1) / kBN) + blockIdx.x
                                  : 0;

  if constexpr (Cfg::kKGroups > 1) {
    // The groups' sums meet in shared memory ([group][row][col], over the
    // pipeline's stages, which no copy writes any more); each thread then adds
    // kOutPerThread outputs over the groups in group order (deterministic),
    // consecutive threads on consecutive columns.
    constexpr int kTileElems = kBM * kBN, kOut = Cfg::kOutPerThread;
    __syncthreads();  // every group is past its last slice
    float* sums = smem + group * kTileElems;
#pragma unroll
    for (int i = 0; i < kTM; ++i)
#pragma unroll
      for (int j = 0; j < kTN; ++j) sums[(ty + i * Cfg::kThreadsM) * kBN + tx + j * Cfg::kThreadsN] = acc[i][j];
    __syncthreads();
    float out[kOut][1];
#pragma unroll
    for (int r = 0; r < kOut; ++r) {
      const int e = static_cast<int>(threadIdx.x) + r * kThreads;
      float v = smem[e];
#pragma unroll
      for (int g = 1; g < Cfg::kKGroups; ++g) v += smem[g * kTileElems + e];
      out[r][0] = v;
    }
    if (splits > 1 && !detail::split_k_reduce<kTileElems>(out, split, tile, part, [&](int r, int) {
          return static_cast<int>(threadIdx.x) + r * kThreads;
        }))
      return;
#pragma unroll
    for (int r = 0; r < kOut; ++r) {
      const int e = static_cast<int>(threadIdx.x) + r * kThreads;
      finish(e / kBN, e % kBN, out[r][0]);
    }
  } else {
    if (splits > 1 && !detail::split_k_reduce<kBM * kBN>(acc, split, tile, part, [&](int i, int j) {
          return (ty + i * Cfg::kThreadsM) * kBN + tx + j * Cfg::kThreadsN;
        }))
      return;
#pragma unroll
    for (int i = 0; i < kTM; ++i)
#pragma unroll
      for (int j = 0; j < kTN; ++j) finish(ty + i * Cfg::kThreadsM, tx + j * Cfg::kThreadsN, acc[i][j]);
  }
}

}  // namespace cuda
}  // namespace aotc

#endif  // AOTC_CUDA_GEMM_SIMT_CUH

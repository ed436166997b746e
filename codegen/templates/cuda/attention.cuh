// attention.cuh: fused scaled-dot-product attention forward (flash attention):
//   out[b, h, i, :] = softmax_j(scale * q[b,h,i,:] . k[b,hk,j,:] + mask(b,h,i,j)) @ v[b,hk,:,:]
// with hk = h / (heads / kv_heads) (grouped-query attention; PyTorch's
// repeat_interleave of k/v heads), causal masking aligned top-left like
// PyTorch's is_causal (query i sees keys j <= i), and an optional generated
// mask functor. q, k, v are read in place through 4 strides each (views of a
// fused qkv projection need no copy); the output goes through a functor.
//
// One thread block handles kRows query rows of one (b, h): it streams K/V in
// kKeys-row tiles (cp.async, double-buffered) and keeps a running row max and
// row sum (online softmax), so S is never materialized. Causal blocks stop at
// the last key their rows can see. Rows whose keys are all masked produce 0.
//
// Three variants:
//   attention_simt<Cfg>  float32 q/k/v, full float32 arithmetic on the CUDA
//                        cores (matches PyTorch float32 SDPA to ~1e-6). kWarps
//                        warps (4 by default); each owns kRows/kWarps rows.
//   attention_simt_keys<Cfg>  the same arithmetic, the block's warps taking
//                        shares of the keys for all its rows (faster where
//                        it fits: head dims up to 64, 16-byte loads).
//   attention_tc<Cfg>    bf16 / fp16 q/k/v with mma.sync (float32 accumulation,
//                        P rounded to the input type for the PV product like
//                        FlashAttention-2). One warp per 16 rows.
// kE / kEv are the head dims the block is built for; the runtime head_dim and
// head_dim_v may be smaller (the generic path: pad up, e.g. kE = 96 for 80).
// kVec = true loads 16 bytes at a time: the caller guarantees stride 1 along
// the head dim, head dims and all other strides multiples of 4 (float) or 8
// (16-bit) elements, and 16-byte-aligned base pointers. kVec = false honors
// any strides.
//
// Launch:
//   grid  = (ceil(len_q / kRows), heads, batch)   (batch <= 65535, heads <= 65535)
//   block = Cfg::kThreads, dynamic shared memory = Cfg::kSmemBytes (over 48 KiB:
//   set CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES), wrapper with
//   __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks).
//
// Functor contracts:
//   Output: __device__ void operator()(int64_t b, int64_t h, int64_t i, int64_t e, float v) const;
//           called once for every b, h, i < len_q, e < head_dim_v.
//   Mask:   __device__ float operator()(int64_t b, int64_t h, int64_t i, int64_t j) const;
//           an additive bias in the units of the scaled scores (PyTorch's float
//           attn_mask; a bool mask is keep ? 0.f : -INFINITY), called only for
//           i < len_q, j < len_kv that causal masking has not removed. Pass
//           NoMask (kEnabled = false) for none.
#ifndef AOTC_CUDA_ATTENTION_CUH
#define AOTC_CUDA_ATTENTION_CUH

#include "tensorcore.cuh"

namespace aotc {
namespace cuda {

/// Inputs of one attention call (strides in elements of the input type).
struct AttentionParams {
  const void* q;
  const void* k;
  const void* v;
  int64_t q_stride_b, q_stride_h, q_stride_l, q_stride_e;
  int64_t k_stride_b, k_stride_h, k_stride_s, k_stride_e;
  int64_t v_stride_b, v_stride_h, v_stride_s, v_stride_e;
  int64_t batch, heads, kv_heads, len_q, len_kv, head_dim, head_dim_v;
  float scale;     // usually 1 / sqrt(head_dim)
  int32_t causal;  // nonzero: key j is visible to query i only when j <= i
};

/// No mask.
struct NoMask {
  static constexpr bool kEnabled = false;
  AOTC_DEVICE float operator()(int64_t, int64_t, int64_t, int64_t) const { return 0.0f; }
};

/// Output functor for a strided output tensor of element type T.
template <class T>
struct StridedAttentionOutput {
  T* ptr;
  int64_t stride_b, stride_h, stride_l, stride_e;
  AOTC_DEVICE void operator()(int64_t b, int64_t h, int64_t i, int64_t e, float v) const {
    ptr[b * stride_b + h * stride_h + i * stride_l + e * stride_e] = from_float<T>(v);
  }
};

namespace detail {

/// The rows of a [rows, cols] tile (row r at tensor + r*row_stride, column c
/// at + c*col_stride) into shared memory with pitch kPitch, zero-filled past
/// (rows_valid, cols_valid). kVec: 16-byte cp.async copies (col_stride taken as
/// 1); else element copies honoring both strides.
/// `tid` (< kThreads) is this thread's index among the kThreads that share the copy.
template <class T, int kRows, int kCols, int kPitch, int kThreads, bool kVec>
AOTC_DEVICE void attn_load_tile(T* dst, const T* tensor, int64_t row_stride, int64_t col_stride,
                                int64_t rows_valid, int64_t cols_valid, int tid = threadIdx.x) {
  if constexpr (kVec) {
    constexpr int kPer = 16 / sizeof(T);
    constexpr int kChunks = kRows * kCols / kPer;
#pragma unroll
    for (int c = tid; c < kChunks; c += kThreads) {
      const int r = c / (kCols / kPer);
      const int col = (c % (kCols / kPer)) * kPer;
      const bool ok = r < rows_valid && col < cols_valid;
      cp_async<16>(dst + r * kPitch + col, ok ? tensor + r * row_stride + col : tensor, ok);
    }
  } else {
    for (int c = tid; c < kRows * kCols; c += kThreads) {
      const int r = c / kCols;
      const int col = c % kCols;
      T v;
      if (r < rows_valid && col < cols_valid) {
        v = tensor[r * row_stride + col * col_stride];
      } else {
        v = from_float<T>(0.0f);
      }
      dst[r * kPitch + col] = v;
    }
  }
}

/// The block's query-row tile. Causal blocks of late rows see the most keys:
/// handing those out first shortens the tail of the launch.
AOTC_DEVICE int64_t attn_row_tile(bool causal) {
  return causal ? static_cast<int64_t>(gridDim.x - 1 - blockIdx.x)
                : static_cast<int64_t>(blockIdx.x);
}

/// What the block of kRows query rows starting at l0 of (b, h) works on: q at
/// its first row, k and v of its kv head (grouped-query attention), and the
/// end of the keys its rows can see.
template <class T>
struct AttnBlock {
  int64_t b, h, l0, kv_end;
  const T* q;
  const T* k;
  const T* v;
};

template <class T, int kRows>
AOTC_DEVICE AttnBlock<T> attn_block(const AttentionParams& p) {
  AttnBlock<T> a;
  a.b = blockIdx.z;
  a.h = blockIdx.y;
  a.l0 = attn_row_tile(p.causal != 0) * kRows;
  const int64_t hk = a.h / (p.heads / p.kv_heads);
  a.q = static_cast<const T*>(p.q) + a.b * p.q_stride_b + a.h * p.q_stride_h + a.l0 * p.q_stride_l;
  a.k = static_cast<const T*>(p.k) + a.b * p.k_stride_b + hk * p.k_stride_h;
  a.v = static_cast<const T*>(p.v) + a.b * p.v_stride_b + hk * p.v_stride_h;
  a.kv_end = p.causal ? min_of(p.len_kv, a.l0 + kRows) : p.len_kv;
  return a;
}

}  // namespace detail

// ------------------------------------------------------------- float32 SIMT

/// kRows query rows per block shared by kWarps warps (a multiple of kWarps),
/// kKeys keys per tile (a multiple of 32).
template <int kE_, int kEv_, int kRows_ = 16, int kKeys_ = 64, bool kVec_ = true, int kWarps_ = 4>
struct AttnSimtConfig {
  static constexpr int kE = kE_, kEv = kEv_, kRows = kRows_, kKeys = kKeys_;
  static constexpr bool kVec = kVec_;
  static constexpr int kWarps = kWarps_;
  static constexpr int kThreads = kWarps * kWarpSize;
  static constexpr int kRowsPerWarp = kRows / kWarps;
  static constexpr int kKeysPerLane = kKeys / kWarpSize;
  static constexpr int kColsPerLane = kEv / kWarpSize;
  static constexpr int kPitchQ = kE;
  static constexpr int kPitchK = kE + 4;  // 16-byte rows, lanes on distinct banks
  static constexpr int kPitchV = kEv;
  static constexpr int kSmemFloats =
      kRows * kPitchQ + 2 * kKeys * kPitchK + 2 * kKeys * kPitchV + kRows * kKeys;
  static constexpr int kSmemBytes = kSmemFloats * 4;
  static constexpr int kMinBlocks = 1;
  static_assert(kE % 4 == 0, "kE must be a multiple of 4");
  static_assert(kEv % 32 == 0 && kEv <= 256, "kEv must be a multiple of 32, at most 256");
  static_assert(kRows % kWarps == 0, "kRows must be a multiple of kWarps");
  static_assert(kKeys % 32 == 0, "kKeys must be a multiple of 32");
};

/// Head dim 64 (GPT-style blocks), 16 query rows per block.
using AttnSimtE64 = AttnSimtConfig<64, 64, 16, 64>;
/// Head dim 128.
using AttnSimtE128 = AttnSimtConfig<128, 128, 16, 32>;

template <class Cfg, class Output, class Mask = NoMask>
AOTC_DEVICE void attention_simt(const AttentionParams& p, const Output& out,
                                const Mask& mask = Mask()) {
  constexpr int kE = Cfg::kE, kEv = Cfg::kEv, kRows = Cfg::kRows, kKeys = Cfg::kKeys;
  constexpr int kRW = Cfg::kRowsPerWarp, kKC = Cfg::kKeysPerLane, kCL = Cfg::kColsPerLane;
  constexpr int kThreads = Cfg::kThreads;
  constexpr bool kMasked = EnabledOf<Mask>::value;

  float* smem = reinterpret_cast<float*>(dynamic_smem());
  float* sq = smem;                           // [kRows][kPitchQ]
  float* sk = sq + kRows * Cfg::kPitchQ;      // [2][kKeys][kPitchK]
  float* sv = sk + 2 * kKeys * Cfg::kPitchK;  // [2][kKeys][kPitchV]
  float* sp = sv + 2 * kKeys * Cfg::kPitchV;  // [kRows][kKeys]

  const detail::AttnBlock<float> blk = detail::attn_block<float, kRows>(p);
  const int64_t b = blk.b, h = blk.h, l0 = blk.l0, L = p.len_q, S = p.len_kv, kv_end = blk.kv_end;
  const float* q = blk.q;
  const float* k = blk.k;
  const float* v = blk.v;
  const int64_t tiles = (kv_end + kKeys - 1) / kKeys;

  detail::attn_load_tile<float, kRows, kE, Cfg::kPitchQ, kThreads, Cfg::kVec>(
      sq, q, p.q_stride_l, p.q_stride_e, L - l0, p.head_dim);
  auto load_kv = [&](int64_t t) {
    const int buf = static_cast<int>(t & 1);
    const int64_t s0 = t * kKeys;
    detail::attn_load_tile<float, kKeys, kE, Cfg::kPitchK, kThreads, Cfg::kVec>(
        sk + buf * kKeys * Cfg::kPitchK, k + s0 * p.k_stride_s, p.k_stride_s, p.k_stride_e, S - s0,
        p.head_dim);
    detail::attn_load_tile<float, kKeys, kEv, Cfg::kPitchV, kThreads, Cfg::kVec>(
        sv + buf * kKeys * Cfg::kPitchV, v + s0 * p.v_stride_s, p.v_stride_s, p.v_stride_e, S - s0,
        p.head_dim_v);
  };
  if (tiles > 0) load_kv(0);
  cp_async_commit();

  const int warp = threadIdx.x / kWarpSize, lane = threadIdx.x % kWarpSize;
  const int r0 = warp * kRW;
  float row_max[kRW], row_sum[kRW], o[kRW][kCL];
#pragma unroll
  for (int r = 0; r < kRW; ++r) {
    row_max[r] = neg_inf();
    row_sum[r] = 0.0f;  // this lane's share; summed over the warp at the end
#pragma unroll
    for (int c = 0; c < kCL; ++c) o[r][c] = 0.0f;
  }

  for (int64_t t = 0; t < tiles; ++t) {
    if (t + 1 < tiles) {
      load_kv(t + 1);
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    __syncthreads();
    const int buf = static_cast<int>(t & 1);
    const float* tk = sk + buf * kKeys * Cfg::kPitchK;
    const float* tv = sv + buf * kKeys * Cfg::kPitchV;
    const int64_t s0 = t * kKeys;

    // Scores of this warp's rows against keys lane + 32c.
    float sc[kRW][kKC];
#pragma unroll
    for (int r = 0; r < kRW; ++r)
#pragma unroll
      for (int c = 0; c < kKC; ++c) sc[r][c] = 0.0f;
#pragma unroll 4
    for (int e = 0; e < kE; e += 4) {
      float4 kv4[kKC];
#pragma unroll
      for (int c = 0; c < kKC; ++c)
        kv4[c] = *reinterpret_cast<const float4*>(tk + (lane + 32 * c) * Cfg::kPitchK + e);
#pragma unroll
      for (int r = 0; r < kRW; ++r) {
        const float4 q4 = *reinterpret_cast<const float4*>(sq + (r0 + r) * Cfg::kPitchQ + e);
#pragma unroll
        for (int c = 0; c < kKC; ++c) {
          sc[r][c] = fmaf(q4.x, kv4[c].x, sc[r][c]);
          sc[r][c] = fmaf(q4.y, kv4[c].y, sc[r][c]);
          sc[r][c] = fmaf(q4.z, kv4[c].z, sc[r][c]);
          sc[r][c] = fmaf(q4.w, kv4[c].w, sc[r][c]);
        }
      }
    }

    // Online softmax: new max, rescale what was accumulated, exponentiate.
#pragma unroll
    for (int r = 0; r < kRW; ++r) {
      const int64_t i = l0 + r0 + r;
      float tile_max = neg_inf();
#pragma unroll
      for (int c = 0; c < kKC; ++c) {
        const int64_t j = s0 + lane + 32 * c;
        const bool visible = i < L && j < S && (!p.causal || j <= i);
        float x = neg_inf();
        if (visible) {
          x = sc[r][c] * p.scale;
          if constexpr (kMasked) x += mask(b, h, i, j);
        }
        sc[r][c] = x;
        tile_max = fmaxf(tile_max, x);
      }
      tile_max = warp_max(tile_max);
      const float new_max = fmaxf(row_max[r], tile_max);
      // All keys so far masked: keep exponents finite (exp(-inf - 0) = 0).
      const float base = new_max == neg_inf() ? 0.0f : new_max;
      const float alpha = expf(row_max[r] - base);
      row_max[r] = new_max;
      float psum = 0.0f;
#pragma unroll
      for (int c = 0; c < kKC; ++c) {
        const float pr = expf(sc[r][c] - base);
        psum += pr;
        sp[(r0 + r) * kKeys + lane + 32 * c] = pr;
      }
      row_sum[r] = row_sum[r] * alpha + psum;
#pragma unroll
      for (int c = 0; c < kCL; ++c) o[r][c] *= alpha;
    }
    __syncwarp();

    // o += P V over this tile's keys; lane owns columns lane*kCL .. +kCL.
#pragma unroll 2
    for (int j = 0; j < kKeys; j += 4) {
      float4 pr[kRW];
#pragma unroll
      for (int r = 0; r < kRW; ++r)
        pr[r] = *reinterpret_cast<const float4*>(sp + (r0 + r) * kKeys + j);
#pragma unroll
      for (int jj = 0; jj < 4; ++jj) {
        float vv[kCL];
        const float* vrow = tv + (j + jj) * Cfg::kPitchV + lane * kCL;
        if constexpr (kCL % 4 == 0) {
#pragma unroll
          for (int c = 0; c < kCL; c += 4) {
            const float4 x = *reinterpret_cast<const float4*>(vrow + c);
            vv[c] = x.x;
            vv[c + 1] = x.y;
            vv[c + 2] = x.z;
            vv[c + 3] = x.w;
          }
        } else if constexpr (kCL % 2 == 0) {
#pragma unroll
          for (int c = 0; c < kCL; c += 2) {
            const float2 x = *reinterpret_cast<const float2*>(vrow + c);
            vv[c] = x.x;
            vv[c + 1] = x.y;
          }
        } else {
#pragma unroll
          for (int c = 0; c < kCL; ++c) vv[c] = vrow[c];
        }
#pragma unroll
        for (int r = 0; r < kRW; ++r) {
          const float pj = jj == 0 ? pr[r].x : jj == 1 ? pr[r].y : jj == 2 ? pr[r].z : pr[r].w;
#pragma unroll
          for (int c = 0; c < kCL; ++c) o[r][c] = fmaf(pj, vv[c], o[r][c]);
        }
      }
    }
    __syncthreads();  // the next iteration's prefetch overwrites this buffer
  }
  cp_async_wait<0>();  // nothing in flight at exit, even with no key tiles

#pragma unroll
  for (int r = 0; r < kRW; ++r) {
    const int64_t i = l0 + r0 + r;
    const float total = warp_sum(row_sum[r]);
    const float inv = total > 0.0f ? 1.0f / total : 0.0f;
    if (i >= L) continue;
#pragma unroll
    for (int c = 0; c < kCL; ++c) {
      const int64_t e = lane * kCL + c;
      if (e < p.head_dim_v) out(b, h, i, e, o[r][c] * inv);
    }
  }
}

// ------------------------------------------- float32 SIMT, warps over the keys

/// attention_simt_keys: kRows = 16 query rows per block, as attention_simt,
/// but each of the kWarps warps takes all 16 rows against kKW keys of every
/// kWarps * kKW-key step, with its own running max, sum and output, and the
/// warps' results are merged at the end. Within a warp, lane = 8 * rg + g
/// holds rows rg, rg + 4, rg + 8, rg + 12 and (scores) keys g + 8c of the
/// warp's slice or (outputs) columns 4g + 32c .. + 3: each value read from
/// shared memory feeds 4 FMAs or more (attention_simt: 2 to 4), and a causal
/// block's longest key range is spread over all its warps. Each warp streams
/// its own K/V slices (cp.async, kStages deep) and waits only for itself.
/// Shared memory: (kRows + kWarps * kStages * kKW) rows of K plus the V and
/// score tiles; the preset's 84 KiB fits every GPU from sm_80 on.
template <int kE_, int kEv_, int kWarps_ = 8, int kKW_ = 16, int kStages_ = 1, bool kVec_ = true>
struct AttnSimtKeysConfig {
  static constexpr int kE = kE_, kEv = kEv_, kWarps = kWarps_, kKW = kKW_, kStages = kStages_;
  static constexpr bool kVec = kVec_;
  static constexpr int kRows = 16;
  static constexpr int kRG = 4;                 // row groups of a warp
  static constexpr int kG = kWarpSize / kRG;    // lanes per row group
  static constexpr int kThreads = kWarps * kWarpSize;
  static constexpr int kRowsPerLane = kRows / kRG;
  static constexpr int kKeysPerLane = kKW / kG;
  static constexpr int kCol4PerLane = kEv / (4 * kG);  // float4 column groups
  static constexpr int kPitchQ = kE + 4;   // 4 consecutive rows on distinct bank groups
  static constexpr int kPitchK = kE + 4;   // keys g + 8c on distinct bank groups
  static constexpr int kPitchV = kEv;
  static constexpr int kPitchP = kKW + kG;  // conflict-free score stores and row reads
  static constexpr int kSliceFloats = kKW * (kPitchK + kPitchV);
  static constexpr int kWarpFloats = kStages * kSliceFloats + kRows * kPitchP;
  static constexpr int kMergeFloats = kWarps * kRows * (kEv + 4) + kRows * (kWarps + 1);
  static constexpr int kSmemFloats =
      kRows * kPitchQ + (kWarps * kWarpFloats > kMergeFloats ? kWarps * kWarpFloats : kMergeFloats);
  static constexpr int kSmemBytes = kSmemFloats * 4;
  static constexpr int kMinBlocks = 1;
  static_assert(kE % 4 == 0, "kE must be a multiple of 4");
  static_assert(kEv % 32 == 0 && kEv <= 256, "kEv must be a multiple of 32, at most 256");
  static_assert(kKW % kG == 0, "kKW must be a multiple of 8");
  static_assert(kStages >= 1, "one stage at least");
};

/// Head dim 64: 8 warps of 16-key slices, one stage (84 KiB). On an H100 it
/// took gpt_block's causal attention at T = 512 from 21.7 to 18.2 us against
/// AttnSimtE64, and 15-25% off every length from 77 to 2048, masked and
/// grouped-query included (docs/cuda-kernels.md, "Float32 attention with the
/// warps over the keys").
using AttnSimtKeysE64 = AttnSimtKeysConfig<64, 64, 8, 16, 1>;
/// Head dim 128: 8 warps of 8-key slices (83 KiB). On an H100, 2 heads at
/// T = 512, causal: 33.6 us against 39.2 for AttnSimtE128.
using AttnSimtKeysE128 = AttnSimtKeysConfig<128, 128, 8, 8, 1>;

template <class Cfg, class Output, class Mask = NoMask>
AOTC_DEVICE void attention_simt_keys(const AttentionParams& p, const Output& out,
                                     const Mask& mask = Mask()) {
  constexpr int kE = Cfg::kE, kEv = Cfg::kEv, kRows = Cfg::kRows, kKW = Cfg::kKW, kWarps = Cfg::kWarps;
  constexpr int kRL = Cfg::kRowsPerLane, kKL = Cfg::kKeysPerLane, kC4 = Cfg::kCol4PerLane;
  constexpr int kRG = Cfg::kRG, kG = Cfg::kG;
  constexpr int kStages = Cfg::kStages, kStep = kWarps * kKW;
  constexpr int kPQ = Cfg::kPitchQ, kPK = Cfg::kPitchK, kPV = Cfg::kPitchV, kPP = Cfg::kPitchP;
  constexpr bool kMasked = EnabledOf<Mask>::value;

  float* smem = reinterpret_cast<float*>(dynamic_smem());
  float* sq = smem;  // [kRows][kPQ]
  const int warp = threadIdx.x / kWarpSize, lane = threadIdx.x % kWarpSize;
  const int rg = lane / kG, g = lane % kG;
  float* sw = sq + kRows * kPQ + warp * Cfg::kWarpFloats;  // [kStages][kKW][kPK + kPV]
  float* sp = sw + kStages * Cfg::kSliceFloats;            // [kRows][kPP]

  const detail::AttnBlock<float> blk = detail::attn_block<float, kRows>(p);
  const int64_t b = blk.b, h = blk.h, l0 = blk.l0, L = p.len_q, S = p.len_kv, kv_end = blk.kv_end;
  const float* q = blk.q;
  const float* k = blk.k;
  const float* v = blk.v;

  const int64_t first = static_cast<int64_t>(warp) * kKW;  // this warp's first key
  const int64_t slices = kv_end > first ? (kv_end - first + kStep - 1) / kStep : 0;

  detail::attn_load_tile<float, kRows, kE, kPQ, Cfg::kThreads, Cfg::kVec>(sq, q, p.q_stride_l, p.q_stride_e,
                                                                          L - l0, p.head_dim);
  cp_async_commit();
  auto load_slice = [&](int64_t t) {
    float* dst = sw + static_cast<int>(t % kStages) * Cfg::kSliceFloats;
    const int64_t s0 = first + t * kStep;
    detail::attn_load_tile<float, kKW, kE, kPK, kWarpSize, Cfg::kVec>(
        dst, k + s0 * p.k_stride_s, p.k_stride_s, p.k_stride_e, S - s0, p.head_dim, lane);
    detail::attn_load_tile<float, kKW, kEv, kPV, kWarpSize, Cfg::kVec>(
        dst + kKW * kPK, v + s0 * p.v_stride_s, p.v_stride_s, p.v_stride_e, S - s0, p.head_dim_v, lane);
  };
#pragma unroll
  for (int t = 0; t < kStages - 1; ++t) {
    if (t < slices) load_slice(t);
    cp_async_commit();
  }
  cp_async_wait<kStages - 1>();  // the query tile (every thread's share)
  __syncthreads();

  float row_max[kRL], row_sum[kRL], o[kRL][4 * kC4];
#pragma unroll
  for (int i = 0; i < kRL; ++i) {
    row_max[i] = neg_inf();
    row_sum[i] = 0.0f;  // this lane's keys' share; summed over its 8 lanes at the end
#pragma unroll
    for (int c = 0; c < 4 * kC4; ++c) o[i][c] = 0.0f;
  }
  const int64_t last_row = l0 + kRows - 1;
  for (int64_t t = 0; t < slices; ++t) {
    if (t + kStages - 1 < slices) load_slice(t + kStages - 1);
    cp_async_commit();
    cp_async_wait<kStages - 1>();
    __syncwarp();
    const float* tk = sw + static_cast<int>(t % kStages) * Cfg::kSliceFloats;
    const float* tv = tk + kKW * kPK;
    const int64_t s0 = first + t * kStep;

    float sc[kRL][kKL];
#pragma unroll
    for (int i = 0; i < kRL; ++i)
#pragma unroll
      for (int c = 0; c < kKL; ++c) sc[i][c] = 0.0f;
#pragma unroll 4
    for (int e = 0; e < kE; e += 4) {
      float4 q4[kRL], k4[kKL];
#pragma unroll
      for (int i = 0; i < kRL; ++i) q4[i] = *reinterpret_cast<const float4*>(sq + (rg + kRG * i) * kPQ + e);
#pragma unroll
      for (int c = 0; c < kKL; ++c) k4[c] = *reinterpret_cast<const float4*>(tk + (g + kG * c) * kPK + e);
#pragma unroll
      for (int i = 0; i < kRL; ++i)
#pragma unroll
        for (int c = 0; c < kKL; ++c) {
          sc[i][c] = fmaf(q4[i].x, k4[c].x, sc[i][c]);
          sc[i][c] = fmaf(q4[i].y, k4[c].y, sc[i][c]);
          sc[i][c] = fmaf(q4[i].z, k4[c].z, sc[i][c]);
          sc[i][c] = fmaf(q4[i].w, k4[c].w, sc[i][c]);
        }
    }

    // Every key of the slice visible to every row: no per-score checks.
    const bool all_visible = s0 + kKW <= S && last_row < L && (!p.causal || s0 + kKW - 1 <= l0);
#pragma unroll
    for (int i = 0; i < kRL; ++i) {
      const int64_t row = l0 + rg + kRG * i;
      float tile_max = neg_inf();
#pragma unroll
      for (int c = 0; c < kKL; ++c) {
        const int64_t j = s0 + g + kG * c;
        float x = neg_inf();
        if (all_visible || (row < L && j < S && (!p.causal || j <= row))) {
          x = sc[i][c] * p.scale;
          if constexpr (kMasked) x += mask(b, h, row, j);
        }
        sc[i][c] = x;
        tile_max = fmaxf(tile_max, x);
      }
      tile_max = warp_max<kG>(tile_max);
      const float new_max = fmaxf(row_max[i], tile_max);
      const float base = new_max == neg_inf() ? 0.0f : new_max;  // exp(-inf - 0) = 0
      const float alpha = expf(row_max[i] - base);
      row_max[i] = new_max;
      float psum = 0.0f;
#pragma unroll
      for (int c = 0; c < kKL; ++c) {
        const float pr = expf(sc[i][c] - base);
        psum += pr;
        sp[(rg + kRG * i) * kPP + g + kG * c] = pr;
      }
      row_sum[i] = row_sum[i] * alpha + psum;
#pragma unroll
      for (int c = 0; c < 4 * kC4; ++c) o[i][c] *= alpha;
    }
    __syncwarp();

#pragma unroll 2
    for (int j = 0; j < kKW; j += 4) {
      float4 p4[kRL];
#pragma unroll
      for (int i = 0; i < kRL; ++i) p4[i] = *reinterpret_cast<const float4*>(sp + (rg + kRG * i) * kPP + j);
#pragma unroll
      for (int jj = 0; jj < 4; ++jj) {
        float4 v4[kC4];
#pragma unroll
        for (int c = 0; c < kC4; ++c) v4[c] = *reinterpret_cast<const float4*>(tv + (j + jj) * kPV + 4 * g + 4 * kG * c);
#pragma unroll
        for (int i = 0; i < kRL; ++i) {
          const float pj = jj == 0 ? p4[i].x : jj == 1 ? p4[i].y : jj == 2 ? p4[i].z : p4[i].w;
#pragma unroll
          for (int c = 0; c < kC4; ++c) {
            o[i][4 * c] = fmaf(pj, v4[c].x, o[i][4 * c]);
            o[i][4 * c + 1] = fmaf(pj, v4[c].y, o[i][4 * c + 1]);
            o[i][4 * c + 2] = fmaf(pj, v4[c].z, o[i][4 * c + 2]);
            o[i][4 * c + 3] = fmaf(pj, v4[c].w, o[i][4 * c + 3]);
          }
        }
      }
    }
    __syncwarp();  // the slice and the scores are overwritten by later steps
  }
  cp_async_wait<0>();  // nothing in flight at exit, even with no slices

  // Merge the warps: each publishes its rows' max, sum and unnormalized
  // output; thread r < kRows weighs row r's shares; all threads store.
  constexpr int kShareRow = kEv + 4;  // max, sum, 2 unused, outputs (16-byte aligned)
  float* merged = sq + kRows * kPQ;                        // [kWarps][kRows][kShareRow], over the slices
  float* weight = merged + kWarps * kRows * kShareRow;     // [kRows][kWarps + 1]: weights, then 1 / sum
  __syncthreads();  // every warp is done with its slices
#pragma unroll
  for (int i = 0; i < kRL; ++i) {
    float* share = merged + (warp * kRows + rg + kRG * i) * kShareRow;
    const float total = warp_sum<kG>(row_sum[i]);
    if (g == 0) {
      share[0] = row_max[i];
      share[1] = total;
    }
#pragma unroll
    for (int c = 0; c < kC4; ++c)
      *reinterpret_cast<float4*>(share + 4 + 4 * g + 4 * kG * c) =
          make_float4(o[i][4 * c], o[i][4 * c + 1], o[i][4 * c + 2], o[i][4 * c + 3]);
  }
  __syncthreads();
  if (threadIdx.x < kRows) {
    const int r = threadIdx.x;
    float m = neg_inf();
#pragma unroll
    for (int w = 0; w < kWarps; ++w) m = fmaxf(m, merged[(w * kRows + r) * kShareRow]);
    const float base = m == neg_inf() ? 0.0f : m;
    float total = 0.0f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      const float* share = merged + (w * kRows + r) * kShareRow;
      const float wt = expf(share[0] - base);
      weight[r * (kWarps + 1) + w] = wt;
      total += share[1] * wt;
    }
    weight[r * (kWarps + 1) + kWarps] = total > 0.0f ? 1.0f / total : 0.0f;
  }
  __syncthreads();
  for (int idx = threadIdx.x; idx < kRows * kEv; idx += Cfg::kThreads) {
    const int r = idx / kEv, e = idx % kEv;
    const int64_t i = l0 + r;
    if (i >= L || e >= p.head_dim_v) continue;
    float acc = 0.0f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) acc += merged[(w * kRows + r) * kShareRow + 4 + e] * weight[r * (kWarps + 1) + w];
    out(b, h, i, e, acc * weight[r * (kWarps + 1) + kWarps]);
  }
}

// ------------------------------------------------------- bf16 / fp16 tensor cores

/// T: bf16 or fp16. kRows: 16 per warp (16, 32, 64, 128). kKeys: a multiple of 16.
template <class T, int kE_, int kEv_, int kRows_ = 64, int kKeys_ = 64, bool kVec_ = true>
struct AttnTcConfig {
  using Element = T;
  static constexpr int kE = kE_, kEv = kEv_, kRows = kRows_, kKeys = kKeys_;
  static constexpr bool kVec = kVec_;
  static constexpr int kWarps = kRows / 16;
  static constexpr int kThreads = kWarps * kWarpSize;
  static constexpr int kPitchQ = kE + 8, kPitchK = kE + 8, kPitchV = kEv + 8;
  static constexpr int kSmemBytes =
      (kRows * kPitchQ + 2 * kKeys * kPitchK + 2 * kKeys * kPitchV) * static_cast<int>(sizeof(T));
  static constexpr int kMinBlocks = 1;
  static_assert(sizeof(T) == 2, "tensor-core attention takes bf16 or fp16");
  static_assert(kRows % 16 == 0 && kRows <= 128, "kRows: 16 rows per warp, at most 8 warps");
  static_assert(kE % 16 == 0 && kEv % 16 == 0, "head dims of the block must be multiples of 16");
  static_assert(kKeys % 16 == 0, "kKeys must be a multiple of 16");
};

/// Head dim 64, long sequences (L >= 256): 4 warps x 16 rows.
template <class T>
using AttnTcE64 = AttnTcConfig<T, 64, 64, 64, 64>;
/// Head dim 64, short sequences: one warp per block, more blocks.
template <class T>
using AttnTcE64Short = AttnTcConfig<T, 64, 64, 16, 64>;
/// Head dim 128.
template <class T>
using AttnTcE128 = AttnTcConfig<T, 128, 128, 64, 64>;

template <class Cfg, class Output, class Mask = NoMask>
AOTC_DEVICE void attention_tc(const AttentionParams& p, const Output& out,
                              const Mask& mask = Mask()) {
  using T = typename Cfg::Element;
  constexpr int kE = Cfg::kE, kEv = Cfg::kEv, kRows = Cfg::kRows, kKeys = Cfg::kKeys;
  constexpr int kThreads = Cfg::kThreads;
  constexpr int kPQ = Cfg::kPitchQ, kPK = Cfg::kPitchK, kPV = Cfg::kPitchV;
  constexpr int kNS = kKeys / 8;  // score n-tiles
  constexpr int kNO = kEv / 8;    // output n-tiles
  constexpr bool kMasked = EnabledOf<Mask>::value;
  constexpr float kLog2e = 1.4426950408889634f;

  T* smem = reinterpret_cast<T*>(dynamic_smem());
  T* sq = smem;                  // [kRows][kPQ]
  T* sk = sq + kRows * kPQ;      // [2][kKeys][kPK]
  T* sv = sk + 2 * kKeys * kPK;  // [2][kKeys][kPV]

  const detail::AttnBlock<T> blk = detail::attn_block<T, kRows>(p);
  const int64_t b = blk.b, h = blk.h, l0 = blk.l0, L = p.len_q, S = p.len_kv, kv_end = blk.kv_end;
  const T* q = blk.q;
  const T* k = blk.k;
  const T* v = blk.v;
  const int64_t tiles = (kv_end + kKeys - 1) / kKeys;

  detail::attn_load_tile<T, kRows, kE, kPQ, kThreads, Cfg::kVec>(sq, q, p.q_stride_l, p.q_stride_e,
                                                                 L - l0, p.head_dim);
  auto load_kv = [&](int64_t t) {
    const int buf = static_cast<int>(t & 1);
    const int64_t s0 = t * kKeys;
    detail::attn_load_tile<T, kKeys, kE, kPK, kThreads, Cfg::kVec>(
        sk + buf * kKeys * kPK, k + s0 * p.k_stride_s, p.k_stride_s, p.k_stride_e, S - s0,
        p.head_dim);
    detail::attn_load_tile<T, kKeys, kEv, kPV, kThreads, Cfg::kVec>(
        sv + buf * kKeys * kPV, v + s0 * p.v_stride_s, p.v_stride_s, p.v_stride_e, S - s0,
        p.head_dim_v);
  };
  if (tiles > 0) load_kv(0);
  cp_async_commit();

  const int warp = threadIdx.x / kWarpSize, lane = threadIdx.x % kWarpSize;
  const int g = lane / 4, t4 = lane % 4, mat = lane / 8, r8 = lane % 8;
  const int wr = warp * 16;  // this warp's first row within the block
  const float scale_log2 = p.scale * kLog2e;

  uint32_t qf[kE / 16][4];
  float row_max[2] = {neg_inf(), neg_inf()};
  float row_sum[2] = {0.0f, 0.0f};  // this thread's share; summed over the quad at the end
  float o[kNO][4];
#pragma unroll
  for (int j = 0; j < kNO; ++j)
#pragma unroll
    for (int c = 0; c < 4; ++c) o[j][c] = 0.0f;

  for (int64_t t = 0; t < tiles; ++t) {
    if (t + 1 < tiles) {
      load_kv(t + 1);
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    __syncthreads();
    if (t == 0) {
#pragma unroll
      for (int ks = 0; ks < kE / 16; ++ks)
        ldmatrix_x4(qf[ks], sq + (wr + lane % 16) * kPQ + ks * 16 + (lane / 16) * 8);
    }
    const int buf = static_cast<int>(t & 1);
    const T* tk = sk + buf * kKeys * kPK;
    const T* tv = sv + buf * kKeys * kPV;
    const int64_t s0 = t * kKeys;

    float s[kNS][4];
#pragma unroll
    for (int j = 0; j < kNS; ++j)
#pragma unroll
      for (int c = 0; c < 4; ++c) s[j][c] = 0.0f;
#pragma unroll
    for (int ks = 0; ks < kE / 16; ++ks) {
#pragma unroll
      for (int j = 0; j < kNS; j += 2) {
        uint32_t kb[4];
        ldmatrix_x4(kb, tk + (j * 8 + (mat >> 1) * 8 + r8) * kPK + ks * 16 + (mat & 1) * 8);
        const uint32_t b0[2] = {kb[0], kb[1]};
        const uint32_t b1[2] = {kb[2], kb[3]};
        mma_16816<T>(s[j], qf[ks], b0);
        mma_16816<T>(s[j + 1], qf[ks], b1);
      }
    }

    // Scale, mask, online softmax. Thread holds rows g and g+8 of the warp's 16.
    float alpha[2];
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const int64_t i = l0 + wr + g + half * 8;
      float tile_max = neg_inf();
#pragma unroll
      for (int j = 0; j < kNS; ++j) {
#pragma unroll
        for (int x = 0; x < 2; ++x) {
          const int64_t jj = s0 + j * 8 + 2 * t4 + x;
          const bool visible = i < L && jj < S && (!p.causal || jj <= i);
          float val = neg_inf();
          if (visible) {
            val = s[j][half * 2 + x] * scale_log2;
            if constexpr (kMasked) val += mask(b, h, i, jj) * kLog2e;
          }
          s[j][half * 2 + x] = val;
          tile_max = fmaxf(tile_max, val);
        }
      }
      tile_max = fmaxf(tile_max, __shfl_xor_sync(kFullWarpMask, tile_max, 1));
      tile_max = fmaxf(tile_max, __shfl_xor_sync(kFullWarpMask, tile_max, 2));
      const float new_max = fmaxf(row_max[half], tile_max);
      const float base = new_max == neg_inf() ? 0.0f : new_max;
      alpha[half] = exp2f(row_max[half] - base);
      row_max[half] = new_max;
      float psum = 0.0f;
#pragma unroll
      for (int j = 0; j < kNS; ++j) {
#pragma unroll
        for (int x = 0; x < 2; ++x) {
          const float pr = exp2f(s[j][half * 2 + x] - base);
          s[j][half * 2 + x] = pr;
          psum += pr;
        }
      }
      row_sum[half] = row_sum[half] * alpha[half] + psum;
    }
#pragma unroll
    for (int j = 0; j < kNO; ++j) {
      o[j][0] *= alpha[0];
      o[j][1] *= alpha[0];
      o[j][2] *= alpha[1];
      o[j][3] *= alpha[1];
    }

    // o += P V: the score accumulators of n-tiles 2kk, 2kk+1 are the A fragment
    // of k-step kk.
#pragma unroll
    for (int kk = 0; kk < kKeys / 16; ++kk) {
      uint32_t pa[4];
      pa[0] = pack2<T>(s[2 * kk][0], s[2 * kk][1]);
      pa[1] = pack2<T>(s[2 * kk][2], s[2 * kk][3]);
      pa[2] = pack2<T>(s[2 * kk + 1][0], s[2 * kk + 1][1]);
      pa[3] = pack2<T>(s[2 * kk + 1][2], s[2 * kk + 1][3]);
#pragma unroll
      for (int j = 0; j < kNO; j += 2) {
        uint32_t vb[4];
        ldmatrix_x4_trans(vb, tv + (kk * 16 + (mat & 1) * 8 + r8) * kPV + j * 8 + (mat >> 1) * 8);
        const uint32_t b0[2] = {vb[0], vb[1]};
        const uint32_t b1[2] = {vb[2], vb[3]};
        mma_16816<T>(o[j], pa, b0);
        mma_16816<T>(o[j + 1], pa, b1);
      }
    }
    __syncthreads();  // the next iteration's prefetch overwrites this buffer
  }
  cp_async_wait<0>();  // nothing in flight at exit, even with no key tiles

#pragma unroll
  for (int half = 0; half < 2; ++half) {
    float total = row_sum[half];
    total += __shfl_xor_sync(kFullWarpMask, total, 1);
    total += __shfl_xor_sync(kFullWarpMask, total, 2);
    const float inv = total > 0.0f ? 1.0f / total : 0.0f;
    const int64_t i = l0 + wr + g + half * 8;
    if (i >= L) continue;
#pragma unroll
    for (int j = 0; j < kNO; ++j) {
#pragma unroll
      for (int x = 0; x < 2; ++x) {
        const int64_t e = j * 8 + 2 * t4 + x;
        if (e < p.head_dim_v) out(b, h, i, e, o[j][half * 2 + x] * inv);
      }
    }
  }
}

}  // namespace cuda
}  // namespace aotc

#endif  // AOTC_CUDA_ATTENTION_CUH

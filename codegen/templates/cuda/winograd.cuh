// winograd.cuh: 3x3 stride-1 float32 convolution by Winograd's F(2x2, 3x3),
// fused in one kernel with no scratch memory, plus the filter transform.
//
// Why: ResNet-style 3x3 stride-1 convolutions are most of a CNN's time, and
// conv2d_nchw (conv.cuh) does 9 multiply-adds per output and input channel on
// the FMA units. F(2x2, 3x3) needs 16 products per 2x2 output block instead of
// 36 (2.25x fewer), and its transforms (winograd_f2x3.h) are additions and
// exact halvings, so float32 results stay close to direct convolution.
//
// The convolution becomes 16 independent GEMMs, one per transform component:
//   M[comp][k][p] = sum_c U[comp][c][k] * V[comp][c][p]
// with U = G g G^T the transformed filter (computed ahead of time, by
// winograd_f2x3_filter_transform below or on the host by
// codegen/cuda/WinogradWeights.h), V = B^T d B the transformed 4x4 input patch
// of Winograd tile p (over all images), and the output block of tile p and
// output channel k is A^T M[.][k][p] A.
//
// conv2d_winograd_f2x3: a block owns kBK output channels x kBP tiles for all
// 16 components. Per chunk of kBC input channels it copies its U slice and
// one 4x4 input patch per thread (zeros in the padding) with cp.async, each
// thread transforms its patch to V in place; the block then runs the 16 GEMMs,
// kTK x kTP products per thread, every thread on one component (so a thread's
// shared-memory reads serve kTK * kTP FMAs, as in gemm_simt). The next
// chunk's loads are in flight during the math (double buffer). At the end the
// accumulators go through shared memory (the stage buffers, reused) so that
// each thread sees all 16 components of a (k, tile), transforms them to the
// 2x2 outputs and stores the ones inside OH x OW through the epilogue.
//
// Launch (the generator writes the wrapper, as for conv2d_nchw):
//   grid  = (ceil(OC / kBK), ceil(N * ceil(OH/2) * ceil(OW/2) / kBP), 1)
//   block = Cfg::kThreads, dynamic shared memory = Cfg::kSmemBytes (64 KiB for
//   WinogradF2x3Medium: over 48 KiB, so raise
//   CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES), wrapper with
//   __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks).
//
// Epilogue contract: conv2d_nchw's,
//   __device__ void operator()(int64_t n, int64_t oc, int64_t oh, int64_t ow, float acc) const;
// called exactly once per output element.
#ifndef AOTC_CUDA_WINOGRAD_CUH
#define AOTC_CUDA_WINOGRAD_CUH

#include "conv.cuh"
#include "winograd_f2x3.h"

namespace aotc {
namespace cuda {

/// Tile configuration of conv2d_winograd_f2x3: kBK output channels x kBP
/// Winograd tiles per block (each for all 16 components), kBC input channels
/// per chunk, kTK x kTP products per thread (one component each). kTK and kTP
/// are multiples of 4: a thread's k (and p) indices are float4 groups spaced
/// kBK / (kTK / 4) apart, so the 4 or 8 threads of a quarter warp read
/// adjacent float4s of one shared row (no bank conflicts) instead of strided
/// ones.
template <int kBK_, int kBP_, int kBC_, int kTK_, int kTP_, int kMinBlocks_>
struct WinogradF2x3Config {
  static constexpr int kComps = winograd::kF2x3Comps;
  static constexpr int kBK = kBK_, kBP = kBP_, kBC = kBC_, kTK = kTK_, kTP = kTP_;
  /// The launch facts the generator reads for every convolution candidate
  /// (tile_m, tile_n): tiles play the implicit GEMM's rows, output channels
  /// its columns. There is no split-K.
  static constexpr int kBM = kBP, kBN = kBK;
  static constexpr int kThreadsK = kBK / kTK, kThreadsP = kBP / kTP;
  static constexpr int kThreadsPerComp = kThreadsK * kThreadsP;
  static constexpr int kThreads = kComps * kThreadsPerComp;
  /// One stage: U slice [16][kBC][kBK], then V slice [16][kBC][kBP] (floats).
  static constexpr int kStageU = kComps * kBC * kBK, kStageV = kComps * kBC * kBP;
  static constexpr int kStage = kStageU + kStageV;
  /// The accumulator exchange [16][kBK][kBP] reuses the two stages.
  static constexpr int kExchange = kComps * kBK * kBP;
  static constexpr int kSmemBytes = (2 * kStage > kExchange ? 2 * kStage : kExchange) * 4;
  static constexpr int kCopiesU = kStageU / 4 / kThreads;  // 16-byte cp.async per thread per chunk
  static constexpr int kMinBlocks = kMinBlocks_;
  static_assert(kTK % 4 == 0 && kTP % 4 == 0, "register tiles are float4 groups");
  static_assert(kBK % kTK == 0 && kBP % kTP == 0, "tile must divide into threads");
  static_assert(kThreads % kWarpSize == 0 && kThreads <= 1024, "bad thread count");
  static_assert(kBC * kBP == kThreads, "one input patch per thread and chunk");
  static_assert(kStageU % (4 * kThreads) == 0, "equal U copies per thread");
  static_assert(kBK * kBP % kThreads == 0, "equal output tiles per thread");
  static_assert(kSmemBytes <= 227 * 1024, "fits an sm_90 block's shared memory");
};

/// 32 output channels x 32 tiles (128 output pixels) per block, 8-channel
/// chunks, 8 x 8 products per thread (64 accumulators, like SimtGemmLarge),
/// 256 threads, two blocks per SM (at most 128 registers): 64 KiB of shared
/// memory, the two stages together exactly the size of the final exchange.
using WinogradF2x3Medium = WinogradF2x3Config<32, 32, 8, 8, 8, 2>;
/// (aotc_launch.h's winograd_pays counts blocks of this size:
/// kWinogradBlockChannels x kWinogradBlockTiles.)

namespace detail {

/// The chunk loads of conv2d_winograd_f2x3. Thread tid gathers the 4x4 patch
/// of tile p0 + tid % kBP at channel chunk_start + tid / kBP (a warp: one
/// channel, 32 consecutive tiles), and copies kCopiesU float4s of the U slice.
/// fetch() issues all of it as cp.async (zero-filled outside the image, the
/// channels and the output channels): the patch lands raw in the V slice, at
/// the places its transform will take, so no register holds a value in
/// flight (staging the patch in registers, as conv2d_nchw does, cost 16 more
/// and spilled at the 128 of two blocks per SM). transform() then turns the
/// thread's own patch into V = B^T d B in place; cp.async's completion makes a
/// thread's own copies visible to it, so that needs no barrier before it, only
/// the one after it that publishes V to the block.
template <class Cfg, class Geo>
struct WinogradF2x3Loader {
  static constexpr int kBK = Cfg::kBK, kBP = Cfg::kBP, kBC = Cfg::kBC;
  static constexpr int kPlane = kBC * kBP;  // one component of a V slice

  const float* xb;  // the tile's image, channel tid / kBP
  const float* u;
  int C, K, W, HW;
  int x_off;      // patch corner within the channel plane (may be negative)
  unsigned mask;  // bit 4 * i + j: patch element (i, j) is inside the image
  int k0;

  AOTC_DEVICE void init(const Conv2dParams& p, int k0_, int p0, int tiles_h, int tiles_w,
                        int tiles) {
    const int H = static_cast<int>(p.in_h);
    W = static_cast<int>(p.in_w);
    C = static_cast<int>(p.in_c);
    K = static_cast<int>(p.out_c);
    HW = H * W;
    k0 = k0_;
    u = static_cast<const float*>(p.w);
    const int tid = threadIdx.x;
    const int tile = p0 + tid % kBP;
    const bool ok = tile < tiles;
    int n, ih0, iw0;
    winograd::f2x3_tile_origin(ok ? tile : 0, tiles_h, tiles_w, Geo::kPH, Geo::kPW, n, ih0, iw0);
    mask = 0;
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const bool in = ok && static_cast<unsigned>(ih0 + i) < static_cast<unsigned>(H) &&
                        static_cast<unsigned>(iw0 + j) < static_cast<unsigned>(W);
        mask |= (in ? 1u : 0u) << (4 * i + j);
      }
    x_off = ih0 * W + iw0;
    xb = static_cast<const float*>(p.x) + (static_cast<int64_t>(n) * C + tid / kBP) * HW;
  }

  /// Issues chunk `chunk`'s copies: U into `su` ([16][kBC][kBK]), the raw
  /// patch into `sv` ([16][kBC][kBP], element (i, j) as component 4 i + j).
  AOTC_DEVICE void fetch(int chunk, float* su, float* sv) const {
    // The 20 source addresses and predicates below depend on the chunk only
    // through one added term; left alone, the compiler hoists the rest out of
    // the main loop and keeps it live across the FMAs, which spilled 52 bytes
    // at the 128 registers of two blocks per SM (NVRTC 13, sm_90). Passing
    // the thread's constants through an empty volatile asm per call makes
    // them opaque, so they are recomputed here (a few integer ops per chunk):
    // no spills.
    int tid = threadIdx.x, xo = x_off;
    unsigned msk = mask;
    asm volatile("" : "+r"(tid), "+r"(xo), "+r"(msk));
    const int c0 = chunk * kBC;
#pragma unroll
    for (int r = 0; r < Cfg::kCopiesU; ++r) {
      const int e = tid + r * Cfg::kThreads;  // float4 index in the slice
      const int row = e / (kBK / 4), col = (e % (kBK / 4)) * 4;
      const int comp = row / kBC, c = c0 + row % kBC, k = k0 + col;
      // K % 4 == 0 (the caller's precondition), so a float4 is all in or all out.
      const bool ok = c < C && k < K;
      const float* src = u + (ok ? winograd::f2x3_u_index(comp, c, k, C, K) : 0);
      cp_async<16>(su + row * kBK + col, src, ok);
    }
    // Zero-filled copies read nothing, but get a valid address all the same
    // (U's base; xb itself lies past x for a channel beyond C in the last image).
    const unsigned m = c0 + tid / kBP < C ? msk : 0u;
    const float* px = xb + static_cast<int64_t>(c0) * HW;
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const bool in = (m >> (4 * i + j)) & 1u;
        cp_async<4>(sv + (4 * i + j) * kPlane + tid, in ? px + (xo + i * W + j) : u, in);
      }
    cp_async_commit();
  }

  /// V = B^T d B in place for this thread's patch in `sv` (after its copies completed).
  AOTC_DEVICE void transform(float* sv) const {
    const int tid = threadIdx.x;
    float d[16];
#pragma unroll
    for (int e = 0; e < 16; ++e) d[e] = sv[e * kPlane + tid];
    winograd::f2x3_input_transform(d);
#pragma unroll
    for (int e = 0; e < 16; ++e) sv[e * kPlane + tid] = d[e];
  }
};

/// Loads the kN = 4 * groups values at row[g * kSpacing + 4 * t .. + 4).
template <int kN, int kSpacing>
AOTC_DEVICE void load_wino_frag(float (&dst)[kN], const float* row) {
#pragma unroll
  for (int g = 0; g < kN / 4; ++g) {
    const float4 v = *reinterpret_cast<const float4*>(row + g * kSpacing);
    dst[4 * g] = v.x;
    dst[4 * g + 1] = v.y;
    dst[4 * g + 2] = v.z;
    dst[4 * g + 3] = v.w;
  }
}

}  // namespace detail

/// U = G g G^T for every (k, c) of a contiguous float32 weight [OC, C, 3, 3],
/// written as 16 row-major [C, OC] matrices (U[comp][c][k] at
/// winograd::f2x3_u_index; 16 * C * OC floats). Consecutive threads take
/// consecutive k, so the stores coalesce. Launch: any 1-D grid and block
/// (grid-stride), e.g. 256 threads x ceil(OC * C / 256) blocks; run it once
/// per weight (at load time), not per inference.
AOTC_DEVICE void winograd_f2x3_filter_transform(const float* w, float* u, int64_t out_c,
                                                int64_t in_c) {
  const int K = static_cast<int>(out_c), C = static_cast<int>(in_c);
  const int total = K * C;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
    const int k = i % K, c = i / K;
    const float* src = w + static_cast<int64_t>(k * C + c) * 9;
    float g[9], v[16];
#pragma unroll
    for (int t = 0; t < 9; ++t) g[t] = __ldg(src + t);
    winograd::f2x3_filter_transform(g, v);
#pragma unroll
    for (int comp = 0; comp < 16; ++comp) u[winograd::f2x3_u_index(comp, c, k, C, K)] = v[comp];
  }
}

/// The block's work for a 3x3 stride-1 convolution, groups 1, by F(2x2, 3x3).
/// x contiguous NCHW float32; p.w is NOT the weight but its transform U
/// (winograd_f2x3_filter_transform's layout), 16-byte aligned, with OC a
/// multiple of 4; p's strides and kernel-geometry fields are not read
/// (Geo = ConvGeometry<3, 3, 1, 1, PH, PW, 1, 1>: any padding). out_h / out_w
/// must be H + 2 PH - 2 and W + 2 PW - 2. Indices are 32-bit: C * H * W and
/// 16 * C * OC below 2^31, and so must the tile count N * ceil(OH/2) *
/// ceil(OW/2) be. Grid and epilogue: see the top of this file.
template <class Cfg, class Geo, class Epilogue>
AOTC_DEVICE void conv2d_winograd_f2x3(const Conv2dParams& p, const Epilogue& epi) {
  static_assert(Geo::kFixed && Geo::kKH == 3 && Geo::kKW == 3 && Geo::kSH == 1 && Geo::kSW == 1 &&
                    Geo::kDH == 1 && Geo::kDW == 1,
                "F(2x2, 3x3) is for 3x3 filters with stride 1 and dilation 1");
  constexpr int kBK = Cfg::kBK, kBP = Cfg::kBP, kBC = Cfg::kBC, kTK = Cfg::kTK, kTP = Cfg::kTP;
  constexpr int kSpacingK = kBK / (kTK / 4), kSpacingP = kBP / (kTP / 4);

  float* smem = reinterpret_cast<float*>(dynamic_smem());
  // Stage s: U slice at smem + s * kStage, V slice right after it.
  auto stage_u = [&](int s) { return smem + s * Cfg::kStage; };
  auto stage_v = [&](int s) { return smem + s * Cfg::kStage + Cfg::kStageU; };

  const int OH = static_cast<int>(p.out_h), OW = static_cast<int>(p.out_w);
  const int tiles_h = winograd::f2x3_tiles(OH), tiles_w = winograd::f2x3_tiles(OW);
  const int tiles = static_cast<int>(p.batch) * tiles_h * tiles_w;
  const int K = static_cast<int>(p.out_c);
  const int k0 = static_cast<int>(blockIdx.x) * kBK, p0 = static_cast<int>(blockIdx.y) * kBP;

  detail::WinogradF2x3Loader<Cfg, Geo> ld;
  ld.init(p, k0, p0, tiles_h, tiles_w, tiles);

  // This thread's GEMM: component `comp`, output channels (tk, groups of 4
  // kSpacingK apart) x tiles (tp, likewise).
  const int tid = threadIdx.x;
  const int comp = tid / Cfg::kThreadsPerComp;
  const int t_in = tid % Cfg::kThreadsPerComp;
  const int tk = t_in / Cfg::kThreadsP, tp = t_in % Cfg::kThreadsP;
  float acc[kTK][kTP];
#pragma unroll
  for (int i = 0; i < kTK; ++i)
#pragma unroll
    for (int j = 0; j < kTP; ++j) acc[i][j] = 0.0f;

  const int chunks = (static_cast<int>(p.in_c) + kBC - 1) / kBC;
  if (chunks > 0) {
    ld.fetch(0, stage_u(0), stage_v(0));
    cp_async_wait<0>();
    ld.transform(stage_v(0));
  }
  __syncthreads();
  for (int s = 0; s < chunks; ++s) {
    const int buf = s & 1;
    const bool more = s + 1 < chunks;
    if (more)
      ld.fetch(s + 1, stage_u(buf ^ 1), stage_v(buf ^ 1));  // in flight during the FMAs below
    const float* su = stage_u(buf) + comp * kBC * kBK + tk * 4;
    const float* sv = stage_v(buf) + comp * kBC * kBP + tp * 4;
#pragma unroll
    for (int c = 0; c < kBC; ++c) {
      float a[kTK], b[kTP];
      detail::load_wino_frag<kTK, kSpacingK>(a, su + c * kBK);
      detail::load_wino_frag<kTP, kSpacingP>(b, sv + c * kBP);
#pragma unroll
      for (int i = 0; i < kTK; ++i)
#pragma unroll
        for (int j = 0; j < kTP; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    if (more) {
      cp_async_wait<0>();
      ld.transform(stage_v(buf ^ 1));
    }
    __syncthreads();
  }

  // Exchange: M[comp][k][p] (pitch kBP) over the stage buffers, which every
  // thread has finished reading (the loop ends with a barrier).
  float* sm = smem;
#pragma unroll
  for (int i = 0; i < kTK; ++i) {
    const int k = (i / 4) * kSpacingK + tk * 4 + i % 4;
#pragma unroll
    for (int g = 0; g < kTP / 4; ++g) {
      const int pl = g * kSpacingP + tp * 4;
      store_float4(
          sm + (comp * kBK + k) * kBP + pl,
          make_float4(acc[i][4 * g], acc[i][4 * g + 1], acc[i][4 * g + 2], acc[i][4 * g + 3]));
    }
  }
  __syncthreads();

  // Output transform: (k, tile) pairs tid, tid + kThreads, ...; a warp takes
  // consecutive tiles of one output channel.
  for (int q = tid; q < kBK * kBP; q += Cfg::kThreads) {
    const int kl = q / kBP, pl = q % kBP;
    const int k = k0 + kl, tile = p0 + pl;
    if (k >= K || tile >= tiles) continue;
    float m[16], y[4];
#pragma unroll
    for (int cp = 0; cp < 16; ++cp) m[cp] = sm[(cp * kBK + kl) * kBP + pl];
    winograd::f2x3_output_transform(m, y);
    int n, ih0, iw0;
    winograd::f2x3_tile_origin(tile, tiles_h, tiles_w, Geo::kPH, Geo::kPW, n, ih0, iw0);
    const int oh0 = ih0 + Geo::kPH, ow0 = iw0 + Geo::kPW;  // the block's first output
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
      for (int j = 0; j < 2; ++j)
        if (oh0 + i < OH && ow0 + j < OW) epi(n, k, oh0 + i, ow0 + j, y[2 * i + j]);
  }
}

}  // namespace cuda
}  // namespace aotc

#endif  // AOTC_CUDA_WINOGRAD_CUH

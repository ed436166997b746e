// conv.cuh: 2-D convolution as an implicit GEMM on the float32 SIMT GEMM core
// (gemm_simt.cuh), full float32 precision: the fallback candidate where cuDNN
// is absent, and the choice for tiny launch-bound convolutions.
//
// For group g the GEMM is  out[pixel, oc] = sum_k im2col(x)[pixel, k] * w[oc, k]
// with pixel = (n, oh, ow) (M = N*OH*OW), oc in the group's OC/groups output
// channels, and k = (c, kh, kw) over the group's C/groups input channels. The
// im2col matrix is never built: the A reader gathers from x with padding,
// stride and dilation. x and w are read through 4 strides each, so NCHW and
// NHWC (channels_last) inputs and weights both work; kChannelsInner picks the
// k order that walks memory contiguously (false: (c, kh, kw), suits NCHW;
// true: (kh, kw, c), suits NHWC).
//
// Launch (Cfg is a SimtGemmConfig such as ConvSimtNchw / ConvSimtNhwc below):
//   grid  = (ceil(OC / groups / kBN), ceil(N*OH*OW / kBM), min(groups, 65535))
//   block = Cfg::kThreads, dynamic shared memory = Cfg::kSmemBytes, wrapper with
//   __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks)
//
// Epilogue contract:
//   __device__ void operator()(int64_t n, int64_t oc, int64_t oh, int64_t ow, float acc) const;
// called exactly once per output element (oc counts over all groups).
#ifndef AOTC_CUDA_CONV_CUH
#define AOTC_CUDA_CONV_CUH

#include "gemm_simt.cuh"

namespace aotc {
namespace cuda {

/// NCHW input: consecutive pixels are adjacent, so A tiles load m-contiguous;
/// 64 pixels x 32 channels per block, 4 x 2 per thread, 256 threads, two
/// blocks per SM. The choice for small, launch-bound convolutions.
using ConvSimtNchw = SimtGemmConfig<64, 32, 16, 4, 2, false, true, 2>;
/// NHWC input with kChannelsInner = true: channels are adjacent.
using ConvSimtNhwc = SimtGemmConfig<64, 32, 16, 4, 2, true, true, 2>;

/// Filter geometry fixed when the kernel is generated (kernel size, stride,
/// padding, dilation are constants of every program aotc compiles): the
/// reduction index splits into (c, kh, kw) by constant divisors, and the
/// window arithmetic folds. Conv2dParams' copies of these fields are then
/// ignored.
template <int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW>
struct ConvGeometry {
  static constexpr bool kFixed = true;
  static constexpr int kKH = KH, kKW = KW, kSH = SH, kSW = SW, kPH = PH, kPW = PW, kDH = DH, kDW = DW;
};
/// Geometry read from Conv2dParams at run time.
struct ConvRuntimeGeometry {
  static constexpr bool kFixed = false;
  static constexpr int kKH = 0, kKW = 0, kSH = 0, kSW = 0, kPH = 0, kPW = 0, kDH = 0, kDW = 0;
};

struct Conv2dParams {
  const void* x;  // [N, C, H, W] through x_stride_*
  const void* w;  // [OC, C / groups, KH, KW] through w_stride_*
  int64_t batch, in_c, in_h, in_w;
  int64_t out_c, out_h, out_w, k_h, k_w;
  int64_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups;
  int64_t x_stride_n, x_stride_c, x_stride_h, x_stride_w;
  int64_t w_stride_o, w_stride_c, w_stride_h, w_stride_w;
};

namespace detail {

// The geometry's value where it is fixed, else Conv2dParams' field.
#define AOTC_CONV_GEO(Geo, field, member) (Geo::kFixed ? static_cast<int64_t>(Geo::member) : p->field)

/// k -> (c, kh, kw) for the group's reduction index.
template <bool kChannelsInner>
AOTC_DEVICE void conv_split_k(int64_t k, int64_t cg, int64_t kh_n, int64_t kw_n, int64_t& c,
                              int64_t& kh, int64_t& kw) {
  const int ki = static_cast<int>(k);
  if constexpr (kChannelsInner) {
    c = ki % static_cast<int>(cg);
    const int r = ki / static_cast<int>(cg);
    kw = r % static_cast<int>(kw_n);
    kh = r / static_cast<int>(kw_n);
  } else {
    kw = ki % static_cast<int>(kw_n);
    const int r = ki / static_cast<int>(kw_n);
    kh = r % static_cast<int>(kh_n);
    c = r / static_cast<int>(kh_n);
  }
}

/// Reader of im2col(x) for one group: row = output pixel, k = (c, kh, kw).
template <class T, bool kChannelsInner, class Geo>
struct Im2colReader {
  const Conv2dParams* p;
  struct Row {
    const T* base;  // x at (n, first channel of the group, 0, 0)
    int ih0, iw0;   // input position of the window's corner (image sizes fit in int)
  };
  AOTC_DEVICE Row row(int64_t g, int64_t m) const {
    const int64_t ow = m % p->out_w;
    const int64_t t = m / p->out_w;
    const int64_t oh = t % p->out_h;
    const int64_t n = t / p->out_h;
    const int64_t cg = p->in_c / p->groups;
    return Row{static_cast<const T*>(p->x) + n * p->x_stride_n + g * cg * p->x_stride_c,
               static_cast<int>(oh * AOTC_CONV_GEO(Geo, stride_h, kSH) - AOTC_CONV_GEO(Geo, pad_h, kPH)),
               static_cast<int>(ow * AOTC_CONV_GEO(Geo, stride_w, kSW) - AOTC_CONV_GEO(Geo, pad_w, kPW))};
  }
  AOTC_DEVICE float load(const Row& r, int64_t k) const {
    int64_t c, kh, kw;
    conv_split_k<kChannelsInner>(k, p->in_c / p->groups, AOTC_CONV_GEO(Geo, k_h, kKH), AOTC_CONV_GEO(Geo, k_w, kKW),
                                 c, kh, kw);
    const int ih = r.ih0 + static_cast<int>(kh * AOTC_CONV_GEO(Geo, dil_h, kDH));
    const int iw = r.iw0 + static_cast<int>(kw * AOTC_CONV_GEO(Geo, dil_w, kDW));
    if (ih < 0 || ih >= p->in_h || iw < 0 || iw >= p->in_w) return 0.0f;
    return to_float(r.base[c * p->x_stride_c + ih * p->x_stride_h + iw * p->x_stride_w]);
  }
};

/// Reader of the weight for one group: row = output channel within the group.
template <class T, bool kChannelsInner, class Geo>
struct ConvWeightReader {
  const Conv2dParams* p;
  struct Row {
    const T* base;
  };
  AOTC_DEVICE Row row(int64_t g, int64_t oc) const {
    const int64_t ocg = p->out_c / p->groups;
    return Row{static_cast<const T*>(p->w) + (g * ocg + oc) * p->w_stride_o};
  }
  AOTC_DEVICE float load(const Row& r, int64_t k) const {
    int64_t c, kh, kw;
    conv_split_k<kChannelsInner>(k, p->in_c / p->groups, AOTC_CONV_GEO(Geo, k_h, kKH), AOTC_CONV_GEO(Geo, k_w, kKW),
                                 c, kh, kw);
    return to_float(r.base[c * p->w_stride_c + kh * p->w_stride_h + kw * p->w_stride_w]);
  }
};

/// GEMM epilogue that maps (group, pixel, oc in group) back to (n, oc, oh, ow).
template <class ConvEpilogue>
struct ConvEpilogueAdapter {
  const Conv2dParams* p;
  const ConvEpilogue* epi;
  AOTC_DEVICE void operator()(int64_t g, int64_t m, int64_t oc, float acc) const {
    const int64_t ow = m % p->out_w;
    const int64_t t = m / p->out_w;
    (*epi)(t / p->out_h, g * (p->out_c / p->groups) + oc, t % p->out_h, ow, acc);
  }
};

#undef AOTC_CONV_GEO

}  // namespace detail

/// Sizes of the implicit GEMM (what the launch grid is computed from).
AOTC_DEVICE int64_t conv2d_gemm_m(const Conv2dParams& p) {
  return p.batch * p.out_h * p.out_w;
}

/// The block's work for a 2-D convolution; T is the element type of x and w.
/// With split.splits > 1 (groups must be 1) the grid's z is the split index:
/// grid = (ceil(OC / kBN), ceil(N*OH*OW / kBM), splits), and each output tile
/// is summed over K in `splits` shares (SplitK; tile = y * gridDim.x + x).
/// Geo: ConvGeometry<...> when the filter geometry is known at generation
/// time (it must then match p's), else ConvRuntimeGeometry.
template <class Cfg, class T, bool kChannelsInner, class Epilogue, class Geo = ConvRuntimeGeometry>
AOTC_DEVICE void conv2d_simt(const Conv2dParams& p, const Epilogue& epi,
                             const SplitK& split = SplitK{nullptr, nullptr, 1}) {
  const detail::Im2colReader<T, kChannelsInner, Geo> ra{&p};
  const detail::ConvWeightReader<T, kChannelsInner, Geo> rb{&p};
  const detail::ConvEpilogueAdapter<Epilogue> adapter{&p, &epi};
  const int64_t M = p.batch * p.out_h * p.out_w;
  const int64_t N = p.out_c / p.groups;
  const int64_t K = (p.in_c / p.groups) * (Geo::kFixed ? Geo::kKH * Geo::kKW : p.k_h * p.k_w);
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * Cfg::kBM;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * Cfg::kBN;
  if (split.splits > 1) {
    const int64_t tile = static_cast<int64_t>(blockIdx.y) * gridDim.x + blockIdx.x;
    gemm_simt_tile<Cfg>(M, N, K, 0, m0, n0, ra, rb, adapter, split, tile, blockIdx.z);
    return;
  }
  for (int64_t g = blockIdx.z; g < p.groups; g += gridDim.z) {
    gemm_simt_tile<Cfg>(M, N, K, g, m0, n0, ra, rb, adapter);
  }
}


// ------------------------------------------- conv2d_nchw: the fast float32 path

/// Tile configuration of conv2d_nchw: kBM output pixels x kBN output channels
/// per block, kTM x kTN per thread, kBK-deep k slices, double-buffered.
/// Every thread loads its im2col values from one output pixel (kThreads is a
/// multiple of kBM) and its weights at one k offset (a multiple of kBK).
template <int kBM_, int kBN_, int kBK_, int kTM_, int kTN_, int kMinBlocks_ = 2>
struct ConvNchwConfig {
  static constexpr int kBM = kBM_, kBN = kBN_, kBK = kBK_, kTM = kTM_, kTN = kTN_;
  static constexpr int kThreadsN = kBN / kTN;
  static constexpr int kThreads = (kBM / kTM) * kThreadsN;
  static constexpr int kPitchA = kBM + 4, kPitchB = kBN + 4;  // 16-byte rows, fewer bank conflicts
  static constexpr int kLoadsA = kBM * kBK / kThreads, kLoadsB = kBN * kBK / kThreads;
  static constexpr int kSmemBytes = 2 * kBK * (kPitchA + kPitchB) * 4;
  static constexpr int kMinBlocks = kMinBlocks_;
  static_assert(kBM % kTM == 0 && kBN % kTN == 0, "tile must divide into thread blocks");
  static_assert(kThreads % kWarpSize == 0 && kThreads <= 1024, "bad thread count");
  static_assert(kThreads % kBM == 0 && kThreads % kBK == 0, "one pixel and one k offset per thread");
  static_assert(kBM * kBK % kThreads == 0 && kBN * kBK % kThreads == 0, "equal loads per thread");
  static_assert(kSmemBytes <= 48 * 1024, "under the default shared-memory limit");
};

/// 64 pixels x 64 channels, 4 x 4 per thread, three blocks per SM: the
/// default. (128 x 64 tiles, 8 x 4 or 8 x 8 per thread, were measured
/// slower at nearly every ResNet-18 size on an H200: fewer blocks, more
/// registers; docs/cuda-kernels.md.)
using ConvNchwMedium = ConvNchwConfig<64, 64, 16, 4, 4, 3>;
/// 64 x 64, 8 x 4 per thread in 128 threads: on an H200 5-9% faster than
/// ConvNchwMedium where there are many tiles and a long K (ResNet-18's 3x3
/// convolutions at batch 32) and slower at batch 2 (aotc_launch.h,
/// conv_tall_tiles).
using ConvNchwMediumTall = ConvNchwConfig<64, 64, 16, 8, 4, 4>;
/// 64 x 32, 4 x 2 per thread: twice the blocks, for few output channels or
/// where 64 x 64 tiles leave SMs idle.
using ConvNchwSmall = ConvNchwConfig<64, 32, 16, 4, 2, 3>;
// The generator passes kChannelBlocks for C % 16 == 0 (CudaEmitConv.cpp).
static_assert(ConvNchwSmall::kBK == 16 && ConvNchwMedium::kBK == 16 && ConvNchwMediumTall::kBK == 16,
              "channel blocks of 16");

namespace detail {
/// A read-only load widened to float (through the non-coherent cache for float).
template <class T>
AOTC_DEVICE float load_ro(const T* p) {
  return to_float(*p);
}
AOTC_DEVICE float load_ro(const float* p) { return __ldg(p); }

/// Global-to-shared copies of conv2d_nchw's operand slices. Each thread gathers its im2col values from
/// one output pixel (one window corner) at k offsets kThreads / kBM apart, and
/// its weights at one k offset for output channels kThreads / kBK apart.
/// Slices are stored k-major: a[k][pixel] with pitch Cfg::kPitchA, b[k][oc]
/// with pitch Cfg::kPitchB. fetch() issues the loads into registers, stash()
/// writes them to shared memory (so the loads of slice s+1 fly during slice
/// s's math).
///
/// The reduction order: k = (c, kh, kw) as the weight is stored, or with
/// kChannelBlocks (needs C % kBK == 0) k = (channel block, kh, kw, channel in
/// block): slice s then covers channels [kBK * (s / (KH*KW)), + kBK) at one
/// filter tap s % (KH*KW), so a thread's im2col loads share one window
/// position (one bounds check, one address per slice, not one per value),
/// and the 9 taps of a 3x3 filter re-read the same channels' lines from L1.
/// The weights are then read kH*KW floats apart across a slice.
template <class Cfg, class Geo, class T, bool kChannelBlocks>
struct ConvNchwLoader {
  static constexpr int kBM = Cfg::kBM, kBK = Cfg::kBK, kThreads = Cfg::kThreads;
  static constexpr int kKHW = Geo::kKH * Geo::kKW;
  static constexpr int kStepA = kThreads / kBM, kStepB = kThreads / kBK;
  static_assert(kThreads % kBM == 0 && kThreads % kBK == 0, "one pixel and one k offset per thread");
  static_assert(kBM * kBK % kThreads == 0 && Cfg::kBN * kBK % kThreads == 0, "equal loads per thread");

  int H, W, K;
  bool a_ok;
  int ih0, iw0;
  const T* xb;
  const T* wrow[Cfg::kLoadsB];
  bool b_ok[Cfg::kLoadsB];
  float stage_a[Cfg::kLoadsA], stage_b[Cfg::kLoadsB];

  AOTC_DEVICE void init(const Conv2dParams& p, int m0, int n0) {
    H = static_cast<int>(p.in_h);
    W = static_cast<int>(p.in_w);
    const int OH = static_cast<int>(p.out_h), OW = static_cast<int>(p.out_w);
    const int M = static_cast<int>(p.batch) * OH * OW;
    const int N = static_cast<int>(p.out_c);
    K = static_cast<int>(p.in_c) * kKHW;
    const int tid = threadIdx.x;
    const int am = m0 + tid % kBM;
    a_ok = am < M;
    const int a_ow = am % OW, a_t = am / OW;
    ih0 = (a_t % OH) * Geo::kSH - Geo::kPH;
    iw0 = a_ow * Geo::kSW - Geo::kPW;
    xb = static_cast<const T*>(p.x) + static_cast<int64_t>(a_ok ? a_t / OH : 0) * (p.in_c * H * W);
#pragma unroll
    for (int i = 0; i < Cfg::kLoadsB; ++i) {
      const int oc = n0 + tid / kBK + i * kStepB;
      b_ok[i] = oc < N;
      wrow[i] = static_cast<const T*>(p.w) + (b_ok[i] ? oc : 0) * K;
    }
  }

  /// Issues the loads of k slice `slice`.
  AOTC_DEVICE void fetch(int slice) {
    const int tid = threadIdx.x;
    const int ak = tid / kBM, bk = tid % kBK;
    const int HW = H * W;
    if constexpr (kChannelBlocks) {
      const int cb = slice / kKHW, tap = slice - cb * kKHW;
      const int kh = tap / Geo::kKW, kw = tap - kh * Geo::kKW;
      const int ih = ih0 + kh * Geo::kDH, iw = iw0 + kw * Geo::kDW;
      const bool in = a_ok && static_cast<unsigned>(ih) < static_cast<unsigned>(H) &&
                      static_cast<unsigned>(iw) < static_cast<unsigned>(W);
      const int c0 = cb * kBK;
      const T* pa = xb + (static_cast<int64_t>(c0 + ak) * HW + (ih * W + iw));
#pragma unroll
      for (int i = 0; i < Cfg::kLoadsA; ++i)
        stage_a[i] = in ? load_ro(pa + static_cast<int64_t>(i * kStepA) * HW) : 0.0f;
      const int kb = (c0 + bk) * kKHW + tap;
#pragma unroll
      for (int i = 0; i < Cfg::kLoadsB; ++i) stage_b[i] = b_ok[i] ? load_ro(wrow[i] + kb) : 0.0f;
      return;
    }
    const int k0 = slice * kBK;
#pragma unroll
    for (int i = 0; i < Cfg::kLoadsA; ++i) {
      const int k = k0 + ak + i * kStepA;
      const int c = k / kKHW, r = k - c * kKHW;
      const int kh = r / Geo::kKW, kw = r - kh * Geo::kKW;
      const int ih = ih0 + kh * Geo::kDH, iw = iw0 + kw * Geo::kDW;
      const bool in = a_ok && k < K && static_cast<unsigned>(ih) < static_cast<unsigned>(H) &&
                      static_cast<unsigned>(iw) < static_cast<unsigned>(W);
      stage_a[i] = in ? load_ro(xb + (static_cast<int64_t>(c) * HW + (ih * W + iw))) : 0.0f;
    }
#pragma unroll
    for (int i = 0; i < Cfg::kLoadsB; ++i) {
      const int k = k0 + bk;
      stage_b[i] = b_ok[i] && k < K ? load_ro(wrow[i] + k) : 0.0f;
    }
  }

  /// Writes the fetched slice to a[kBK][kPitchA] and b[kBK][kPitchB].
  AOTC_DEVICE void stash(float* a, float* b) const {
    const int tid = threadIdx.x;
    const int ak = tid / kBM, bk = tid % kBK;
#pragma unroll
    for (int i = 0; i < Cfg::kLoadsA; ++i) a[(ak + i * kStepA) * Cfg::kPitchA + tid % kBM] = stage_a[i];
#pragma unroll
    for (int i = 0; i < Cfg::kLoadsB; ++i) b[bk * Cfg::kPitchB + tid / kBK + i * kStepB] = stage_b[i];
  }
};

/// The k slices [first, first + count) of split share `part` out of `splits`.
AOTC_DEVICE void split_slices(int K, int kBK, int splits, int part, int& first, int& count) {
  const int total = (K + kBK - 1) / kBK;
  const int per_split = (total + splits - 1) / splits;
  first = part * per_split;
  count = max_of(0, min_of(total, first + per_split) - first);
}
}  // namespace detail

/// The block's work for a 2-D convolution with groups = 1, x contiguous NCHW
/// and w contiguous [OC, C, KH, KW] (their strides in p are not read), filter
/// geometry fixed at generation (Geo = ConvGeometry<...>). Indices inside one
/// image are 32-bit: C * H * W and OC * C * KH * KW must be below 2^31, and so
/// must batch * OH * OW. Grid and split-K as conv2d_simt: grid = (ceil(OC /
/// kBN), ceil(batch * OH * OW / kBM), splits), tile = y * gridDim.x + x. Same
/// epilogue contract. kChannelBlocks (C must be a multiple of Cfg::kBK): the
/// reduction order of ConvNchwLoader that computes one window position per
/// slice; same result up to float32 rounding order.
template <class Cfg, class Geo, class T, bool kChannelBlocks = false, class Epilogue>
AOTC_DEVICE void conv2d_nchw(const Conv2dParams& p, const Epilogue& epi,
                             const SplitK& split = SplitK{nullptr, nullptr, 1}) {
  static_assert(Geo::kFixed, "conv2d_nchw needs the filter geometry at generation time");
  constexpr int kBM = Cfg::kBM, kBN = Cfg::kBN, kBK = Cfg::kBK, kTM = Cfg::kTM, kTN = Cfg::kTN;
  constexpr int kPitchA = Cfg::kPitchA, kPitchB = Cfg::kPitchB;

  float* smem = reinterpret_cast<float*>(dynamic_smem());
  float* sa = smem;                      // [2][kBK][kPitchA]  (im2col^T slices)
  float* sb = smem + 2 * kBK * kPitchA;  // [2][kBK][kPitchB]  (w^T slices)

  const int OH = static_cast<int>(p.out_h), OW = static_cast<int>(p.out_w);
  const int M = static_cast<int>(p.batch) * OH * OW;
  const int N = static_cast<int>(p.out_c);
  const int m0 = static_cast<int>(blockIdx.y) * kBM, n0 = static_cast<int>(blockIdx.x) * kBN;
  const int tid = threadIdx.x;
  detail::ConvNchwLoader<Cfg, Geo, T, kChannelBlocks> ld;
  ld.init(p, m0, n0);

  const int tx = tid % Cfg::kThreadsN, ty = tid / Cfg::kThreadsN;
  float acc[kTM][kTN];
#pragma unroll
  for (int i = 0; i < kTM; ++i)
#pragma unroll
    for (int j = 0; j < kTN; ++j) acc[i][j] = 0.0f;

  const int splits = static_cast<int>(split.splits), part = static_cast<int>(blockIdx.z);
  int first_slice, slices;
  detail::split_slices(ld.K, kBK, splits, part, first_slice, slices);
  if (slices > 0) {
    ld.fetch(first_slice);
    ld.stash(sa, sb);
  }
  __syncthreads();
  for (int s = 0; s < slices; ++s) {
    const int buf = s & 1;
    const bool more = s + 1 < slices;
    if (more) ld.fetch(first_slice + s + 1);  // in flight during the FMAs below
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
    if (more) ld.stash(sa + (buf ^ 1) * kBK * kPitchA, sb + (buf ^ 1) * kBK * kPitchB);
    __syncthreads();
  }

  if (splits > 1) {
    const int64_t tile = static_cast<int64_t>(blockIdx.y) * gridDim.x + blockIdx.x;
    if (!detail::split_k_reduce<kBM * kBN>(acc, split, tile, part,
                                           [&](int i, int j) { return (ty * kTM + i) * kBN + tx * kTN + j; }))
      return;
  }
#pragma unroll
  for (int i = 0; i < kTM; ++i) {
    const int m = m0 + ty * kTM + i;
    if (m >= M) continue;
    const int ow = m % OW, t = m / OW;
    const int oh = t % OH, n = t / OH;
#pragma unroll
    for (int j = 0; j < kTN; ++j) {
      const int oc = n0 + tx * kTN + j;
      if (oc < N) epi(n, oc, oh, ow, acc[i][j]);
    }
  }
}

}  // namespace cuda
}  // namespace aotc

#endif  // AOTC_CUDA_CONV_CUH

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
/// 64 pixels x 32 channels per block, 256 threads, two blocks per SM.
using ConvSimtNchw = SimtGemmConfig<64, 32, 16, 4, 2, false, true, 2>;
/// NHWC input with kChannelsInner = true: channels are adjacent.
using ConvSimtNhwc = SimtGemmConfig<64, 32, 16, 4, 2, true, true, 2>;

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
template <class T, bool kChannelsInner>
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
               static_cast<int>(oh * p->stride_h - p->pad_h),
               static_cast<int>(ow * p->stride_w - p->pad_w)};
  }
  AOTC_DEVICE float load(const Row& r, int64_t k) const {
    int64_t c, kh, kw;
    conv_split_k<kChannelsInner>(k, p->in_c / p->groups, p->k_h, p->k_w, c, kh, kw);
    const int ih = r.ih0 + static_cast<int>(kh * p->dil_h);
    const int iw = r.iw0 + static_cast<int>(kw * p->dil_w);
    if (ih < 0 || ih >= p->in_h || iw < 0 || iw >= p->in_w) return 0.0f;
    return to_float(r.base[c * p->x_stride_c + ih * p->x_stride_h + iw * p->x_stride_w]);
  }
};

/// Reader of the weight for one group: row = output channel within the group.
template <class T, bool kChannelsInner>
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
    conv_split_k<kChannelsInner>(k, p->in_c / p->groups, p->k_h, p->k_w, c, kh, kw);
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

}  // namespace detail

/// Sizes of the implicit GEMM (what the launch grid is computed from).
AOTC_DEVICE int64_t conv2d_gemm_m(const Conv2dParams& p) {
  return p.batch * p.out_h * p.out_w;
}

/// The block's work for a 2-D convolution; T is the element type of x and w.
/// With split.splits > 1 (groups must be 1) the grid's z is the split index:
/// grid = (ceil(OC / kBN), ceil(N*OH*OW / kBM), splits), and each output tile
/// is summed over K in `splits` shares (SplitK; tile = y * gridDim.x + x).
template <class Cfg, class T, bool kChannelsInner, class Epilogue>
AOTC_DEVICE void conv2d_simt(const Conv2dParams& p, const Epilogue& epi,
                             const SplitK& split = SplitK{nullptr, nullptr, 1}) {
  const detail::Im2colReader<T, kChannelsInner> ra{&p};
  const detail::ConvWeightReader<T, kChannelsInner> rb{&p};
  const detail::ConvEpilogueAdapter<Epilogue> adapter{&p, &epi};
  const int64_t M = p.batch * p.out_h * p.out_w;
  const int64_t N = p.out_c / p.groups;
  const int64_t K = (p.in_c / p.groups) * p.k_h * p.k_w;
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

}  // namespace cuda
}  // namespace aotc

#endif  // AOTC_CUDA_CONV_CUH

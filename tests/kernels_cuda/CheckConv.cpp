// CheckConv: GPU check cases for conv2d_simt (implicit GEMM): small_cnn and
// ResNet-18 shapes, NCHW and NHWC, strides, dilation, groups; and for
// conv2d_nchw (filter geometry compiled in) with and without split-K.
// (Winograd F(2x2, 3x3) has its own file, CheckWinograd.cpp.)
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "CheckSupport.h"

namespace aotc::cuda_test {
namespace {

// ----------------------------------------------------------------------- conv

struct ConvCase {
  std::string label, kernel;
  int64_t n, c, h, w, oc, kh, kw, stride, pad, dil, groups;
  bool nhwc;
  int64_t splits = 1;  // conv2d_nchw (conv_fast_*): K split across this many blocks
};

struct SplitKHost {
  CUdeviceptr partials, counters;
  int64_t splits;
};
static_assert(sizeof(SplitKHost) == 24, "mirror of aotc::cuda::SplitK");

void run_conv(Context& c, const ConvCase& cc) {
  if (!selected(c, cc.label, cc.kernel)) return;
  const Kernel& k = c.lib.get(cc.kernel);
  const int64_t cg = cc.c / cc.groups, ocg = cc.oc / cc.groups;
  const int64_t oh = (cc.h + 2 * cc.pad - cc.dil * (cc.kh - 1) - 1) / cc.stride + 1;
  const int64_t ow = (cc.w + 2 * cc.pad - cc.dil * (cc.kw - 1) - 1) / cc.stride + 1;
  auto x = random_tensor(DType::kF32, static_cast<size_t>(cc.n * cc.c * cc.h * cc.w));
  auto wt = random_tensor(DType::kF32, static_cast<size_t>(cc.oc * cg * cc.kh * cc.kw), 0.5);
  auto bias = random_tensor(DType::kF32, static_cast<size_t>(cc.oc));
  auto out = output_tensor(DType::kF32, static_cast<size_t>(cc.n * cc.oc * oh * ow));
  Conv2dParamsHost p{};
  p.x = x->ptr;
  p.w = wt->ptr;
  p.batch = cc.n;
  p.in_c = cc.c;
  p.in_h = cc.h;
  p.in_w = cc.w;
  p.out_c = cc.oc;
  p.out_h = oh;
  p.out_w = ow;
  p.k_h = cc.kh;
  p.k_w = cc.kw;
  p.stride_h = p.stride_w = cc.stride;
  p.pad_h = p.pad_w = cc.pad;
  p.dil_h = p.dil_w = cc.dil;
  p.groups = cc.groups;
  int64_t sn, sc, sh, sw;  // output strides
  if (cc.nhwc) {
    p.x_stride_n = cc.h * cc.w * cc.c;
    p.x_stride_h = cc.w * cc.c;
    p.x_stride_w = cc.c;
    p.x_stride_c = 1;
    p.w_stride_o = cc.kh * cc.kw * cg;
    p.w_stride_h = cc.kw * cg;
    p.w_stride_w = cg;
    p.w_stride_c = 1;
    sn = oh * ow * cc.oc;
    sh = ow * cc.oc;
    sw = cc.oc;
    sc = 1;
  } else {
    p.x_stride_n = cc.c * cc.h * cc.w;
    p.x_stride_c = cc.h * cc.w;
    p.x_stride_h = cc.w;
    p.x_stride_w = 1;
    p.w_stride_o = cg * cc.kh * cc.kw;
    p.w_stride_c = cc.kh * cc.kw;
    p.w_stride_h = cc.kw;
    p.w_stride_w = 1;
    sn = cc.oc * oh * ow;
    sc = oh * ow;
    sh = ow;
    sw = 1;
  }
  Grid grid{ceil_div_u(ocg, k.tile_n), ceil_div_u(cc.n * oh * ow, k.tile_m),
            static_cast<unsigned>(std::min<int64_t>(cc.groups, 65535))};
  // conv2d_nchw takes a SplitK; grid z is the share index.
  const bool fast = cc.kernel.rfind("conv_fast_", 0) == 0;
  SplitKHost split{0, 0, cc.splits};
  std::unique_ptr<Tensor> partials, counters;
  if (fast && cc.splits > 1) {
    const int64_t tiles = static_cast<int64_t>(grid.x) * grid.y;
    partials = std::make_unique<Tensor>();
    partials->allocate(DType::kF32, static_cast<size_t>(tiles * cc.splits * k.tile_m * k.tile_n));
    partials->poison();
    counters = std::make_unique<Tensor>();
    counters->allocate(DType::kF32, static_cast<size_t>(tiles));
    AOTC_CU(drv.cuMemsetD8(counters->ptr, 0, counters->numel * 4));
    split.partials = partials->ptr;
    split.counters = counters->ptr;
  }
  if (fast) grid.z = static_cast<unsigned>(cc.splits);
  auto run = [&](CUstream s) {
    if (fast)
      launch(k, grid, {&p, out->arg(), bias->arg(), &sn, &sc, &sh, &sw, &split}, s);
    else
      launch(k, grid, {&p, out->arg(), bias->arg(), &sn, &sc, &sh, &sw}, s);
  };
  run(c.stream);
  AOTC_CU(drv.cuStreamSynchronize(c.stream));
  out->download();

  const size_t count = out->numel;
  const double macs = static_cast<double>(cg * cc.kh * cc.kw);
  const std::vector<size_t> idx0 = pick_indices(count, macs);
  std::vector<size_t> idx(idx0.size());
  std::vector<double> ref(idx0.size());
  parallel_for(idx0.size(), [&](size_t t) {
    // idx0 enumerates (n, oc, oh, ow) logically; map to the storage index.
    const int64_t li = static_cast<int64_t>(idx0[t]);
    const int64_t xo = li % ow, yo = (li / ow) % oh, o = (li / (ow * oh)) % cc.oc,
                  ni = li / (ow * oh * cc.oc);
    const int64_t g = o / ocg;
    double acc = bias->host[static_cast<size_t>(o)];
    for (int64_t ci = 0; ci < cg; ++ci)
      for (int64_t a = 0; a < cc.kh; ++a)
        for (int64_t bb = 0; bb < cc.kw; ++bb) {
          const int64_t ih = yo * cc.stride - cc.pad + a * cc.dil,
                        iw = xo * cc.stride - cc.pad + bb * cc.dil;
          if (ih < 0 || ih >= cc.h || iw < 0 || iw >= cc.w) continue;
          acc += x->host[static_cast<size_t>(ni * p.x_stride_n + (g * cg + ci) * p.x_stride_c +
                                             ih * p.x_stride_h + iw * p.x_stride_w)] *
                 wt->host[static_cast<size_t>(o * p.w_stride_o + ci * p.w_stride_c +
                                              a * p.w_stride_h + bb * p.w_stride_w)];
        }
    ref[t] = acc > 0 ? acc : 0;
    idx[t] = static_cast<size_t>(ni * sn + o * sc + yo * sh + xo * sw);
  });
  Row r;
  r.family = "conv";
  r.label = cc.label;
  r.kernel = cc.kernel;
  r.shape = std::to_string(cc.n) + "x" + std::to_string(cc.c) + "x" + std::to_string(cc.h) + "x" +
            std::to_string(cc.w) + " k" + std::to_string(cc.kh) + " o" + std::to_string(cc.oc) +
            (cc.stride > 1 ? " s" + std::to_string(cc.stride) : "") +
            (cc.groups > 1 ? " g" + std::to_string(cc.groups) : "") +
            (cc.splits > 1 ? " sk" + std::to_string(cc.splits) : "");
  r.dtype = cc.nhwc ? "f32 nhwc" : "f32";
  r.tol = 1e-5;
  r.sampled = idx.size() < count;
  finish(c, r, compare(out->host, idx, ref), run, 2.0 * static_cast<double>(count) * macs, true);
}

}  // namespace

void run_conv_cases(Context& c) {
  const bool full = !c.opt.quick;
  const DType f32 = DType::kF32, bf16 = DType::kBF16, f16 = DType::kF16;
  (void)full;
  (void)f32;
  (void)bf16;
  (void)f16;
  // Convolution.
  std::vector<ConvCase> convs = {
      {"small_cnn c1 b2", "conv_nchw_bias_relu", 2, 3, 32, 32, 16, 3, 3, 1, 1, 1, 1, false},
      {"small_cnn c1 b5", "conv_nchw_bias_relu", 5, 3, 32, 32, 16, 3, 3, 1, 1, 1, 1, false},
      {"small_cnn c2 b2", "conv_nchw_bias_relu", 2, 16, 16, 16, 32, 3, 3, 2, 1, 1, 1, false},
      {"resnet stem b2", "conv_nchw_bias_relu", 2, 3, 224, 224, 64, 7, 7, 2, 3, 1, 1, false},
      {"resnet 3x3 b2", "conv_nchw_bias_relu", 2, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, false},
      {"resnet 3x3 b2", "conv_nhwc_bias_relu", 2, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, true},
      {"depthwise dil2", "conv_nchw_bias_relu", 2, 32, 28, 28, 32, 3, 3, 1, 2, 2, 32, false},
      {"grouped", "conv_nhwc_bias_relu", 2, 32, 15, 17, 48, 3, 3, 2, 1, 1, 4, true},
      // conv2d_nchw, geometry compiled in, as the generator picks for ResNet-18 at batch 2.
      {"resnet 3x3 b2", "conv_fast_3x3_medium", 2, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, false, 4},
      {"resnet 3x3 b2 no-split", "conv_fast_3x3_medium", 2, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, false, 1},
      {"resnet layer4 3x3 b2", "conv_fast_3x3_small", 2, 512, 7, 7, 512, 3, 3, 1, 1, 1, 1, false, 12},
      {"resnet layer4 3x3s2 b2", "conv_fast_3x3s2_small", 2, 256, 14, 14, 512, 3, 3, 2, 1, 1, 1, false, 12},
      {"resnet stem b2", "conv_fast_7x7s2_medium", 2, 3, 224, 224, 64, 7, 7, 2, 3, 1, 1, false, 1},
      {"small_cnn c1 b5", "conv_fast_3x3_small", 5, 3, 32, 32, 16, 3, 3, 1, 1, 1, 1, false, 1},
      {"resnet 3x3 b2", "conv_fast_3x3_tall", 2, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, false, 4},
      {"resnet layer2 3x3 b8", "conv_fast_3x3_tall", 8, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1, false, 1},
      // ResNet-18's layer 3 at batch 2 and 32, layer 1 at batch 32.
      {"resnet layer3 3x3 b2", "conv_fast_3x3_small", 2, 256, 14, 14, 256, 3, 3, 1, 1, 1, 1, false, 6},
      {"resnet 3x3 b32", "conv_fast_3x3_medium", 32, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, false, 1},
      {"resnet layer3 3x3 b32", "conv_fast_3x3_medium", 32, 256, 14, 14, 256, 3, 3, 1, 1, 1, 1, false, 1},
      {"resnet down 1x1s2 b2", "conv_fast_1x1s2_small", 2, 128, 28, 28, 256, 1, 1, 2, 0, 1, 1, false, 4},
      // The same with the channel-block reduction order (conv_fast_cb_*).
      {"resnet 3x3 b2", "conv_fast_cb_3x3_medium", 2, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, false, 4},
      {"resnet 3x3 b2 no-split", "conv_fast_cb_3x3_medium", 2, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, false, 1},
      {"resnet layer3 3x3 b2", "conv_fast_cb_3x3_small", 2, 256, 14, 14, 256, 3, 3, 1, 1, 1, 1, false, 6},
      {"resnet layer4 3x3 b2", "conv_fast_cb_3x3_small", 2, 512, 7, 7, 512, 3, 3, 1, 1, 1, 1, false, 12},
      {"resnet layer4 3x3s2 b2", "conv_fast_cb_3x3s2_small", 2, 256, 14, 14, 512, 3, 3, 2, 1, 1, 1, false, 12},
      {"resnet down 1x1s2 b2", "conv_fast_cb_1x1s2_small", 2, 128, 28, 28, 256, 1, 1, 2, 0, 1, 1, false, 4},
      {"resnet 3x3 b2", "conv_fast_cb_3x3_tall", 2, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, false, 4},
      {"resnet 3x3 b32", "conv_fast_cb_3x3_medium", 32, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, false, 1},
      {"resnet layer3 3x3 b32", "conv_fast_cb_3x3_medium", 32, 256, 14, 14, 256, 3, 3, 1, 1, 1, 1, false, 1},
      {"resnet layer2 3x3 b8", "conv_fast_cb_3x3_tall", 8, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1, false, 1},
      // All four ResNet-18 3x3 stride-1 layers at batch 32, with the preset the
      // generator runs there (cb_tall) and the default (cb_medium), beside
      // CheckWinograd's rows for the same shapes (--filter "3x3 b32").
      {"resnet layer2 3x3 b32", "conv_fast_cb_3x3_medium", 32, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1, false, 1},
      {"resnet layer4 3x3 b32", "conv_fast_cb_3x3_medium", 32, 512, 7, 7, 512, 3, 3, 1, 1, 1, 1, false, 1},
      {"resnet 3x3 b32", "conv_fast_cb_3x3_tall", 32, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, false, 1},
      {"resnet layer2 3x3 b32", "conv_fast_cb_3x3_tall", 32, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1, false, 1},
      {"resnet layer3 3x3 b32", "conv_fast_cb_3x3_tall", 32, 256, 14, 14, 256, 3, 3, 1, 1, 1, 1, false, 1},
      {"resnet layer4 3x3 b32", "conv_fast_cb_3x3_tall", 32, 512, 7, 7, 512, 3, 3, 1, 1, 1, 1, false, 1},
  };
  if (full)
    convs.push_back(
        {"resnet 3x3 b32", "conv_nchw_bias_relu", 32, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1, false});
  for (const ConvCase& cc : convs) run_conv(c, cc);
}

}  // namespace aotc::cuda_test

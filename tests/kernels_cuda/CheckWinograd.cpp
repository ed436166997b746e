// CheckWinograd: GPU check cases for the Winograd F(2x2, 3x3) convolution
// (winograd.cuh): ResNet-18's 3x3 stride-1 convolutions at batch 32 (the
// speed target, next to conv2d_nchw's rows for the same shapes in CheckConv),
// batch 2 and 8, and odd sizes that leave partial edge tiles, partial channel
// chunks and a partial output-channel block.
//
// Each case runs the filter transform kernel first (checked on its own row
// against the float64 G g G^T and compared bit for bit with the compiler's
// host transform, codegen/cuda/WinogradWeights.h), then the main kernel on
// its output, against the same float64 direct convolution CheckConv uses.
// The main kernel's time excludes the filter transform (a load-time step),
// and its TFLOP/s count direct-convolution FLOPs (2 * C * 9 per output), so
// the rows compare with conv2d_nchw's.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "CheckSupport.h"
#include "codegen/cuda/WinogradWeights.h"

namespace aotc::cuda_test {
namespace {

constexpr const char* kKernel = "conv_wino_3x3_bias_relu";  // pad 1 compiled in
constexpr const char* kFilterKernel = "conv_wino_3x3_bias_relu_filter";
constexpr int64_t kPad = 1;

struct WinoCase {
  std::string label;
  int64_t n, c, h, w, oc;
};

std::string shape_text(const WinoCase& wc) {
  return std::to_string(wc.n) + "x" + std::to_string(wc.c) + "x" + std::to_string(wc.h) + "x" +
         std::to_string(wc.w) + " k3 o" + std::to_string(wc.oc);
}

/// The float64 G g G^T of filter (k, c), component comp (row-major 4x4).
double filter_transform_ref(const std::vector<double>& w, int64_t k, int64_t c, int64_t in_c,
                            int comp) {
  static const double kG[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  const int r = comp / 4, s = comp % 4;
  double acc = 0;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b)
      acc += kG[r][a] * w[static_cast<size_t>((k * in_c + c) * 9 + a * 3 + b)] * kG[s][b];
  return acc;
}

void run_winograd(Context& c, const WinoCase& wc) {
  if (!selected(c, wc.label, kKernel) || !selected(c, wc.label, kFilterKernel)) return;
  const Kernel& k = c.lib.get(kKernel);
  const Kernel& kf = c.lib.get(kFilterKernel);
  const int64_t oh = wc.h + 2 * kPad - 2, ow = wc.w + 2 * kPad - 2;
  const int64_t tiles = wc.n * ((oh + 1) / 2) * ((ow + 1) / 2);
  auto x = random_tensor(DType::kF32, static_cast<size_t>(wc.n * wc.c * wc.h * wc.w));
  auto wt = random_tensor(DType::kF32, static_cast<size_t>(wc.oc * wc.c * 9), 0.5);
  auto bias = random_tensor(DType::kF32, static_cast<size_t>(wc.oc));
  auto u = output_tensor(DType::kF32, static_cast<size_t>(16 * wc.c * wc.oc));
  auto out = output_tensor(DType::kF32, static_cast<size_t>(wc.n * wc.oc * oh * ow));

  // The filter transform: its own row, then the main kernel reads its output.
  int64_t out_c = wc.oc, in_c = wc.c;
  const Grid fgrid{ceil_div_u(wc.oc * wc.c, kf.threads), 1, 1};
  auto run_filter = [&](CUstream s) { launch(kf, fgrid, {wt->arg(), u->arg(), &out_c, &in_c}, s); };
  run_filter(c.stream);
  AOTC_CU(drv.cuStreamSynchronize(c.stream));
  u->download();
  {
    std::vector<float> wf(wt->host.begin(), wt->host.end());
    const std::vector<float> host_u =
        aotc::codegen::winograd_f2x3_transform_weights(wf.data(), wc.oc, wc.c);
    size_t differ = 0;
    std::vector<size_t> idx(u->numel);
    std::vector<double> ref(u->numel);
    for (int64_t kk = 0; kk < wc.oc; ++kk)
      for (int64_t ci = 0; ci < wc.c; ++ci)
        for (int comp = 0; comp < 16; ++comp) {
          const size_t i = static_cast<size_t>(
              aotc::winograd::f2x3_u_index(comp, static_cast<int>(ci), static_cast<int>(kk),
                                           static_cast<int>(wc.c), static_cast<int>(wc.oc)));
          idx[i] = i;
          ref[i] = filter_transform_ref(wt->host, kk, ci, wc.c, comp);
          const float g = static_cast<float>(u->host[i]);
          if (std::memcmp(&g, &host_u[i], 4) != 0) ++differ;
        }
    Row r;
    r.family = "conv";
    r.label = wc.label + " U";
    r.kernel = kFilterKernel;
    r.shape = "o" + std::to_string(wc.oc) + " c" + std::to_string(wc.c);
    r.dtype = "f32";
    r.tol = 1e-6;
    r.note = differ == 0 ? "= host transform" : std::to_string(differ) + " differ from host!";
    ErrorStats e = compare(u->host, idx, ref);
    if (differ != 0) e.rel = std::max(e.rel, 1.0);  // the compiler may use either: they must agree
    finish(c, r, e, run_filter, static_cast<double>(u->numel + wt->numel) * 4, false);
  }

  Conv2dParamsHost p{};
  p.x = x->ptr;
  p.w = u->ptr;  // the transformed weight, not wt
  p.batch = wc.n;
  p.in_c = wc.c;
  p.in_h = wc.h;
  p.in_w = wc.w;
  p.out_c = wc.oc;
  p.out_h = oh;
  p.out_w = ow;
  p.k_h = p.k_w = 3;
  p.stride_h = p.stride_w = 1;
  p.pad_h = p.pad_w = kPad;
  p.dil_h = p.dil_w = 1;
  p.groups = 1;
  int64_t sn = wc.oc * oh * ow, sc = oh * ow, sh = ow, sw = 1;
  // tile_n = output channels per block, tile_m = Winograd tiles per block.
  const Grid grid{ceil_div_u(wc.oc, k.tile_n), ceil_div_u(tiles, k.tile_m), 1};
  auto run = [&](CUstream s) {
    launch(k, grid, {&p, out->arg(), bias->arg(), &sn, &sc, &sh, &sw}, s);
  };
  run(c.stream);
  AOTC_CU(drv.cuStreamSynchronize(c.stream));
  out->download();

  const size_t count = out->numel;
  const double macs = static_cast<double>(wc.c * 9);
  const std::vector<size_t> idx = pick_indices(count, macs);
  std::vector<double> ref(idx.size());
  parallel_for(idx.size(), [&](size_t t) {
    const int64_t li = static_cast<int64_t>(idx[t]);  // contiguous NCHW output
    const int64_t xo = li % ow, yo = (li / ow) % oh, o = (li / (ow * oh)) % wc.oc,
                  ni = li / (ow * oh * wc.oc);
    double acc = bias->host[static_cast<size_t>(o)];
    for (int64_t ci = 0; ci < wc.c; ++ci)
      for (int64_t a = 0; a < 3; ++a)
        for (int64_t b = 0; b < 3; ++b) {
          const int64_t ih = yo - kPad + a, iw = xo - kPad + b;
          if (ih < 0 || ih >= wc.h || iw < 0 || iw >= wc.w) continue;
          acc += x->host[static_cast<size_t>(((ni * wc.c + ci) * wc.h + ih) * wc.w + iw)] *
                 wt->host[static_cast<size_t>((o * wc.c + ci) * 9 + a * 3 + b)];
        }
    ref[t] = acc > 0 ? acc : 0;
  });
  Row r;
  r.family = "conv";
  r.label = wc.label;
  r.kernel = kKernel;
  r.shape = shape_text(wc);
  r.dtype = "f32";
  r.tol = 1e-5;
  r.sampled = idx.size() < count;
  r.note = "direct-conv FLOPs";
  finish(c, r, compare(out->host, idx, ref), run, 2.0 * static_cast<double>(count) * macs, true);
}

}  // namespace

void run_winograd_cases(Context& c) {
  // Labels start with "wino" (--filter wino); the batch-32 ones end like
  // CheckConv's conv2d_nchw rows for the same shapes (--filter "3x3 b32"
  // selects both).
  const std::vector<WinoCase> cases = {
      // ResNet-18's 3x3 stride-1 convolutions at batch 32, layers 1-4.
      {"wino resnet 3x3 b32", 32, 64, 56, 56, 64},
      {"wino resnet layer2 3x3 b32", 32, 128, 28, 28, 128},
      {"wino resnet layer3 3x3 b32", 32, 256, 14, 14, 256},
      {"wino resnet layer4 3x3 b32", 32, 512, 7, 7, 512},
      // Batch 2 and 8: few blocks; 7x7 leaves a partial tile row and column.
      {"wino resnet 3x3 b2", 2, 64, 56, 56, 64},
      {"wino resnet layer4 3x3 b2", 2, 512, 7, 7, 512},
      {"wino resnet layer2 3x3 b8", 8, 128, 28, 28, 128},
      // Odd everything: partial edge tiles (15x17), a partial channel chunk
      // (C = 20), a partial output-channel block (OC = 44), a partial tile block.
      {"wino odd 15x17 b3", 3, 20, 15, 17, 44},
  };
  for (const WinoCase& wc : cases) run_winograd(c, wc);
}

}  // namespace aotc::cuda_test

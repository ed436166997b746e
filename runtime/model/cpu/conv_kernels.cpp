// Convolution as implicit GEMM for one instruction-set level (compiled once
// per level, see simd.h).
//
// out[n, g] (cout/g x OH*OW) = weight[g] (cout/g x cin/g*kh*kw) @ im2col(x[n, g])
// The im2col matrix is never written out: the GEMM's B packing callback
// (BPacker) builds each kNR-pixel sliver of it straight from the image, so
// the column data makes one trip (image -> packed panel in L2) instead of
// three (image -> column buffer -> packed panel), and no caller scratch is
// needed. Per sliver and kernel tap, a table says where each pixel's input
// lies in a channel plane; with unit strides it becomes a few masked vector
// loads per packed vector, otherwise a gather. Epilogue, tiling and threads
// are the GEMM's.
#include <cstdint>

#include "gemm_blocking.h"
#include "isa_kernels.h"
#include "simd.h"

namespace aotc_cpu::AOTC_CPU_ISA_NS {
namespace {

struct ConvPackCtx {
  const Conv2dArgs* a;
  int64_t group;
  int64_t out_w;
  int64_t sn, sc, sh, sw;  // input strides
};

/// lanes [lo, hi) of one packed vector come from plane[off + lane] (off is
/// relative to the channel plane and may be negative: those lanes are masked).
struct Piece {
  LaneMask mask;
  int64_t off;
};

/// Builds the kNR-pixel slivers of im2col rows [pc, pc + kc). Tap-major: for
/// each kernel tap (ki, kj) it works out once where each pixel's input lies
/// in a channel plane, then fills that tap's row for every channel. With unit
/// strides that is a few contiguous pieces per vector (one masked load
/// each); otherwise a per-pixel offset table (-1: padding) and a gather.
void pack_conv_b(const void* vctx, int64_t img, int64_t pc, int64_t kc, int64_t jc, int64_t nc,
                 float* dst) {
  const ConvPackCtx& x = *static_cast<const ConvPackCtx*>(vctx);
  const Conv2dArgs& a = *x.a;
  const int64_t cin_g = a.in_channels / a.groups;
  const int64_t taps = a.kernel_h * a.kernel_w;
  const void* in = offset_ptr(a.input, a.input_dtype, img * x.sn + x.group * cin_g * x.sc);
  const bool fast = a.input_dtype == DType::kF32 && x.sw == 1 && a.stride_w == 1;

  for (int64_t jr = 0; jr < nc; jr += kNR) {
    const int nr = static_cast<int>(imin(kNR, nc - jr));
    float* d = dst + jr * kc;
    // The sliver's pixels as runs along output rows: pixels [t, t + len)
    // have input row origin h0 and column origin w0 + (pixel - t) * stride_w.
    struct Run {
      int t, len;
      int64_t h0, w0;
    } runs[kNR];
    int nruns = 0;
    for (int t = 0; t < nr;) {
      const int64_t pix = jc + jr + t;
      const int64_t oh = pix / x.out_w;
      const int64_t ow = pix - oh * x.out_w;
      const int len = static_cast<int>(imin(x.out_w - ow, nr - t));
      runs[nruns++] = {t, len, oh * a.stride_h - a.pad_h, ow * a.stride_w - a.pad_w};
      t += len;
    }
    for (int64_t tap = 0; tap < taps; ++tap) {
      // Channels whose row k = c * taps + tap falls in [pc, pc + kc).
      const int64_t c_begin = imax(0, ceil_div(pc - tap, taps));
      const int64_t c_end = imin(cin_g, ceil_div(pc + kc - tap, taps));
      if (c_begin >= c_end) continue;
      const int64_t dh = (tap / a.kernel_w) * a.dilation_h;
      const int64_t dw = (tap % a.kernel_w) * a.dilation_w;
      float* row = d + (c_begin * taps + tap - pc) * kNR;
      const int64_t row_step = taps * kNR;
      if (!fast) {
        int64_t ti[kNR];
        for (int t = 0; t < kNR; ++t) ti[t] = -1;
        for (int r = 0; r < nruns; ++r) {
          const int64_t ih = runs[r].h0 + dh;
          if (ih < 0 || ih >= a.in_h) continue;
          for (int u = 0; u < runs[r].len; ++u) {
            const int64_t iw = runs[r].w0 + u * a.stride_w + dw;
            if (iw >= 0 && iw < a.in_w) ti[runs[r].t + u] = ih * x.sh + iw * x.sw;
          }
        }
        for (int64_t c = c_begin; c < c_end; ++c, row += row_step) {
          const void* plane = offset_ptr(in, a.input_dtype, c * x.sc);
          for (int t = 0; t < kNR; ++t) row[t] = ti[t] >= 0 ? load_scalar(plane, a.input_dtype, ti[t]) : 0.0f;
        }
        continue;
      }
      // Unit strides: each run is one contiguous input span, clipped at the
      // borders and split where it crosses a vector boundary.
      Piece pieces[kNV][kW];
      int npieces[kNV] = {};
      for (int r = 0; r < nruns; ++r) {
        const int64_t ih = runs[r].h0 + dh;
        if (ih < 0 || ih >= a.in_h) continue;
        const int64_t iw0 = runs[r].w0 + dw;
        const int lo = runs[r].t + static_cast<int>(imin(runs[r].len, imax(0, -iw0)));
        const int hi = runs[r].t + static_cast<int>(imax(0, imin(runs[r].len, a.in_w - iw0)));
        // Sliver lane t reads plane[ih * sh + iw0 + (t - runs[r].t)].
        const int64_t off = ih * x.sh + iw0 - runs[r].t;
        for (int t = lo; t < hi;) {
          const int v = t / kW;
          const int end = static_cast<int>(imin(hi, (v + 1) * kW));
          pieces[v][npieces[v]++] = {lane_mask(t - v * kW, end - v * kW), off + v * kW};
          t = end;
        }
      }
      uintptr_t plane = reinterpret_cast<uintptr_t>(in) + static_cast<uintptr_t>(c_begin * x.sc * 4);
      const uintptr_t plane_step = static_cast<uintptr_t>(x.sc * 4);
      bool simple = true;  // at most one piece per vector: the common case
      for (int v = 0; v < kNV; ++v) simple = simple && npieces[v] <= 1;
      if (simple) {
        for (int v = 0; v < kNV; ++v) {
          if (npieces[v] == 0) pieces[v][0] = {lane_mask(0, 0), 0};
        }
        for (int64_t c = c_begin; c < c_end; ++c, row += row_step, plane += plane_step) {
#pragma GCC unroll 4
          for (int v = 0; v < kNV; ++v) {
            const float* src = reinterpret_cast<const float*>(plane + static_cast<uintptr_t>(pieces[v][0].off * 4));
            __builtin_prefetch(src + 2 * x.sc);
            vstore(row + v * kW, vload_lanes(vzero(), src, pieces[v][0].mask));
          }
        }
        continue;
      }
      for (int64_t c = c_begin; c < c_end; ++c, row += row_step, plane += plane_step) {
#pragma GCC unroll 4
        for (int v = 0; v < kNV; ++v) {
          VF acc = vzero();
          for (int r = 0; r < npieces[v]; ++r) {
            const float* src = reinterpret_cast<const float*>(plane + static_cast<uintptr_t>(pieces[v][r].off * 4));
            acc = vload_lanes(acc, src, pieces[v][r].mask);
          }
          vstore(row + v * kW, acc);
        }
      }
    }
  }
}

int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  const int64_t span = in + 2 * p - d * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}

}  // namespace

void conv2d_implicit_gemm(const Conv2dArgs& a, ParallelFor parallel_for) {
  const int64_t oh = out_size(a.in_h, a.kernel_h, a.stride_h, a.pad_h, a.dilation_h);
  const int64_t ow = out_size(a.in_w, a.kernel_w, a.stride_w, a.pad_w, a.dilation_w);
  const int64_t ohw = oh * ow;
  if (a.batch <= 0 || a.out_channels <= 0 || ohw <= 0) return;
  ConvPackCtx ctx;
  ctx.a = &a;
  ctx.out_w = ow;
  const bool contiguous = a.input_strides[0] == 0 && a.input_strides[1] == 0 &&
                          a.input_strides[2] == 0 && a.input_strides[3] == 0;
  ctx.sw = contiguous ? 1 : a.input_strides[3];
  ctx.sh = contiguous ? a.in_w : a.input_strides[2];
  ctx.sc = contiguous ? a.in_h * a.in_w : a.input_strides[1];
  ctx.sn = contiguous ? a.in_channels * a.in_h * a.in_w : a.input_strides[0];
  const int64_t cin_g = a.in_channels / a.groups;
  const int64_t cout_g = a.out_channels / a.groups;
  const int64_t k_rows = cin_g * a.kernel_h * a.kernel_w;
  for (int64_t g = 0; g < a.groups; ++g) {
    ctx.group = g;
    GemmArgs gm;
    gm.batch = a.batch;
    gm.m = cout_g;
    gm.n = ohw;
    gm.k = k_rows;
    gm.a = offset_ptr(a.weight, a.weight_dtype, g * cout_g * k_rows);
    gm.a_dtype = a.weight_dtype;
    gm.a_row_stride = k_rows;
    gm.a_col_stride = 1;
    const int64_t out_off = g * cout_g * ohw;
    gm.c = offset_ptr(a.output, a.output_dtype, out_off);
    gm.c_dtype = a.output_dtype;
    gm.c_batch_stride = a.out_channels * ohw;
    gm.ldc = ohw;
    gm.epilogue = a.epilogue;
    gm.epilogue.bias_kind = BiasKind::kPerRow;
    if (a.epilogue.bias) gm.epilogue.bias = offset_ptr(a.epilogue.bias, a.epilogue.bias_dtype, g * cout_g);
    if (a.epilogue.residual) {
      gm.epilogue.residual = offset_ptr(a.epilogue.residual, a.epilogue.residual_dtype, out_off);
      gm.residual_ld = ohw;
      gm.residual_batch_stride = a.out_channels * ohw;
    }
    gemm_packed_b(gm, BPacker{&pack_conv_b, &ctx}, parallel_for);
  }
}

}  // namespace aotc_cpu::AOTC_CPU_ISA_NS

// Direct depthwise 2-D convolution for one instruction-set level (compiled
// once per level, see simd.h): groups == in_channels, out_channels =
// multiplier * in_channels, NCHW.
//
// One task is one output plane. Each output row accumulates kernel_h x
// kernel_w shifted input rows into a float32 row buffer: the columns whose
// taps are all inside the input (the interior) run without bounds checks,
// vectorized when the input row is unit-stride and the conv stride is 1; the
// border columns check bounds. The epilogue (bias per channel, residual,
// activation, rounding) runs on each finished row.
#include <cstdint>

#include "epilogue.h"
#include "isa_kernels.h"
#include "simd.h"

namespace aotc_cpu::AOTC_CPU_ISA_NS {
namespace {

struct DwJob {
  const Conv2dArgs* a;
  int64_t out_h;
  int64_t out_w;
  int64_t sn, sc, sh, sw;  // input strides
};

void dw_plane(const DwJob& job, int64_t plane) {
  const Conv2dArgs& a = *job.a;
  const int64_t oc = plane % a.out_channels;
  const int64_t n = plane / a.out_channels;
  const int64_t mult = a.out_channels / a.in_channels;
  const int64_t ic = oc / mult;
  const int64_t oh_n = job.out_h;
  const int64_t ow_n = job.out_w;
  const int64_t kh = a.kernel_h;
  const int64_t kw = a.kernel_w;
  const int64_t H = a.in_h;
  const int64_t W = a.in_w;
  const int64_t s_w = a.stride_w;
  const int64_t d_w = a.dilation_w;
  const int64_t p_w = a.pad_w;
  const void* in = offset_ptr(a.input, a.input_dtype, n * job.sn + ic * job.sc);
  float* acc = detail::thread_buffer(detail::kSlotRow, static_cast<size_t>(ow_n + kW + kh * kw));
  float* wts = acc + ow_n + kW;
  for (int64_t t = 0; t < kh * kw; ++t) wts[t] = load_scalar(a.weight, a.weight_dtype, oc * kh * kw + t);

  // Interior columns: every tap in [0, W).
  int64_t ow_lo = s_w > 0 ? ceil_div(p_w, s_w) : 0;
  int64_t ow_hi = W - 1 + p_w - (kw - 1) * d_w >= 0 ? (W - 1 + p_w - (kw - 1) * d_w) / s_w + 1 : 0;
  ow_hi = imin(ow_hi, ow_n);
  ow_lo = imin(ow_lo, ow_hi);
  const bool vector_ok = job.sw == 1 && s_w == 1;

  const Epilogue& ep = a.epilogue;
  const int64_t plane_elems = oh_n * ow_n;
  void* out_plane = offset_ptr(a.output, a.output_dtype, plane * plane_elems);
  for (int64_t oh = 0; oh < oh_n; ++oh) {
    for (int64_t x = 0; x < ow_n; ++x) acc[x] = 0.0f;
    for (int64_t i = 0; i < kh; ++i) {
      const int64_t ih = oh * a.stride_h - a.pad_h + i * a.dilation_h;
      if (ih < 0 || ih >= H) continue;
      const void* row = offset_ptr(in, a.input_dtype, ih * job.sh);
      for (int64_t j = 0; j < kw; ++j) {
        const float w = wts[i * kw + j];
        const int64_t off = j * d_w - p_w;  // iw = ow * s_w + off
        for (int64_t x = 0; x < ow_lo; ++x) {
          const int64_t iw = x * s_w + off;
          if (iw >= 0 && iw < W) acc[x] += w * load_scalar(row, a.input_dtype, iw * job.sw);
        }
        if (vector_ok) {
          const VF vw = vset1(w);
          int64_t x = ow_lo;
          for (; x + kW <= ow_hi; x += kW) {
            vstore(acc + x, vfma(vw, vload_t(row, a.input_dtype, x + off), vload(acc + x)));
          }
          if (x < ow_hi) {
            const int rem = static_cast<int>(ow_hi - x);
            vstore_n(acc + x, vfma(vw, vload_t_n(row, a.input_dtype, x + off, rem), vload_n(acc + x, rem)), rem);
          }
        } else if (a.input_dtype == DType::kF32) {
          const float* rf = static_cast<const float*>(row);
          for (int64_t x = ow_lo; x < ow_hi; ++x) acc[x] += w * rf[(x * s_w + off) * job.sw];
        } else {
          for (int64_t x = ow_lo; x < ow_hi; ++x) {
            acc[x] += w * load_scalar(row, a.input_dtype, (x * s_w + off) * job.sw);
          }
        }
        for (int64_t x = ow_hi; x < ow_n; ++x) {
          const int64_t iw = x * s_w + off;
          if (iw >= 0 && iw < W) acc[x] += w * load_scalar(row, a.input_dtype, iw * job.sw);
        }
      }
    }
    EpilogueSegment s;
    s.src = acc;
    s.dst = offset_ptr(out_plane, a.output_dtype, oh * ow_n);
    s.dst_dtype = a.output_dtype;
    if (ep.bias) {
      s.bias = offset_ptr(ep.bias, ep.bias_dtype, oc);
      s.bias_dtype = ep.bias_dtype;
    }
    if (ep.residual) {
      s.residual = offset_ptr(ep.residual, ep.residual_dtype, plane * plane_elems + oh * ow_n);
      s.residual_dtype = ep.residual_dtype;
    }
    apply_epilogue(ep, s, ow_n);
  }
}

void dw_tasks(int64_t begin, int64_t end, void* arg) {
  const DwJob& job = *static_cast<const DwJob*>(arg);
  for (int64_t p = begin; p < end; ++p) dw_plane(job, p);
}

int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  const int64_t span = in + 2 * p - d * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}

}  // namespace

void depthwise_conv2d(const Conv2dArgs& a, ParallelFor parallel_for) {
  DwJob job;
  job.a = &a;
  job.out_h = out_size(a.in_h, a.kernel_h, a.stride_h, a.pad_h, a.dilation_h);
  job.out_w = out_size(a.in_w, a.kernel_w, a.stride_w, a.pad_w, a.dilation_w);
  const bool contiguous = a.input_strides[0] == 0 && a.input_strides[1] == 0 &&
                          a.input_strides[2] == 0 && a.input_strides[3] == 0;
  job.sw = contiguous ? 1 : a.input_strides[3];
  job.sh = contiguous ? a.in_w : a.input_strides[2];
  job.sc = contiguous ? a.in_h * a.in_w : a.input_strides[1];
  job.sn = contiguous ? a.in_channels * a.in_h * a.in_w : a.input_strides[0];
  const int64_t planes = a.batch * a.out_channels;
  if (planes <= 0 || job.out_h <= 0 || job.out_w <= 0) return;
  const int64_t work = job.out_h * job.out_w * a.kernel_h * a.kernel_w;
  const int64_t grain = imax(1, 65536 / imax(1, work));
  if (parallel_for && planes > grain) {
    parallel_for(planes, grain, &dw_tasks, &job);
  } else {
    dw_tasks(0, planes, &job);
  }
}

}  // namespace aotc_cpu::AOTC_CPU_ISA_NS

// 2-D pooling, NCHW: max, average, adaptive average and adaptive max.
//
// Baseline code (memory-bound; the compiler vectorizes the inner loops well
// enough): one task is a run of planes, windows follow PyTorch's
// CPU kernels exactly (window clipping, divisors, NaN propagation).
#include <algorithm>
#include <cmath>

#include "aotc_cpu_kernels.h"
#include "dtype_access.h"
#include "internal.h"
#include "parallel.h"

namespace aotc_cpu {
namespace {

using detail::at;
using detail::load_f32;
using detail::store_f32;

/// Floor division (rounds toward negative infinity).
int64_t div_floor(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

void check_pool(const Pool2dArgs& a) {
  AOTC_CPU_CHECK(a.batch >= 0 && a.channels >= 0 && a.in_h >= 0 && a.in_w >= 0,
                 "pool sizes must be >= 0");
  AOTC_CPU_CHECK(a.kernel_h >= 1 && a.kernel_w >= 1 && a.stride_h >= 1 && a.stride_w >= 1 &&
                     a.dilation_h >= 1 && a.dilation_w >= 1 && a.pad_h >= 0 && a.pad_w >= 0,
                 "pool kernel, stride and dilation must be >= 1, padding >= 0");
}

/// Loads a plane as float32 rows when the dtype is not float32.
struct PlaneReader {
  const void* base;
  DType t;
  float operator()(int64_t i) const { return load_f32(base, t, i); }
};

}  // namespace

int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation,
                         bool ceil_mode) {
  int64_t out =
      div_floor(in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0), stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out < 0 ? 0 : out;
}

void max_pool2d(const Pool2dArgs& a, ParallelFor parallel_for) {
  check_pool(a);
  const int64_t oh_n = pool_output_size(a.in_h, a.kernel_h, a.stride_h, a.pad_h, a.dilation_h, a.ceil_mode);
  const int64_t ow_n = pool_output_size(a.in_w, a.kernel_w, a.stride_w, a.pad_w, a.dilation_w, a.ceil_mode);
  const int64_t planes = a.batch * a.channels;
  if (planes == 0 || oh_n == 0 || ow_n == 0) return;
  const int64_t in_plane = a.in_h * a.in_w;
  const int64_t out_plane = oh_n * ow_n;
  detail::parallel_range(parallel_for, planes, detail::grain_for(out_plane * a.kernel_h * a.kernel_w),
                         [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      const PlaneReader in{at(a.input, a.dtype, p * in_plane), a.dtype};
      void* out = at(a.output, a.dtype, p * out_plane);
      for (int64_t oh = 0; oh < oh_n; ++oh) {
        const int64_t h0 = oh * a.stride_h - a.pad_h;
        for (int64_t ow = 0; ow < ow_n; ++ow) {
          const int64_t w0 = ow * a.stride_w - a.pad_w;
          float m = -INFINITY;
          for (int64_t i = 0; i < a.kernel_h; ++i) {
            const int64_t ih = h0 + i * a.dilation_h;
            if (ih < 0 || ih >= a.in_h) continue;
            for (int64_t j = 0; j < a.kernel_w; ++j) {
              const int64_t iw = w0 + j * a.dilation_w;
              if (iw < 0 || iw >= a.in_w) continue;
              const float v = in(ih * a.in_w + iw);
              if (v > m || std::isnan(v)) m = v;
            }
          }
          store_f32(out, a.dtype, oh * ow_n + ow, m);
        }
      }
    }
  });
}

void avg_pool2d(const Pool2dArgs& a, ParallelFor parallel_for) {
  check_pool(a);
  AOTC_CPU_CHECK(a.dilation_h == 1 && a.dilation_w == 1, "avg_pool2d has no dilation");
  const int64_t oh_n = pool_output_size(a.in_h, a.kernel_h, a.stride_h, a.pad_h, 1, a.ceil_mode);
  const int64_t ow_n = pool_output_size(a.in_w, a.kernel_w, a.stride_w, a.pad_w, 1, a.ceil_mode);
  const int64_t planes = a.batch * a.channels;
  if (planes == 0 || oh_n == 0 || ow_n == 0) return;
  const int64_t in_plane = a.in_h * a.in_w;
  const int64_t out_plane = oh_n * ow_n;
  detail::parallel_range(parallel_for, planes, detail::grain_for(out_plane * a.kernel_h * a.kernel_w),
                         [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      const PlaneReader in{at(a.input, a.dtype, p * in_plane), a.dtype};
      void* out = at(a.output, a.dtype, p * out_plane);
      for (int64_t oh = 0; oh < oh_n; ++oh) {
        for (int64_t ow = 0; ow < ow_n; ++ow) {
          int64_t h0 = oh * a.stride_h - a.pad_h;
          int64_t w0 = ow * a.stride_w - a.pad_w;
          int64_t h1 = std::min(h0 + a.kernel_h, a.in_h + a.pad_h);
          int64_t w1 = std::min(w0 + a.kernel_w, a.in_w + a.pad_w);
          const int64_t pool_size = (h1 - h0) * (w1 - w0);
          h0 = std::max<int64_t>(h0, 0);
          w0 = std::max<int64_t>(w0, 0);
          h1 = std::min(h1, a.in_h);
          w1 = std::min(w1, a.in_w);
          if (h0 >= h1 || w0 >= w1) {
            store_f32(out, a.dtype, oh * ow_n + ow, 0.0f);
            continue;
          }
          float sum = 0.0f;
          for (int64_t ih = h0; ih < h1; ++ih) {
            for (int64_t iw = w0; iw < w1; ++iw) sum += in(ih * a.in_w + iw);
          }
          const int64_t div = a.divisor_override != 0 ? a.divisor_override
                              : a.count_include_pad  ? pool_size
                                                     : (h1 - h0) * (w1 - w0);
          store_f32(out, a.dtype, oh * ow_n + ow, sum / static_cast<float>(div));
        }
      }
    }
  });
}

namespace {

/// PyTorch's adaptive window: [floor(i * in / out), ceil((i + 1) * in / out)).
int64_t adaptive_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
int64_t adaptive_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

template <bool kMax>
void adaptive_pool(DType t, const void* input, void* output, int64_t planes, int64_t in_h,
                   int64_t in_w, int64_t out_h, int64_t out_w, ParallelFor parallel_for) {
  AOTC_CPU_CHECK(planes >= 0 && in_h >= 0 && in_w >= 0 && out_h >= 0 && out_w >= 0,
                 "adaptive pool sizes must be >= 0");
  if (planes == 0 || out_h == 0 || out_w == 0) return;
  AOTC_CPU_CHECK(in_h > 0 && in_w > 0, "adaptive pool of an empty input");
  const int64_t in_plane = in_h * in_w;
  const int64_t out_plane = out_h * out_w;
  detail::parallel_range(parallel_for, planes, detail::grain_for(in_plane + out_plane),
                         [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      const PlaneReader in{at(input, t, p * in_plane), t};
      void* out = at(output, t, p * out_plane);
      for (int64_t oh = 0; oh < out_h; ++oh) {
        const int64_t h0 = adaptive_start(oh, in_h, out_h);
        const int64_t h1 = adaptive_end(oh, in_h, out_h);
        for (int64_t ow = 0; ow < out_w; ++ow) {
          const int64_t w0 = adaptive_start(ow, in_w, out_w);
          const int64_t w1 = adaptive_end(ow, in_w, out_w);
          float r = kMax ? -INFINITY : 0.0f;
          for (int64_t ih = h0; ih < h1; ++ih) {
            for (int64_t iw = w0; iw < w1; ++iw) {
              const float v = in(ih * in_w + iw);
              if constexpr (kMax) {
                if (v > r || std::isnan(v)) r = v;
              } else {
                r += v;
              }
            }
          }
          if constexpr (!kMax) r /= static_cast<float>((h1 - h0) * (w1 - w0));
          store_f32(out, t, oh * out_w + ow, r);
        }
      }
    }
  });
}

}  // namespace

void adaptive_avg_pool2d(DType dtype, const void* input, void* output, int64_t planes, int64_t in_h,
                         int64_t in_w, int64_t out_h, int64_t out_w, ParallelFor parallel_for) {
  adaptive_pool<false>(dtype, input, output, planes, in_h, in_w, out_h, out_w, parallel_for);
}

void adaptive_max_pool2d(DType dtype, const void* input, void* output, int64_t planes, int64_t in_h,
                         int64_t in_w, int64_t out_h, int64_t out_w, ParallelFor parallel_for) {
  adaptive_pool<true>(dtype, input, output, planes, in_h, in_w, out_h, out_w, parallel_for);
}

}  // namespace aotc_cpu

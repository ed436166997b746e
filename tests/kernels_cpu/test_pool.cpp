// Pooling against direct loops written from PyTorch's documented semantics:
// output sizes (floor / ceil mode), max with dilation and NaN, average with
// count_include_pad / divisor_override / ceil-mode windows, adaptive windows.
#include <cmath>
#include <limits>
#include <vector>

#include "test_util.h"

namespace {

using aotc_cpu::DType;
using kt::Tensor;

/// PyTorch's pooling_output_shape, written independently.
int64_t ref_out(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  const double span = static_cast<double>(in + 2 * p - d * (k - 1) - 1);
  int64_t out = static_cast<int64_t>(ceil_mode ? std::ceil(span / s) : std::floor(span / s)) + 1;
  // The last window must start inside the input or the left padding.
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

struct PoolCase {
  int64_t n = 2, c = 3, h = 9, w = 8, kh = 3, kw = 2, sh = 2, sw = 1, ph = 1, pw = 1, dh = 1, dw = 1;
  bool ceil = false, include_pad = true;
  int64_t divisor = 0;
  DType t = DType::kF32;
};

void run_max(const PoolCase& c, bool with_nan) {
  INFO("max " << c.h << "x" << c.w << " k" << c.kh << "x" << c.kw << " s" << c.sh << "," << c.sw << " p" << c.ph
              << "," << c.pw << " d" << c.dh << "," << c.dw << " ceil " << c.ceil << " " << kt::dtype_name(c.t));
  const int64_t oh = ref_out(c.h, c.kh, c.sh, c.ph, c.dh, c.ceil);
  const int64_t ow = ref_out(c.w, c.kw, c.sw, c.pw, c.dw, c.ceil);
  CHECK(aotc_cpu::pool_output_size(c.h, c.kh, c.sh, c.ph, c.dh, c.ceil) == oh);
  Tensor x = kt::random_tensor(c.t, c.n * c.c * c.h * c.w, -3.0f, -1.0f);  // all negative: padding must not win
  if (with_nan) kt::set(x, 5, NAN);
  Tensor y = kt::make_tensor(c.t, c.n * c.c * oh * ow);
  aotc_cpu::Pool2dArgs a;
  a.batch = c.n;
  a.channels = c.c;
  a.in_h = c.h;
  a.in_w = c.w;
  a.input = x.data();
  a.output = y.data();
  a.dtype = c.t;
  a.kernel_h = c.kh;
  a.kernel_w = c.kw;
  a.stride_h = c.sh;
  a.stride_w = c.sw;
  a.pad_h = c.ph;
  a.pad_w = c.pw;
  a.dilation_h = c.dh;
  a.dilation_w = c.dw;
  a.ceil_mode = c.ceil;
  aotc_cpu::max_pool2d(a, &kt::threaded_parallel_for);
  kt::Checker check("max_pool2d");
  for (int64_t pl = 0; pl < c.n * c.c; ++pl) {
    for (int64_t i = 0; i < oh; ++i) {
      for (int64_t j = 0; j < ow; ++j) {
        double m = -std::numeric_limits<double>::infinity();
        for (int64_t ki = 0; ki < c.kh; ++ki) {
          for (int64_t kj = 0; kj < c.kw; ++kj) {
            const int64_t ih = i * c.sh - c.ph + ki * c.dh, iw = j * c.sw - c.pw + kj * c.dw;
            if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
            const double v = x.at((pl * c.h + ih) * c.w + iw);
            if (std::isnan(v) || std::isnan(m)) {
              m = NAN;
            } else {
              m = std::max(m, v);
            }
          }
        }
        const int64_t yi = (pl * oh + i) * ow + j;
        check(yi, y.at(yi), m, 0.0);
      }
    }
  }
  check.done();
}

void run_avg(const PoolCase& c) {
  INFO("avg " << c.h << "x" << c.w << " k" << c.kh << "x" << c.kw << " s" << c.sh << "," << c.sw << " p" << c.ph
              << "," << c.pw << " ceil " << c.ceil << " include_pad " << c.include_pad << " divisor "
              << c.divisor << " " << kt::dtype_name(c.t));
  const int64_t oh = ref_out(c.h, c.kh, c.sh, c.ph, 1, c.ceil);
  const int64_t ow = ref_out(c.w, c.kw, c.sw, c.pw, 1, c.ceil);
  Tensor x = kt::random_tensor(c.t, c.n * c.c * c.h * c.w);
  Tensor y = kt::make_tensor(c.t, c.n * c.c * oh * ow);
  aotc_cpu::Pool2dArgs a;
  a.batch = c.n;
  a.channels = c.c;
  a.in_h = c.h;
  a.in_w = c.w;
  a.input = x.data();
  a.output = y.data();
  a.dtype = c.t;
  a.kernel_h = c.kh;
  a.kernel_w = c.kw;
  a.stride_h = c.sh;
  a.stride_w = c.sw;
  a.pad_h = c.ph;
  a.pad_w = c.pw;
  a.ceil_mode = c.ceil;
  a.count_include_pad = c.include_pad;
  a.divisor_override = c.divisor;
  aotc_cpu::avg_pool2d(a, nullptr);
  kt::Checker check("avg_pool2d");
  for (int64_t pl = 0; pl < c.n * c.c; ++pl) {
    for (int64_t i = 0; i < oh; ++i) {
      for (int64_t j = 0; j < ow; ++j) {
        // PyTorch: the window is clipped to the padded input for the
        // count_include_pad divisor, to the input for the sum.
        double sum = 0.0;
        int64_t inside = 0, padded = 0;
        for (int64_t ki = 0; ki < c.kh; ++ki) {
          for (int64_t kj = 0; kj < c.kw; ++kj) {
            const int64_t ih = i * c.sh - c.ph + ki, iw = j * c.sw - c.pw + kj;
            if (ih < c.h + c.ph && iw < c.w + c.pw) ++padded;  // within the padded extent
            if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
            sum += x.at((pl * c.h + ih) * c.w + iw);
            ++inside;
          }
        }
        const double div = c.divisor ? c.divisor : c.include_pad ? padded : inside;
        const double want = inside ? sum / div : 0.0;
        const int64_t yi = (pl * oh + i) * ow + j;
        check(yi, y.at(yi), want, 1e-6 + 1.5 * kt::dtype_eps(c.t) * std::fabs(want) + kt::dtype_abs(c.t));
      }
    }
  }
  check.done();
}

}  // namespace

TEST_CASE("max_pool2d", "[pool]") {
  for (bool ceil : {false, true}) {
    for (int64_t d : {1, 2}) {
      PoolCase c;
      c.ceil = ceil;
      c.dh = c.dw = d;
      run_max(c, false);
      c.h = 10;
      c.w = 11;
      c.kh = c.kw = 3;
      c.sh = c.sw = 2;
      run_max(c, ceil);
    }
  }
  PoolCase r;  // ResNet stem: 3x3 s2 p1
  r.h = r.w = 16;
  r.kh = r.kw = 3;
  r.sh = r.sw = 2;
  r.t = DType::kBF16;
  run_max(r, false);
  PoolCase one;
  one.h = one.w = 1;
  one.kh = one.kw = 1;
  one.sh = one.sw = 1;
  one.ph = one.pw = 0;
  run_max(one, false);
}

TEST_CASE("avg_pool2d", "[pool]") {
  for (bool ceil : {false, true}) {
    for (bool inc : {false, true}) {
      for (int64_t div : {0, 5}) {
        PoolCase c;
        c.ceil = ceil;
        c.include_pad = inc;
        c.divisor = div;
        c.h = 10;
        c.w = 7;
        c.kh = 3;
        c.kw = 3;
        c.sh = 2;
        c.sw = 2;
        run_avg(c);
      }
    }
  }
  PoolCase f;
  f.t = DType::kF16;
  run_avg(f);
}

TEST_CASE("adaptive pools", "[pool]") {
  struct A {
    int64_t h, w, oh, ow;
  };
  for (const A& s : {A{7, 7, 1, 1}, A{10, 7, 3, 4}, A{5, 5, 7, 3}, A{1, 9, 1, 4}, A{6, 6, 6, 6}}) {
    INFO(s.h << "x" << s.w << " -> " << s.oh << "x" << s.ow);
    const int64_t planes = 6;
    Tensor x = kt::random_tensor(DType::kF32, planes * s.h * s.w);
    std::vector<float> ya(static_cast<size_t>(planes * s.oh * s.ow)), ym(ya.size());
    aotc_cpu::adaptive_avg_pool2d(DType::kF32, x.data(), ya.data(), planes, s.h, s.w, s.oh, s.ow, nullptr);
    aotc_cpu::adaptive_max_pool2d(DType::kF32, x.data(), ym.data(), planes, s.h, s.w, s.oh, s.ow,
                                  &kt::threaded_parallel_for);
    kt::Checker check("adaptive");
    for (int64_t p = 0; p < planes; ++p) {
      for (int64_t i = 0; i < s.oh; ++i) {
        const int64_t h0 = static_cast<int64_t>(std::floor(static_cast<double>(i * s.h) / s.oh));
        const int64_t h1 = static_cast<int64_t>(std::ceil(static_cast<double>((i + 1) * s.h) / s.oh));
        for (int64_t j = 0; j < s.ow; ++j) {
          const int64_t w0 = static_cast<int64_t>(std::floor(static_cast<double>(j * s.w) / s.ow));
          const int64_t w1 = static_cast<int64_t>(std::ceil(static_cast<double>((j + 1) * s.w) / s.ow));
          double sum = 0.0, mx = -INFINITY;
          for (int64_t a = h0; a < h1; ++a) {
            for (int64_t b = w0; b < w1; ++b) {
              const double v = x.at((p * s.h + a) * s.w + b);
              sum += v;
              mx = std::max(mx, v);
            }
          }
          const int64_t yi = (p * s.oh + i) * s.ow + j;
          check(yi, ya[static_cast<size_t>(yi)], sum / static_cast<double>((h1 - h0) * (w1 - w0)), 1e-6);
          check(yi, ym[static_cast<size_t>(yi)], mx, 0.0);
        }
      }
    }
    check.done();
  }
}

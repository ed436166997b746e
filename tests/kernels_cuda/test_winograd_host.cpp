// Host tests (no GPU, no CUDA toolkit) of Winograd F(2x2, 3x3): the
// transforms in codegen/templates/cuda/winograd_f2x3.h that the CUDA kernels
// run, the compiler's host filter transform (codegen/cuda/WinogradWeights.h),
// and a whole convolution on the CPU built from the same functions and the
// same tiling as conv2d_winograd_f2x3 (tile origins, partial edge tiles,
// padding), against direct convolution in float64.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "codegen/cuda/WinogradWeights.h"
#include "codegen/templates/cuda/winograd_f2x3.h"

namespace {

using namespace aotc::winograd;

struct Shape {
  int n, c, h, w, k, pad;
  int out_h() const { return h + 2 * pad - 2; }
  int out_w() const { return w + 2 * pad - 2; }
};

std::vector<float> random_floats(size_t count, std::mt19937& rng, float scale = 1.0f) {
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(count);
  for (float& x : v) x = u(rng);
  return v;
}

/// Direct 3x3 cross-correlation (PyTorch conv2d, stride 1) in float64; NCHW.
std::vector<double> direct_conv(const Shape& s, const std::vector<float>& x,
                                const std::vector<float>& w) {
  const int oh_n = s.out_h(), ow_n = s.out_w();
  std::vector<double> y(static_cast<size_t>(s.n) * s.k * oh_n * ow_n);
  for (int n = 0; n < s.n; ++n)
    for (int k = 0; k < s.k; ++k)
      for (int oh = 0; oh < oh_n; ++oh)
        for (int ow = 0; ow < ow_n; ++ow) {
          double acc = 0;
          for (int c = 0; c < s.c; ++c)
            for (int a = 0; a < 3; ++a)
              for (int b = 0; b < 3; ++b) {
                const int ih = oh - s.pad + a, iw = ow - s.pad + b;
                if (ih < 0 || ih >= s.h || iw < 0 || iw >= s.w) continue;
                acc += static_cast<double>(x[((n * s.c + c) * s.h + ih) * s.w + iw]) *
                       w[(k * s.c + c) * 9 + a * 3 + b];
              }
          y[((static_cast<size_t>(n) * s.k + k) * oh_n + oh) * ow_n + ow] = acc;
        }
  return y;
}

/// The convolution as conv2d_winograd_f2x3 computes it, in float32: U from
/// the host transform, V per (tile, channel) from a zero-padded patch, 16
/// per-component sums over channels, the output transform, and the outputs
/// of partial edge tiles dropped.
std::vector<float> winograd_conv(const Shape& s, const std::vector<float>& x,
                                 const std::vector<float>& w) {
  const std::vector<float> u = aotc::codegen::winograd_f2x3_transform_weights(w.data(), s.k, s.c);
  const int oh_n = s.out_h(), ow_n = s.out_w();
  const int tiles_h = f2x3_tiles(oh_n), tiles_w = f2x3_tiles(ow_n);
  const int tiles = s.n * tiles_h * tiles_w;
  std::vector<float> y(static_cast<size_t>(s.n) * s.k * oh_n * ow_n, NAN);
  for (int p = 0; p < tiles; ++p) {
    int n, ih0, iw0;
    f2x3_tile_origin(p, tiles_h, tiles_w, s.pad, s.pad, n, ih0, iw0);
    std::vector<float> v(static_cast<size_t>(s.c) * 16);
    for (int c = 0; c < s.c; ++c) {
      float d[16];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
          const int ih = ih0 + i, iw = iw0 + j;
          const bool in = ih >= 0 && ih < s.h && iw >= 0 && iw < s.w;
          d[4 * i + j] = in ? x[((n * s.c + c) * s.h + ih) * s.w + iw] : 0.0f;
        }
      f2x3_input_transform(d);
      for (int e = 0; e < 16; ++e) v[static_cast<size_t>(c) * 16 + e] = d[e];
    }
    for (int k = 0; k < s.k; ++k) {
      float m[16] = {}, out[4];
      for (int comp = 0; comp < 16; ++comp)
        for (int c = 0; c < s.c; ++c)
          m[comp] = std::fma(u[static_cast<size_t>(f2x3_u_index(comp, c, k, s.c, s.k))],
                             v[static_cast<size_t>(c) * 16 + comp], m[comp]);
      f2x3_output_transform(m, out);
      const int oh0 = ih0 + s.pad, ow0 = iw0 + s.pad;
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j)
          if (oh0 + i < oh_n && ow0 + j < ow_n)
            y[((static_cast<size_t>(n) * s.k + k) * oh_n + oh0 + i) * ow_n + ow0 + j] =
                out[2 * i + j];
    }
  }
  return y;
}

}  // namespace

TEST_CASE("F(2x2 3x3) transforms give the exact 3x3 correlation on small integers", "[winograd]") {
  // Integers in [-8, 8]: every intermediate (halves and quarters of sums of a
  // few such values) is exact in float32, so equality must hold exactly.
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> u(-8, 8);
  for (int trial = 0; trial < 200; ++trial) {
    float g[9], d[16], patch[16], ug[16], m[16], y[4];
    for (float& v : g) v = static_cast<float>(u(rng));
    for (int e = 0; e < 16; ++e) patch[e] = d[e] = static_cast<float>(u(rng));
    f2x3_filter_transform(g, ug);
    f2x3_input_transform(d);
    for (int e = 0; e < 16; ++e) m[e] = ug[e] * d[e];
    f2x3_output_transform(m, y);
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) {
        float ref = 0;
        for (int a = 0; a < 3; ++a)
          for (int b = 0; b < 3; ++b) ref += patch[(i + a) * 4 + j + b] * g[a * 3 + b];
        INFO("trial " << trial << " output " << i << "," << j);
        CHECK(y[2 * i + j] == ref);
      }
  }
}

TEST_CASE("the host filter transform is G g G^T in the [comp][c][k] layout", "[winograd]") {
  static const double kG[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  std::mt19937 rng(11);
  const int k_n = 12, c_n = 5;
  const std::vector<float> w = random_floats(static_cast<size_t>(k_n) * c_n * 9, rng);
  const std::vector<float> u = aotc::codegen::winograd_f2x3_transform_weights(w.data(), k_n, c_n);
  REQUIRE(u.size() == static_cast<size_t>(16 * k_n * c_n));
  // The layout: 16 row-major [C, K] matrices.
  CHECK(f2x3_u_index(0, 0, 1, c_n, k_n) == 1);
  CHECK(f2x3_u_index(0, 1, 0, c_n, k_n) == k_n);
  CHECK(f2x3_u_index(1, 0, 0, c_n, k_n) == c_n * k_n);
  for (int k = 0; k < k_n; ++k)
    for (int c = 0; c < c_n; ++c)
      for (int comp = 0; comp < 16; ++comp) {
        double ref = 0;
        for (int a = 0; a < 3; ++a)
          for (int b = 0; b < 3; ++b)
            ref += kG[comp / 4][a] * w[(k * c_n + c) * 9 + a * 3 + b] * kG[comp % 4][b];
        INFO("k " << k << " c " << c << " comp " << comp);
        CHECK(std::abs(u[static_cast<size_t>(f2x3_u_index(comp, c, k, c_n, k_n))] - ref) <= 1e-6);
      }
}

TEST_CASE("tile origins cover the output with 2x2 blocks, partial at odd edges", "[winograd]") {
  CHECK(f2x3_tiles(56) == 28);
  CHECK(f2x3_tiles(7) == 4);
  CHECK(f2x3_tiles(1) == 1);
  // 2 images of 7x5 outputs (pad 1): 4 x 3 tiles each.
  int n, ih0, iw0;
  f2x3_tile_origin(0, 4, 3, 1, 1, n, ih0, iw0);
  CHECK((n == 0 && ih0 == -1 && iw0 == -1));
  f2x3_tile_origin(11, 4, 3, 1, 1, n, ih0, iw0);  // last tile of image 0: row 3, col 2
  CHECK((n == 0 && ih0 == 5 && iw0 == 3));
  f2x3_tile_origin(13, 4, 3, 1, 1, n, ih0, iw0);  // image 1, row 0, col 1
  CHECK((n == 1 && ih0 == -1 && iw0 == 1));
}

TEST_CASE("a Winograd convolution on the CPU matches direct convolution", "[winograd]") {
  // ResNet-like (even, pad 1), odd sizes (partial edge tiles), pad 0 and 2,
  // a 1x1 image (one partial tile), and a longer reduction.
  const Shape shapes[] = {
      {2, 8, 8, 8, 6, 1}, {1, 5, 7, 7, 4, 1}, {3, 3, 5, 9, 2, 1},  {1, 4, 6, 5, 3, 0},
      {1, 3, 4, 4, 2, 2}, {2, 2, 1, 1, 3, 1}, {1, 64, 7, 7, 8, 1},
  };
  std::mt19937 rng(3);
  for (const Shape& s : shapes) {
    const std::vector<float> x = random_floats(static_cast<size_t>(s.n) * s.c * s.h * s.w, rng);
    const std::vector<float> w = random_floats(static_cast<size_t>(s.k) * s.c * 9, rng, 0.5f);
    const std::vector<double> ref = direct_conv(s, x, w);
    const std::vector<float> got = winograd_conv(s, x, w);
    REQUIRE(got.size() == ref.size());
    double num = 0, den = 0;
    bool all_written = true;
    for (size_t i = 0; i < ref.size(); ++i) {
      if (std::isnan(got[i])) all_written = false;
      num += (got[i] - ref[i]) * (got[i] - ref[i]);
      den += ref[i] * ref[i];
    }
    INFO("n " << s.n << " c " << s.c << " " << s.h << "x" << s.w << " k " << s.k << " pad "
              << s.pad);
    CHECK(all_written);
    // The GPU check holds the kernel to 1e-5 against float64; the algebra in
    // float32 lands near 1e-7.
    CHECK(std::sqrt(num / den) < 2e-6);
  }
}

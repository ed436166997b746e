// Reference evaluation of convolution: 1-d, 2-d and 3-d, batched or not,
// with stride, padding, dilation and groups, and transposed convolution with
// output_padding.
//
// Every case runs as a 3-d convolution (missing spatial dims get size 1,
// kernel 1, stride 1, no padding), in double. The loops put one weight tap
// outermost and slide it over a whole output (or, transposed, input) row in
// the innermost loop, whose bounds are precomputed so that it has no
// branches: direct convolution, no im2col, fast enough for ResNet-18.
#include <array>

#include "eval/EvalSupport.h"

namespace aotc::eval_internal {
namespace {

constexpr size_t kMaxSpatial = 3;

struct ConvGeometry {
  int64_t batch = 1, in_channels = 0, out_channels = 0, groups = 1;
  std::array<int64_t, kMaxSpatial> in{1, 1, 1}, out{1, 1, 1}, kernel{1, 1, 1};
  std::array<int64_t, kMaxSpatial> stride{1, 1, 1}, pad{0, 0, 0}, dilation{1, 1, 1};
};

// The range [lo, hi) of positions o in [0, limit) whose tap o*stride - pad + tap*dilation lands in
// [0, size).
std::pair<int64_t, int64_t> valid_range(int64_t limit, int64_t size, int64_t tap, int64_t stride,
                                        int64_t pad, int64_t dilation) {
  const int64_t shift = tap * dilation - pad;
  int64_t lo = std::max<int64_t>(0, ceil_div(-shift, stride));
  int64_t hi = std::min<int64_t>(limit, ceil_div(size - shift, stride));
  return {lo, std::max(lo, hi)};
}

// For each spatial dim a and tap k, the valid_range of positions; computed
// once per convolution, not once per channel pair. `limit` is the extent the
// positions range over (output forward, input transposed), `size` the other.
using TapRanges = std::array<std::vector<std::pair<int64_t, int64_t>>, kMaxSpatial>;
TapRanges tap_ranges(const ConvGeometry& g, bool transposed) {
  TapRanges r;
  for (size_t a = 0; a < kMaxSpatial; ++a)
    for (int64_t k = 0; k < g.kernel[a]; ++k)
      r[a].push_back(transposed
                         ? valid_range(g.in[a], g.out[a], k, g.stride[a], g.pad[a], g.dilation[a])
                         : valid_range(g.out[a], g.in[a], k, g.stride[a], g.pad[a], g.dilation[a]));
  return r;
}

// y[n, oc, o...] += w[oc, ic, k...] * x[n, g*cin_g + ic, o*stride - pad + k*dilation ...]
void conv_forward(const ConvGeometry& g, const std::vector<double>& x, const std::vector<double>& w,
                  std::vector<double>& y) {
  const int64_t cin_g = g.in_channels / g.groups, cout_g = g.out_channels / g.groups;
  const int64_t in_plane = g.in[0] * g.in[1] * g.in[2], out_plane = g.out[0] * g.out[1] * g.out[2];
  const int64_t taps = g.kernel[0] * g.kernel[1] * g.kernel[2];
  const TapRanges ranges = tap_ranges(g, false);
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t oc = 0; oc < g.out_channels; ++oc) {
      const int64_t group = oc / cout_g;
      double* yp = y.data() + (n * g.out_channels + oc) * out_plane;
      for (int64_t ic = 0; ic < cin_g; ++ic) {
        const double* xp = x.data() + (n * g.in_channels + group * cin_g + ic) * in_plane;
        const double* wp = w.data() + (oc * cin_g + ic) * taps;
        for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
          const auto [d_lo, d_hi] = ranges[0][static_cast<size_t>(kd)];
          for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
            const auto [h_lo, h_hi] = ranges[1][static_cast<size_t>(kh)];
            for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
              const auto [w_lo, w_hi] = ranges[2][static_cast<size_t>(kw)];
              const double tap = wp[(kd * g.kernel[1] + kh) * g.kernel[2] + kw];
              const int64_t w_shift = kw * g.dilation[2] - g.pad[2];
              for (int64_t od = d_lo; od < d_hi; ++od) {
                const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dilation[0];
                for (int64_t oh = h_lo; oh < h_hi; ++oh) {
                  const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dilation[1];
                  const double* xr = xp + (id * g.in[1] + ih) * g.in[2];
                  double* yr = yp + (od * g.out[1] + oh) * g.out[2];
                  for (int64_t ow = w_lo; ow < w_hi; ++ow)
                    yr[ow] += tap * xr[ow * g.stride[2] + w_shift];
                }
              }
            }
          }
        }
      }
    }
  }
}

// The adjoint: y[n, g*cout_g + oc, i*stride - pad + k*dilation ...] += w[ic, oc, k...] * x[n, ic,
// i...]
void conv_transposed(const ConvGeometry& g, const std::vector<double>& x,
                     const std::vector<double>& w, std::vector<double>& y) {
  const int64_t cin_g = g.in_channels / g.groups, cout_g = g.out_channels / g.groups;
  const int64_t in_plane = g.in[0] * g.in[1] * g.in[2], out_plane = g.out[0] * g.out[1] * g.out[2];
  const int64_t taps = g.kernel[0] * g.kernel[1] * g.kernel[2];
  const TapRanges ranges = tap_ranges(g, true);
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t ic = 0; ic < g.in_channels; ++ic) {
      const int64_t group = ic / cin_g;
      const double* xp = x.data() + (n * g.in_channels + ic) * in_plane;
      for (int64_t oc = 0; oc < cout_g; ++oc) {
        double* yp = y.data() + (n * g.out_channels + group * cout_g + oc) * out_plane;
        const double* wp = w.data() + (ic * cout_g + oc) * taps;
        for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
          const auto [d_lo, d_hi] = ranges[0][static_cast<size_t>(kd)];
          for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
            const auto [h_lo, h_hi] = ranges[1][static_cast<size_t>(kh)];
            for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
              const auto [w_lo, w_hi] = ranges[2][static_cast<size_t>(kw)];
              const double tap = wp[(kd * g.kernel[1] + kh) * g.kernel[2] + kw];
              const int64_t w_shift = kw * g.dilation[2] - g.pad[2];
              for (int64_t id = d_lo; id < d_hi; ++id) {
                const int64_t od = id * g.stride[0] - g.pad[0] + kd * g.dilation[0];
                for (int64_t ih = h_lo; ih < h_hi; ++ih) {
                  const int64_t oh = ih * g.stride[1] - g.pad[1] + kh * g.dilation[1];
                  const double* xr = xp + (id * g.in[1] + ih) * g.in[2];
                  double* yr = yp + (od * g.out[1] + oh) * g.out[2];
                  for (int64_t iw = w_lo; iw < w_hi; ++iw)
                    yr[iw * g.stride[2] + w_shift] += tap * xr[iw];
                }
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace

Expected<HostTensor> eval_convolution(const EvalContext& ctx) {
  const Node& node = ctx.node;
  const HostTensor& x = ctx.in(0);
  const HostTensor& w = ctx.in(1);
  const HostTensor* bias = ctx.optional_in(2);
  if (w.rank() < 3) return ctx.error("weight must have at least 3 dimensions, got {}", w.rank());
  const size_t nsp = w.rank() - 2;
  if (nsp > kMaxSpatial)
    return ctx.unsupported("{}-d convolution (at most {}-d)", nsp, kMaxSpatial);
  const bool batched = x.rank() == nsp + 2;
  if (!batched && x.rank() != nsp + 1)
    return ctx.error("input rank {} does not fit a {}-d convolution", x.rank(), nsp);
  const bool transposed = node.attr_bool("transposed");
  const auto stride = expand_spatial(node.attr_ints("stride"), nsp, 1);
  const auto padding = expand_spatial(node.attr_ints("padding"), nsp, 0);
  const auto dilation = expand_spatial(node.attr_ints("dilation"), nsp, 1);
  const auto out_pad = expand_spatial(node.attr_ints("output_padding"), nsp, 0);
  if (stride.size() != nsp || padding.size() != nsp || dilation.size() != nsp ||
      out_pad.size() != nsp)
    return ctx.error(
        "stride/padding/dilation/output_padding must have one entry per spatial dimension");

  ConvGeometry g;
  g.groups = node.attr_int("groups");
  g.batch = batched ? x.dim(0) : 1;
  g.in_channels = x.dim(batched ? 1 : 0);
  if (g.groups <= 0 || g.in_channels % g.groups != 0)
    return ctx.error("{} input channels are not divisible into {} groups", g.in_channels, g.groups);
  const int64_t expected_cin = transposed ? w.dim(0) : w.dim(1) * g.groups;
  if (g.in_channels != expected_cin)
    return ctx.error("input has {} channels, weight {} expects {}", g.in_channels,
                     shape_str(w.shape()), expected_cin);
  g.out_channels = transposed ? w.dim(1) * g.groups : w.dim(0);
  if (!transposed && g.out_channels % g.groups != 0)
    return ctx.error("{} output channels are not divisible into {} groups", g.out_channels,
                     g.groups);
  if (bias && (bias->rank() != 1 || bias->dim(0) != g.out_channels))
    return ctx.error("bias has shape {}, expected [{}]", shape_str(bias->shape()), g.out_channels);

  std::vector<int64_t> out_shape;
  if (batched) out_shape.push_back(g.batch);
  out_shape.push_back(g.out_channels);
  const size_t first = kMaxSpatial - nsp;  // spatial dims are right-aligned in the 3-d geometry
  for (size_t i = 0; i < nsp; ++i) {
    const size_t a = first + i;
    g.in[a] = x.dim(x.rank() - nsp + i);
    g.kernel[a] = w.dim(2 + i);
    g.stride[a] = stride[i];
    g.pad[a] = padding[i];
    g.dilation[a] = dilation[i];
    if (stride[i] <= 0 || dilation[i] <= 0 || padding[i] < 0)
      return ctx.error("stride and dilation must be positive, padding non-negative");
    const int64_t span = dilation[i] * (g.kernel[a] - 1) + 1;
    g.out[a] = transposed ? (g.in[a] - 1) * stride[i] - 2 * padding[i] + span + out_pad[i]
                          : floor_div(g.in[a] + 2 * padding[i] - span, stride[i]) + 1;
    if (g.out[a] < 0)
      return ctx.error("spatial dimension {} of the output would be {}", i, g.out[a]);
    out_shape.push_back(g.out[a]);
  }

  const std::vector<double> xv = to_doubles(x), wv = to_doubles(w);
  const int64_t out_plane = g.out[0] * g.out[1] * g.out[2];
  std::vector<double> y(static_cast<size_t>(numel_of(out_shape)), 0.0);
  if (bias) {
    const std::vector<double> bv = to_doubles(*bias);
    for (size_t i = 0; i < y.size(); ++i)
      y[i] = bv[static_cast<size_t>((static_cast<int64_t>(i) / out_plane) % g.out_channels)];
  }
  if (transposed) {
    conv_transposed(g, xv, wv, y);
  } else {
    conv_forward(g, xv, wv, y);
  }
  return from_doubles(ctx.out_dtype(), out_shape, y);
}

}  // namespace aotc::eval_internal

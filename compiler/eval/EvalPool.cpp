// Reference evaluation of pooling over the trailing 1 to 3 spatial dims:
// max_pool (dilation, ceil_mode), avg_pool (ceil_mode, count_include_pad,
// divisor_override), adaptive_avg_pool and adaptive_max_pool.
//
// Window arithmetic follows ATen's CPU kernels: a ceil_mode window must start
// inside the input or its left padding; an avg_pool window counts padding up
// to the padded end (count_include_pad) before clipping to the input; an
// adaptive window i spans [floor(i*in/out), ceil((i+1)*in/out)). Max pools
// propagate NaN.
#include <array>
#include <cmath>
#include <limits>

#include "eval/EvalSupport.h"

namespace aotc::eval_internal {
namespace {

constexpr size_t kMaxSpatial = 3;
using Dims = std::array<int64_t, kMaxSpatial>;

// A window along one dim: input positions origin + t*step for t < taps
// (positions outside the input are skipped), and for avg_pool its size
// counting padding.
struct Window {
  int64_t origin = 0, taps = 0, step = 1, padded_size = 0;
};
using Windows = std::array<Window, kMaxSpatial>;

int64_t pool_out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  const int64_t span = in + 2 * p - d * (k - 1) - 1;
  int64_t out = (ceil_mode ? ceil_div(span, s) : floor_div(span, s)) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

// Runs `f(plane, out_index, windows)` for every output element of a pool over
// the trailing spatial dims; `window(a, o)` gives the window along dim a.
template <typename WindowFn, typename F>
void for_each_window(int64_t planes, const Dims& out, WindowFn window, F f) {
  int64_t k = 0;
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t o0 = 0; o0 < out[0]; ++o0)
      for (int64_t o1 = 0; o1 < out[1]; ++o1)
        for (int64_t o2 = 0; o2 < out[2]; ++o2)
          f(p, k++, Windows{window(0, o0), window(1, o1), window(2, o2)});
}

}  // namespace

Expected<HostTensor> eval_pool(const EvalContext& ctx) {
  const Node& node = ctx.node;
  const HostTensor& x = ctx.in(0);
  const OpId op = node.op();
  const bool adaptive = op == OpId::AdaptiveAvgPool || op == OpId::AdaptiveMaxPool;
  const bool is_max = op == OpId::MaxPool || op == OpId::AdaptiveMaxPool;
  const size_t nsp =
      adaptive ? node.attr_ints("output_size").size() : node.attr_ints("kernel_size").size();
  if (nsp == 0 || nsp > kMaxSpatial)
    return ctx.unsupported("{}-d pooling (1 to {} spatial dims)", nsp, kMaxSpatial);
  if (x.rank() < nsp + 1)
    return ctx.error("input rank {} is too small for {}-d pooling", x.rank(), nsp);

  // Spatial dims are right-aligned in a 3-d geometry; missing ones have size 1.
  const size_t first = kMaxSpatial - nsp;
  Dims in{1, 1, 1}, out{1, 1, 1}, kernel{1, 1, 1}, stride{1, 1, 1}, pad{0, 0, 0}, dilation{1, 1, 1};
  std::vector<int64_t> out_shape(x.shape().begin(), x.shape().end() - static_cast<ptrdiff_t>(nsp));
  for (size_t i = 0; i < nsp; ++i) in[first + i] = x.dim(x.rank() - nsp + i);
  if (adaptive) {
    const auto& os = node.attr_ints("output_size");
    for (size_t i = 0; i < nsp; ++i) {
      if (os[i] < 0) return ctx.error("output_size must be non-negative");
      out[first + i] = os[i];
    }
  } else {
    const auto& ks = node.attr_ints("kernel_size");
    const auto ss =
        node.attr_ints("stride").empty() ? ks : expand_spatial(node.attr_ints("stride"), nsp, 1);
    const auto ps = expand_spatial(node.attr_ints("padding"), nsp, 0);
    const auto ds = op == OpId::MaxPool ? expand_spatial(node.attr_ints("dilation"), nsp, 1)
                                        : std::vector<int64_t>(nsp, 1);
    if (ss.size() != nsp || ps.size() != nsp || ds.size() != nsp)
      return ctx.error("stride/padding/dilation must have one entry per spatial dimension");
    for (size_t i = 0; i < nsp; ++i) {
      const size_t a = first + i;
      kernel[a] = ks[i], stride[a] = ss[i], pad[a] = ps[i], dilation[a] = ds[i];
      if (ks[i] <= 0 || ss[i] <= 0 || ds[i] <= 0 || ps[i] < 0 || 2 * ps[i] > ks[i])
        return ctx.error(
            "needs positive kernel, stride and dilation, and padding at most half the kernel");
      out[a] = pool_out_size(in[a], ks[i], ss[i], ps[i], ds[i], node.attr_bool("ceil_mode"));
      if (out[a] < 0) return ctx.error("spatial dimension {} of the output would be {}", i, out[a]);
    }
  }
  for (size_t i = 0; i < nsp; ++i) out_shape.push_back(out[first + i]);

  const int64_t in_plane = in[0] * in[1] * in[2];
  const int64_t planes =
      in_plane == 0 ? numel_of(std::span<const int64_t>(out_shape).first(out_shape.size() - nsp))
                    : x.numel() / in_plane;
  auto window = [&](size_t a, int64_t o) {
    Window w;
    if (adaptive) {
      w.origin = floor_div(o * in[a], out[a]);
      w.taps = ceil_div((o + 1) * in[a], out[a]) - w.origin;
      w.padded_size = w.taps;
    } else if (is_max) {
      w.origin = o * stride[a] - pad[a];
      w.taps = kernel[a];
      w.step = dilation[a];
    } else {
      const int64_t start = o * stride[a] - pad[a];
      const int64_t end = std::min(start + kernel[a], in[a] + pad[a]);
      w.padded_size = end - start;
      w.origin = std::max<int64_t>(start, 0);
      w.taps = std::max<int64_t>(0, std::min(end, in[a]) - w.origin);
    }
    return w;
  };
  const std::vector<double> v = to_doubles(x);
  // Calls f(input element) for every in-range position of the windows.
  auto visit = [&](int64_t p, const Windows& w, auto&& f) {
    for (int64_t t0 = 0; t0 < w[0].taps; ++t0) {
      const int64_t d0 = w[0].origin + t0 * w[0].step;
      if (d0 < 0 || d0 >= in[0]) continue;
      for (int64_t t1 = 0; t1 < w[1].taps; ++t1) {
        const int64_t d1 = w[1].origin + t1 * w[1].step;
        if (d1 < 0 || d1 >= in[1]) continue;
        for (int64_t t2 = 0; t2 < w[2].taps; ++t2) {
          const int64_t d2 = w[2].origin + t2 * w[2].step;
          if (d2 < 0 || d2 >= in[2]) continue;
          f(v[static_cast<size_t>(p * in_plane + (d0 * in[1] + d1) * in[2] + d2)]);
        }
      }
    }
  };

  std::vector<double> result(static_cast<size_t>(numel_of(out_shape)), 0.0);
  if (is_max) {
    for_each_window(planes, out, window, [&](int64_t p, int64_t k, const Windows& w) {
      double best = -std::numeric_limits<double>::infinity();
      visit(p, w, [&](double e) {
        if (!std::isnan(best) && (std::isnan(e) || e > best)) best = e;
      });
      result[static_cast<size_t>(k)] = best;
    });
  } else {
    const bool include_pad = !adaptive && node.attr_bool("count_include_pad");
    const bool has_override = !adaptive && !node.attr_is_none("divisor_override");
    const int64_t divisor_override = has_override ? node.attr_int("divisor_override") : 0;
    if (has_override && divisor_override == 0)
      return ctx.error("divisor_override must be non-zero");
    for_each_window(planes, out, window, [&](int64_t p, int64_t k, const Windows& w) {
      int64_t count = 1, padded = 1;
      for (const Window& wa : w) {
        count *= wa.taps;
        padded *= wa.padded_size;
      }
      if (count == 0) return;  // an empty window gives 0, as in ATen
      double sum = 0.0;
      visit(p, w, [&](double e) { sum += e; });
      const double divisor = has_override ? static_cast<double>(divisor_override)
                                          : static_cast<double>(include_pad ? padded : count);
      result[static_cast<size_t>(k)] = sum / divisor;
    });
  }
  return from_doubles(ctx.out_dtype(), out_shape, result);
}

}  // namespace aotc::eval_internal

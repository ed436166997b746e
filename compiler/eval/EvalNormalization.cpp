// Reference evaluation of normalizations: softmax, log_softmax, layer_norm,
// group_norm and inference-mode batch_norm, all in double.
//
// Variances are biased (divide by N) and eps sits inside the square root, as
// in ATen; softmax subtracts the lane maximum first.
#include <algorithm>
#include <cmath>

#include "eval/EvalSupport.h"

namespace aotc::eval_internal {
namespace {

Expected<HostTensor> softmax(const EvalContext& ctx, bool log) {
  const HostTensor& x = ctx.in(0);
  int64_t dim = ctx.node.attr_int("dim");
  const int64_t rank = static_cast<int64_t>(x.rank());
  if (dim < 0) dim += std::max<int64_t>(rank, 1);
  if (dim < 0 || dim >= std::max<int64_t>(rank, 1))
    return ctx.error("dim out of range for rank {}", rank);
  const std::vector<int64_t> dims = rank == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{dim};
  const Lanes lanes = make_lanes(x.shape(), dims);
  const std::vector<double> v = to_doubles(x);
  HostTensor out = HostTensor::zeros(ctx.out_dtype(), x.shape());
  for (int64_t l = 0; l < lanes.count; ++l) {
    const int64_t* off = lanes.offsets.data() + l * lanes.len;
    // A NaN anywhere makes the lane NaN; an all -inf lane gives NaN too (exp(-inf - -inf)), as in
    // ATen.
    double m = -INFINITY;
    for (int64_t r = 0; r < lanes.len; ++r) {
      const double e = v[static_cast<size_t>(off[r])];
      m = std::isnan(e) || std::isnan(m) ? NAN : std::max(m, e);
    }
    double sum = 0.0;
    for (int64_t r = 0; r < lanes.len; ++r) sum += std::exp(v[static_cast<size_t>(off[r])] - m);
    for (int64_t r = 0; r < lanes.len; ++r) {
      const double shifted = v[static_cast<size_t>(off[r])] - m;
      out.set(off[r], log ? shifted - std::log(sum) : std::exp(shifted) / sum);
    }
  }
  return out;
}

// Reads an optional per-feature parameter (weight/bias), or a constant fill.
std::vector<double> param_or(const HostTensor* t, int64_t n, double fill) {
  if (!t) return std::vector<double>(static_cast<size_t>(n), fill);
  return to_doubles(*t);
}

// mean and biased variance of v[begin, begin + n)
std::pair<double, double> moments(const std::vector<double>& v, int64_t begin, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += v[static_cast<size_t>(begin + i)];
  const double mean = s / static_cast<double>(n);
  double m2 = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = v[static_cast<size_t>(begin + i)] - mean;
    m2 += d * d;
  }
  return {mean, m2 / static_cast<double>(n)};
}

Expected<HostTensor> layer_norm(const EvalContext& ctx) {
  const HostTensor& x = ctx.in(0);
  const int64_t nd = ctx.node.attr_int("normalized_ndim");
  if (nd <= 0 || nd > static_cast<int64_t>(x.rank()))
    return ctx.error("normalized_ndim {} does not fit rank {}", nd, x.rank());
  const std::span<const int64_t> tail(x.shape().end() - nd, x.shape().end());
  const int64_t inner = numel_of(tail);
  for (size_t i = 1; i < 3; ++i)
    if (const HostTensor* p = ctx.optional_in(i); p && p->numel() != inner)
      return ctx.error("{} has {} elements, expected {}", ctx.node.info().operands[i].name,
                       p->numel(), inner);
  const std::vector<double> w = param_or(ctx.optional_in(1), inner, 1.0);
  const std::vector<double> b = param_or(ctx.optional_in(2), inner, 0.0);
  const double eps = ctx.node.attr_float("eps");
  const std::vector<double> v = to_doubles(x);
  HostTensor out = HostTensor::zeros(ctx.out_dtype(), x.shape());
  const int64_t outer = inner == 0 ? 0 : x.numel() / inner;
  for (int64_t o = 0; o < outer; ++o) {
    auto [mean, var] = moments(v, o * inner, inner);
    const double rstd = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t k = o * inner + i;
      out.set(k, (v[static_cast<size_t>(k)] - mean) * rstd * w[static_cast<size_t>(i)] +
                     b[static_cast<size_t>(i)]);
    }
  }
  return out;
}

// Checks the channel parameters of group_norm / batch_norm: [C] each.
Status check_channel_params(const EvalContext& ctx, int64_t channels) {
  for (size_t i = 1; i < ctx.operands.size(); ++i)
    if (const HostTensor* p = ctx.optional_in(i); p && (p->rank() != 1 || p->dim(0) != channels))
      return ctx.error("{} has shape {}, expected [{}]", ctx.node.info().operands[i].name,
                       shape_str(p->shape()), channels);
  return Status::ok();
}

Expected<HostTensor> group_norm(const EvalContext& ctx) {
  const HostTensor& x = ctx.in(0);
  if (x.rank() < 2) return ctx.error("needs at least 2 dimensions, got {}", x.rank());
  const int64_t n = x.dim(0), c = x.dim(1), groups = ctx.node.attr_int("groups");
  if (groups <= 0 || c % groups != 0)
    return ctx.error("{} channels are not divisible into {} groups", c, groups);
  AOTC_RETURN_IF_ERROR(check_channel_params(ctx, c));
  const int64_t spatial = c == 0 || n == 0 ? 0 : x.numel() / (n * c);
  const int64_t group_size = (c / groups) * spatial;
  const std::vector<double> w = param_or(ctx.optional_in(1), c, 1.0);
  const std::vector<double> b = param_or(ctx.optional_in(2), c, 0.0);
  const double eps = ctx.node.attr_float("eps");
  const std::vector<double> v = to_doubles(x);
  HostTensor out = HostTensor::zeros(ctx.out_dtype(), x.shape());
  for (int64_t ng = 0; ng < n * groups; ++ng) {
    auto [mean, var] = moments(v, ng * group_size, group_size);
    const double rstd = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < group_size; ++i) {
      const int64_t k = ng * group_size + i;
      const size_t ch = static_cast<size_t>((ng % groups) * (c / groups) + i / spatial);
      out.set(k, (v[static_cast<size_t>(k)] - mean) * rstd * w[ch] + b[ch]);
    }
  }
  return out;
}

Expected<HostTensor> batch_norm(const EvalContext& ctx) {
  const HostTensor& x = ctx.in(0);
  if (x.rank() < 2) return ctx.error("needs at least 2 dimensions, got {}", x.rank());
  const int64_t n = x.dim(0), c = x.dim(1);
  AOTC_RETURN_IF_ERROR(check_channel_params(ctx, c));
  const int64_t spatial = c == 0 || n == 0 ? 0 : x.numel() / (n * c);
  const std::vector<double> w = param_or(ctx.optional_in(1), c, 1.0);
  const std::vector<double> b = param_or(ctx.optional_in(2), c, 0.0);
  const std::vector<double> mean = to_doubles(ctx.in(3));
  const std::vector<double> var = to_doubles(ctx.in(4));
  const double eps = ctx.node.attr_float("eps");
  const std::vector<double> v = to_doubles(x);
  HostTensor out = HostTensor::zeros(ctx.out_dtype(), x.shape());
  for (int64_t k = 0; k < x.numel(); ++k) {
    const size_t ch = static_cast<size_t>((k / spatial) % c);
    out.set(k, (v[static_cast<size_t>(k)] - mean[ch]) / std::sqrt(var[ch] + eps) * w[ch] + b[ch]);
  }
  return out;
}

}  // namespace

Expected<HostTensor> eval_normalization(const EvalContext& ctx) {
  switch (ctx.node.op()) {
    case OpId::Softmax:
      return softmax(ctx, false);
    case OpId::LogSoftmax:
      return softmax(ctx, true);
    case OpId::LayerNorm:
      return layer_norm(ctx);
    case OpId::GroupNorm:
      return group_norm(ctx);
    case OpId::BatchNorm:
      return batch_norm(ctx);
    default:
      return ctx.unsupported("no rule for this normalization");
  }
}

}  // namespace aotc::eval_internal

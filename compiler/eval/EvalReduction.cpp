// Reference evaluation of reductions: sum, mean, prod, amax, amin, var, any,
// all over sorted dims; argmax, argmin and cumsum along one dim.
//
// Floating inputs accumulate in double; integer sums, products, extrema and
// cumsums in int64 (exact, wrapping like PyTorch's int64 kernels). NaN
// propagates through amax/amin, and argmax/argmin return the first NaN, as
// PyTorch does.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "eval/EvalSupport.h"

namespace aotc::eval_internal {
namespace {

std::vector<int64_t> reduced_shape(std::span<const int64_t> in, std::span<const int64_t> dims,
                                   bool keepdim) {
  std::vector<int64_t> out;
  for (size_t d = 0; d < in.size(); ++d) {
    bool reduced = std::find(dims.begin(), dims.end(), static_cast<int64_t>(d)) != dims.end();
    if (!reduced) {
      out.push_back(in[d]);
    } else if (keepdim) {
      out.push_back(1);
    }
  }
  return out;
}

// argmax (want_max) or argmin of lane values; the first NaN wins, then the first extreme.
template <typename T>
int64_t arg_extreme(const std::vector<T>& v, const Lanes& lanes, int64_t lane, bool want_max) {
  const int64_t* off = lanes.offsets.data() + lane * lanes.len;
  int64_t best = 0;
  T best_v = v[static_cast<size_t>(off[0])];
  for (int64_t r = 1; r < lanes.len; ++r) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(best_v)) break;
    }
    T x = v[static_cast<size_t>(off[r])];
    bool better = want_max ? x > best_v : x < best_v;
    if constexpr (std::is_floating_point_v<T>) better = better || std::isnan(x);
    if (better) {
      best = r;
      best_v = x;
    }
  }
  return best;
}

Expected<HostTensor> eval_one_dim(const EvalContext& ctx) {
  const Node& node = ctx.node;
  const HostTensor& x = ctx.in(0);
  const int64_t dim = node.attr_int("dim");
  const bool scalar = x.rank() == 0;
  if (scalar ? dim != 0 : (dim < 0 || dim >= static_cast<int64_t>(x.rank())))
    return ctx.error("dim {} out of range for rank {}", dim, x.rank());
  const std::vector<int64_t> dims = scalar ? std::vector<int64_t>{} : std::vector<int64_t>{dim};
  const Lanes lanes = make_lanes(x.shape(), dims);
  const bool floating = is_floating(x.dtype());

  if (node.op() == OpId::Cumsum) {
    HostTensor out = HostTensor::zeros(ctx.out_dtype(), x.shape());
    if (floating) {
      const std::vector<double> v = to_doubles(x);
      for (int64_t l = 0; l < lanes.count; ++l) {
        double acc = 0.0;
        for (int64_t r = 0; r < lanes.len; ++r) {
          int64_t off = lanes.offsets[static_cast<size_t>(l * lanes.len + r)];
          acc += v[static_cast<size_t>(off)];
          out.set(off, acc);
        }
      }
    } else {
      const std::vector<int64_t> v = to_ints(x);
      for (int64_t l = 0; l < lanes.count; ++l) {
        uint64_t acc = 0;
        for (int64_t r = 0; r < lanes.len; ++r) {
          int64_t off = lanes.offsets[static_cast<size_t>(l * lanes.len + r)];
          acc += static_cast<uint64_t>(v[static_cast<size_t>(off)]);
          out.set_int(off, static_cast<int64_t>(acc));
        }
      }
    }
    return out;
  }

  // argmax / argmin
  if (lanes.len == 0 && lanes.count > 0)
    return ctx.error("cannot take the arg-extreme of an empty dimension");
  const bool want_max = node.op() == OpId::Argmax;
  std::vector<int64_t> out_shape =
      scalar ? std::vector<int64_t>{} : reduced_shape(x.shape(), dims, node.attr_bool("keepdim"));
  HostTensor out = HostTensor::zeros(ctx.out_dtype(), out_shape);
  if (floating) {
    const std::vector<double> v = to_doubles(x);
    for (int64_t l = 0; l < lanes.count; ++l) out.set_int(l, arg_extreme(v, lanes, l, want_max));
  } else {
    const std::vector<int64_t> v = to_ints(x);
    for (int64_t l = 0; l < lanes.count; ++l) out.set_int(l, arg_extreme(v, lanes, l, want_max));
  }
  return out;
}

}  // namespace

Expected<HostTensor> eval_reduction(const EvalContext& ctx) {
  const Node& node = ctx.node;
  OpId op = node.op();
  if (op == OpId::Argmax || op == OpId::Argmin || op == OpId::Cumsum) return eval_one_dim(ctx);

  const HostTensor& x = ctx.in(0);
  const std::vector<int64_t>& attr_dims = node.attr_ints("dims");
  const int64_t rank = static_cast<int64_t>(x.rank());
  for (size_t i = 0; i < attr_dims.size(); ++i) {
    if (attr_dims[i] < 0 || attr_dims[i] >= std::max<int64_t>(rank, 1))
      return ctx.error("reduction dim {} out of range for rank {}", attr_dims[i], rank);
    if (i > 0 && attr_dims[i] <= attr_dims[i - 1])
      return ctx.error("reduction dims must be sorted and unique");
  }
  // A 0-d tensor reduces over its one element whatever `dims` names.
  const std::vector<int64_t> dims = rank == 0 ? std::vector<int64_t>{} : attr_dims;
  const Lanes lanes = make_lanes(x.shape(), dims);
  HostTensor out =
      HostTensor::zeros(ctx.out_dtype(), reduced_shape(x.shape(), dims, node.attr_bool("keepdim")));
  auto lane_at = [&](int64_t l, int64_t r) {
    return lanes.offsets[static_cast<size_t>(l * lanes.len + r)];
  };

  if ((op == OpId::Amax || op == OpId::Amin) && lanes.len == 0 && lanes.count > 0)
    return ctx.error("cannot take the {} of an empty dimension", node.info().name);

  const bool integer = !is_floating(x.dtype());
  if (integer && (op == OpId::Sum || op == OpId::Prod || op == OpId::Amax || op == OpId::Amin)) {
    const std::vector<int64_t> v = to_ints(x);
    for (int64_t l = 0; l < lanes.count; ++l) {
      uint64_t acc = op == OpId::Prod ? 1 : 0;  // wraps like int64 hardware arithmetic
      int64_t extreme = lanes.len > 0 ? v[static_cast<size_t>(lane_at(l, 0))] : 0;
      for (int64_t r = 0; r < lanes.len; ++r) {
        int64_t e = v[static_cast<size_t>(lane_at(l, r))];
        if (op == OpId::Sum) acc += static_cast<uint64_t>(e);
        if (op == OpId::Prod) acc *= static_cast<uint64_t>(e);
        if (op == OpId::Amax) extreme = std::max(extreme, e);
        if (op == OpId::Amin) extreme = std::min(extreme, e);
      }
      out.set_int(l, (op == OpId::Sum || op == OpId::Prod) ? static_cast<int64_t>(acc) : extreme);
    }
    return out;
  }

  const std::vector<double> v = to_doubles(x);
  for (int64_t l = 0; l < lanes.count; ++l) {
    const int64_t n = lanes.len;
    auto at = [&](int64_t r) { return v[static_cast<size_t>(lane_at(l, r))]; };
    double result = 0.0;
    switch (op) {
      case OpId::Sum:
      case OpId::Mean: {
        double s = 0.0;
        for (int64_t r = 0; r < n; ++r) s += at(r);
        result = op == OpId::Mean ? s / static_cast<double>(n) : s;  // mean of nothing is NaN
        break;
      }
      case OpId::Prod: {
        result = 1.0;
        for (int64_t r = 0; r < n; ++r) result *= at(r);
        break;
      }
      case OpId::Amax:
      case OpId::Amin: {
        result = at(0);
        for (int64_t r = 1; r < n && !std::isnan(result); ++r) {
          double e = at(r);
          if (std::isnan(e) || (op == OpId::Amax ? e > result : e < result)) result = e;
        }
        break;
      }
      case OpId::Var: {
        // Two passes; the divisor is max(0, N - correction) as in ATen.
        double s = 0.0;
        for (int64_t r = 0; r < n; ++r) s += at(r);
        const double mean = s / static_cast<double>(n);
        double m2 = 0.0;
        for (int64_t r = 0; r < n; ++r) m2 += (at(r) - mean) * (at(r) - mean);
        result = m2 / std::max(0.0, static_cast<double>(n) - node.attr_float("correction"));
        break;
      }
      case OpId::Any: {
        bool any = false;
        for (int64_t r = 0; r < n && !any; ++r) any = at(r) != 0.0;
        result = any;
        break;
      }
      case OpId::All: {
        bool all = true;
        for (int64_t r = 0; r < n && all; ++r) all = at(r) != 0.0;
        result = all;
        break;
      }
      default:
        return ctx.unsupported("no rule for this reduction");
    }
    out.set(l, result);
  }
  return out;
}

}  // namespace aotc::eval_internal

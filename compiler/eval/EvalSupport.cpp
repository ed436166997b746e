// Shared helpers of the reference evaluator: conversions, broadcasting,
// strided copies and reduction lanes (see EvalSupport.h).
#include "eval/EvalSupport.h"

#include <algorithm>
#include <cstring>

#include "support/Check.h"

namespace aotc::eval_internal {

Expected<int64_t> EvalContext::eval_sym(const SymExpr& e, std::string_view what) const {
  if (auto v = e.evaluate(symbols)) return *v;
  std::string unbound;
  for (const std::string& s : e.symbols())
    if (!symbols.contains(s)) unbound += (unbound.empty() ? "" : ", ") + s;
  if (unbound.empty()) return error("{} = {} divides by zero", what, e.to_string());
  return error("{} = {} needs symbol(s) {}, which are not bound", what, e.to_string(), unbound);
}

std::string shape_str(std::span<const int64_t> shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

int64_t numel_of(std::span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::vector<double> to_doubles(const HostTensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = t.get(static_cast<int64_t>(i));
  return v;
}

std::vector<int64_t> to_ints(const HostTensor& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = t.get_int(static_cast<int64_t>(i));
  return v;
}

HostTensor from_doubles(DType dtype, std::vector<int64_t> shape, std::span<const double> values) {
  HostTensor t = HostTensor::zeros(dtype, std::move(shape));
  AOTC_CHECK(static_cast<size_t>(t.numel()) == values.size(),
             "from_doubles: {} values for {} elements", values.size(), t.numel());
  for (size_t i = 0; i < values.size(); ++i) t.set(static_cast<int64_t>(i), values[i]);
  return t;
}

HostTensor from_ints(DType dtype, std::vector<int64_t> shape, std::span<const int64_t> values) {
  HostTensor t = HostTensor::zeros(dtype, std::move(shape));
  AOTC_CHECK(static_cast<size_t>(t.numel()) == values.size(),
             "from_ints: {} values for {} elements", values.size(), t.numel());
  for (size_t i = 0; i < values.size(); ++i) t.set_int(static_cast<int64_t>(i), values[i]);
  return t;
}

void set_scalar(HostTensor& t, int64_t i, const Scalar& s) {
  if (s.is_float()) {
    t.set(i, s.f);
  } else {
    t.set_int(i, s.to_int());
  }
}

void convert_element(const HostTensor& src, int64_t i, HostTensor& dst, int64_t j) {
  if (!is_floating(src.dtype()) && !is_floating(dst.dtype())) {
    dst.set_int(j, src.get_int(i));
  } else {
    dst.set(j, src.get(i));
  }
}

std::vector<int64_t> broadcast_strides(std::span<const int64_t> in_shape,
                                       std::span<const int64_t> out_shape) {
  AOTC_CHECK(in_shape.size() <= out_shape.size(), "broadcasting {} to fewer dims {}",
             shape_str(in_shape), shape_str(out_shape));
  std::vector<int64_t> in_strides = contiguous_strides(in_shape);
  std::vector<int64_t> strides(out_shape.size(), 0);
  const size_t lead = out_shape.size() - in_shape.size();
  for (size_t i = 0; i < in_shape.size(); ++i) {
    AOTC_CHECK(in_shape[i] == out_shape[lead + i] || in_shape[i] == 1,
               "{} does not broadcast to {}", shape_str(in_shape), shape_str(out_shape));
    strides[lead + i] = in_shape[i] == 1 ? 0 : in_strides[i];
  }
  return strides;
}

std::optional<std::vector<int64_t>> broadcast_concrete(
    std::span<const std::vector<int64_t>> shapes) {
  size_t rank = 0;
  for (const auto& s : shapes) rank = std::max(rank, s.size());
  std::vector<int64_t> out(rank, 1);
  for (const auto& s : shapes) {
    const size_t lead = rank - s.size();
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& o = out[lead + i];
      if (s[i] == o || s[i] == 1) continue;
      if (o != 1) return std::nullopt;
      o = s[i];
    }
  }
  return out;
}

HostTensor strided_copy(const HostTensor& src, std::vector<int64_t> shape,
                        std::span<const int64_t> strides, int64_t base) {
  HostTensor out = HostTensor::zeros(src.dtype(), std::move(shape));
  const size_t esize = dtype_size(src.dtype());
  const char* from = static_cast<const char*>(src.data());
  char* to = static_cast<char*>(out.mutable_data());
  const int64_t limit = src.numel();
  for_each_offset(out.shape(), strides, base, [&](int64_t k, int64_t off) {
    AOTC_CHECK(off >= 0 && off < limit, "strided_copy reads offset {} of {}", off, limit);
    std::memcpy(to + static_cast<size_t>(k) * esize, from + static_cast<size_t>(off) * esize,
                esize);
  });
  return out;
}

std::vector<double> broadcast_doubles(const HostTensor& t, std::span<const int64_t> shape) {
  std::vector<int64_t> strides = broadcast_strides(t.shape(), shape);
  std::vector<double> v(static_cast<size_t>(numel_of(shape)));
  for_each_offset(shape, strides, 0,
                  [&](int64_t k, int64_t off) { v[static_cast<size_t>(k)] = t.get(off); });
  return v;
}

std::vector<int64_t> broadcast_ints(const HostTensor& t, std::span<const int64_t> shape) {
  std::vector<int64_t> strides = broadcast_strides(t.shape(), shape);
  std::vector<int64_t> v(static_cast<size_t>(numel_of(shape)));
  for_each_offset(shape, strides, 0,
                  [&](int64_t k, int64_t off) { v[static_cast<size_t>(k)] = t.get_int(off); });
  return v;
}

Lanes make_lanes(std::span<const int64_t> shape, std::span<const int64_t> dims) {
  Lanes lanes;
  if (shape.empty()) {
    lanes.offsets = {0};
    return lanes;
  }
  const std::vector<int64_t> strides = contiguous_strides(shape);
  std::vector<size_t> order;
  for (size_t d = 0; d < shape.size(); ++d)
    if (std::find(dims.begin(), dims.end(), static_cast<int64_t>(d)) == dims.end())
      order.push_back(d);
  const size_t kept = order.size();
  for (int64_t d : dims) {
    AOTC_CHECK(d >= 0 && static_cast<size_t>(d) < shape.size(), "lane dim {} out of range", d);
    order.push_back(static_cast<size_t>(d));
  }
  std::vector<int64_t> pshape, pstrides;
  for (size_t i = 0; i < order.size(); ++i) {
    pshape.push_back(shape[order[i]]);
    pstrides.push_back(strides[order[i]]);
    if (i < kept) {
      lanes.count *= shape[order[i]];
    } else {
      lanes.len *= shape[order[i]];
    }
  }
  lanes.offsets.resize(static_cast<size_t>(numel_of(shape)));
  for_each_offset(pshape, pstrides, 0,
                  [&](int64_t k, int64_t off) { lanes.offsets[static_cast<size_t>(k)] = off; });
  return lanes;
}

std::vector<int64_t> expand_spatial(const std::vector<int64_t>& v, size_t n, int64_t fill) {
  if (v.empty()) return std::vector<int64_t>(n, fill);
  if (v.size() == 1 && n > 1) return std::vector<int64_t>(n, v[0]);
  return v;
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t ceil_div(int64_t a, int64_t b) {
  return -floor_div(-a, b);
}

}  // namespace aotc::eval_internal

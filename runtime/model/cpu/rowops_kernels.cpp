// Row operations for one instruction-set level (compiled once per level, see
// simd.h): softmax / log_softmax, layer_norm / rms_norm, group_norm, and the
// sum / mean / max / min / var reductions.
//
// Every op works on the middle dim of a contiguous [outer, n, inner] view.
// inner == 1 vectorizes along the row; inner > 1 vectorizes across inner
// (kW columns at a time, strided over n), so a reduction over a non-last dim
// never transposes. Statistics use two passes (mean, then squared
// deviations) in float32 vector accumulators; nothing is kept between passes,
// so y may alias x.
#include <cstdint>

#include "isa_kernels.h"
#include "simd.h"
#include "vec_math.h"

namespace aotc_cpu::AOTC_CPU_ISA_NS {
namespace {

constexpr float kInf = __builtin_inff();
/// Elements per parallel chunk, roughly.
constexpr int64_t kParallelElems = 16384;

/// Runs body(begin, end) over [0, n) through parallel_for (or inline).
template <class Body>
void parallel_range(ParallelFor parallel_for, int64_t n, int64_t grain, const Body& body) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (!parallel_for || n <= grain) {
    body(int64_t{0}, n);
    return;
  }
  parallel_for(
      n, grain,
      [](int64_t b, int64_t e, void* arg) { (*static_cast<const Body*>(arg))(b, e); },
      const_cast<void*>(static_cast<const void*>(&body)));
}

int64_t grain_for(int64_t elems_per_item) {
  return imax(1, kParallelElems / imax(1, elems_per_item));
}

/// Lanes [0, lanes) of x at element idx (the rest zero).
AOTC_CPU_INLINE VF load_lanes(const void* x, DType t, int64_t idx, int lanes) {
  return lanes == kW ? vload_t(x, t, idx) : vload_t_n(x, t, idx, lanes);
}
AOTC_CPU_INLINE void store_lanes(void* y, DType t, int64_t idx, VF v, int lanes) {
  if (lanes == kW) {
    vstore_t(y, t, idx, v);
  } else {
    vstore_t_n(y, t, idx, v, lanes);
  }
}

// ------------------------------------------------------------ softmax

void softmax_row(bool log, DType xt, const void* x, DType yt, void* y, int64_t n) {
  const VF ninf = vset1(-kInf);
  VF m = ninf;
  int64_t j = 0;
  for (; j + kW <= n; j += kW) m = vmax(m, vload_t(x, xt, j));
  const int rem = static_cast<int>(n - j);
  if (rem) m = vmax(m, vselect(vfirst_n(rem), vload_t_n(x, xt, j, rem), ninf));
  const float mx = vreduce_max(m);
  const VF vm = vset1(mx);
  VF s = vzero();
  for (j = 0; j + kW <= n; j += kW) s = s + vexp(vload_t(x, xt, j) - vm);
  if (rem) s = s + vexp(vselect(vfirst_n(rem), vload_t_n(x, xt, j, rem), ninf) - vm);
  const float sum = vreduce_add(s);
  if (log) {
    const VF shift = vset1(mx + __builtin_logf(sum));
    for (j = 0; j + kW <= n; j += kW) vstore_t(y, yt, j, vload_t(x, xt, j) - shift);
    if (rem) vstore_t_n(y, yt, j, vload_t_n(x, xt, j, rem) - shift, rem);
  } else {
    const VF inv = vset1(1.0f / sum);
    for (j = 0; j + kW <= n; j += kW) vstore_t(y, yt, j, vexp(vload_t(x, xt, j) - vm) * inv);
    if (rem) vstore_t_n(y, yt, j, vexp(vload_t_n(x, xt, j, rem) - vm) * inv, rem);
  }
}

/// Columns [i0, i0 + lanes) of one [n, inner] slab.
void softmax_cols(bool log, DType xt, const void* x, DType yt, void* y, int64_t n, int64_t inner,
                  int lanes) {
  VF m = vset1(-kInf);
  for (int64_t j = 0; j < n; ++j) m = vmax(m, load_lanes(x, xt, j * inner, lanes));
  VF s = vzero();
  for (int64_t j = 0; j < n; ++j) s = s + vexp(load_lanes(x, xt, j * inner, lanes) - m);
  if (log) {
    // log(s) lane by lane (a scalar log per column, n-independent).
    float ls[kW];
    float mv[kW];
    vstore(ls, s);
    vstore(mv, m);
    for (int l = 0; l < kW; ++l) ls[l] = mv[l] + (l < lanes ? __builtin_logf(ls[l]) : 0.0f);
    const VF shift = vload(ls);
    for (int64_t j = 0; j < n; ++j) {
      store_lanes(y, yt, j * inner, load_lanes(x, xt, j * inner, lanes) - shift, lanes);
    }
  } else {
    const VF inv = vset1(1.0f) / s;
    for (int64_t j = 0; j < n; ++j) {
      store_lanes(y, yt, j * inner, vexp(load_lanes(x, xt, j * inner, lanes) - m) * inv, lanes);
    }
  }
}

// ------------------------------------------------------------ statistics

/// Sum of a contiguous span.
float span_sum(DType t, const void* x, int64_t n) {
  VF s0 = vzero(), s1 = vzero();
  int64_t j = 0;
  for (; j + 2 * kW <= n; j += 2 * kW) {
    s0 = s0 + vload_t(x, t, j);
    s1 = s1 + vload_t(x, t, j + kW);
  }
  for (; j + kW <= n; j += kW) s0 = s0 + vload_t(x, t, j);
  if (j < n) s1 = s1 + vload_t_n(x, t, j, static_cast<int>(n - j));
  return vreduce_add(s0 + s1);
}

/// Sum of (x - mean)^2 over a contiguous span.
float span_sq_dev(DType t, const void* x, int64_t n, float mean) {
  const VF vm = vset1(mean);
  VF s0 = vzero(), s1 = vzero();
  int64_t j = 0;
  for (; j + 2 * kW <= n; j += 2 * kW) {
    const VF d0 = vload_t(x, t, j) - vm;
    const VF d1 = vload_t(x, t, j + kW) - vm;
    s0 = vfma(d0, d0, s0);
    s1 = vfma(d1, d1, s1);
  }
  for (; j + kW <= n; j += kW) {
    const VF d = vload_t(x, t, j) - vm;
    s0 = vfma(d, d, s0);
  }
  if (j < n) {
    const int rem = static_cast<int>(n - j);
    const VF d = vselect(vfirst_n(rem), vload_t_n(x, t, j, rem) - vm, vzero());
    s1 = vfma(d, d, s1);
  }
  return vreduce_add(s0 + s1);
}

/// Sum of x^2 over a contiguous span.
float span_sq(DType t, const void* x, int64_t n) { return span_sq_dev(t, x, n, 0.0f); }

/// y = ((x - sub) * mul + add) [* w[j]] [+ b[j]] over a contiguous span
/// (subtracting first keeps precision when the mean is large).
void span_affine(DType xt, const void* x, DType yt, void* y, int64_t n, float sub, float mul,
                 float add, const void* w, const void* b, DType pt) {
  const VF vsub = vset1(sub);
  const VF vmul = vset1(mul);
  const VF vadd = vset1(add);
  int64_t j = 0;
  auto one = [&](int64_t at, int lanes) {
    VF v = vfma(load_lanes(x, xt, at, lanes) - vsub, vmul, vadd);
    if (w) v = v * load_lanes(w, pt, at, lanes);
    if (b) v = v + load_lanes(b, pt, at, lanes);
    store_lanes(y, yt, at, v, lanes);
  };
  for (; j + kW <= n; j += kW) one(j, kW);
  if (j < n) one(j, static_cast<int>(n - j));
}

// ------------------------------------------------------------ reductions

struct RowReducer {
  ReduceOp op;
  int64_t correction;
};

AOTC_CPU_INLINE VF max_keep_nan(VF acc, VF v) { return vselect(visnan(v), v, vmax(v, acc)); }
AOTC_CPU_INLINE VF min_keep_nan(VF acc, VF v) { return vselect(visnan(v), v, vmin(v, acc)); }

float finish_scalar(ReduceOp op, float v, int64_t n, int64_t correction) {
  switch (op) {
    case ReduceOp::kMean: return v / static_cast<float>(n);
    case ReduceOp::kVar: {
      const int64_t d = n - correction;
      return v / static_cast<float>(d > 0 ? d : 0);
    }
    default: return v;
  }
}

float reduce_row(ReduceOp op, DType t, const void* x, int64_t n, int64_t correction) {
  if (op == ReduceOp::kSum || op == ReduceOp::kMean) {
    return finish_scalar(op, span_sum(t, x, n), n, correction);
  }
  if (op == ReduceOp::kVar) {
    const float mean = span_sum(t, x, n) / static_cast<float>(n);
    return finish_scalar(op, span_sq_dev(t, x, n, mean), n, correction);
  }
  const bool is_max = op == ReduceOp::kMax;
  const VF ident = vset1(is_max ? -kInf : kInf);
  VF acc = ident;
  int64_t j = 0;
  for (; j + kW <= n; j += kW) {
    const VF v = vload_t(x, t, j);
    acc = is_max ? max_keep_nan(acc, v) : min_keep_nan(acc, v);
  }
  if (j < n) {
    const int rem = static_cast<int>(n - j);
    const VF v = vselect(vfirst_n(rem), vload_t_n(x, t, j, rem), ident);
    acc = is_max ? max_keep_nan(acc, v) : min_keep_nan(acc, v);
  }
  float lanes[kW];
  vstore(lanes, acc);
  float r = lanes[0];
  for (int l = 1; l < kW; ++l) r = is_max ? fmax_nan(r, lanes[l]) : fmin_nan(r, lanes[l]);
  return r;
}

/// Columns [0, lanes) of an [n, inner] slab, reduced over n into y.
void reduce_cols(ReduceOp op, DType xt, const void* x, DType yt, void* y, int64_t n, int64_t inner,
                 int lanes, int64_t correction) {
  VF acc;
  if (op == ReduceOp::kMax || op == ReduceOp::kMin) {
    const bool is_max = op == ReduceOp::kMax;
    acc = vset1(is_max ? -kInf : kInf);
    for (int64_t j = 0; j < n; ++j) {
      const VF v = load_lanes(x, xt, j * inner, lanes);
      acc = is_max ? max_keep_nan(acc, v) : min_keep_nan(acc, v);
    }
  } else {
    acc = vzero();
    for (int64_t j = 0; j < n; ++j) acc = acc + load_lanes(x, xt, j * inner, lanes);
    if (op == ReduceOp::kMean) acc = acc / vset1(static_cast<float>(n));
    if (op == ReduceOp::kVar) {
      const VF mean = acc / vset1(static_cast<float>(n));
      acc = vzero();
      for (int64_t j = 0; j < n; ++j) {
        const VF d = load_lanes(x, xt, j * inner, lanes) - mean;
        acc = vfma(d, d, acc);
      }
      const int64_t d = n - correction;
      acc = acc / vset1(static_cast<float>(d > 0 ? d : 0));
    }
  }
  store_lanes(y, yt, 0, acc, lanes);
}

}  // namespace

void softmax(bool log, DType xt, const void* x, DType yt, void* y, int64_t outer, int64_t n,
             int64_t inner, ParallelFor parallel_for) {
  if (outer <= 0 || n <= 0 || inner <= 0) return;
  if (inner == 1) {
    parallel_range(parallel_for, outer, grain_for(n), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        softmax_row(log, xt, offset_ptr(x, xt, r * n), yt, offset_ptr(y, yt, r * n), n);
      }
    });
    return;
  }
  const int64_t chunks = ceil_div(inner, kW);
  parallel_range(parallel_for, outer * chunks, grain_for(n * kW), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / chunks;
      const int64_t i0 = (t - o * chunks) * kW;
      const int64_t at = o * n * inner + i0;
      softmax_cols(log, xt, offset_ptr(x, xt, at), yt, offset_ptr(y, yt, at), n, inner,
                   static_cast<int>(imin(kW, inner - i0)));
    }
  });
}

void layer_norm(DType xt, const void* x, DType yt, void* y, int64_t rows, int64_t n,
                const void* weight, const void* bias, DType pt, float eps, bool rms,
                ParallelFor parallel_for) {
  if (rows <= 0 || n <= 0) return;
  parallel_range(parallel_for, rows, grain_for(n), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const void* xr = offset_ptr(x, xt, r * n);
      void* yr = offset_ptr(y, yt, r * n);
      float mean = 0.0f;
      float var;
      if (rms) {
        var = span_sq(xt, xr, n) / static_cast<float>(n);
      } else {
        mean = span_sum(xt, xr, n) / static_cast<float>(n);
        var = span_sq_dev(xt, xr, n, mean) / static_cast<float>(n);
      }
      const float rstd = 1.0f / __builtin_sqrtf(var + eps);
      span_affine(xt, xr, yt, yr, n, mean, rstd, 0.0f, weight, rms ? nullptr : bias, pt);
    }
  });
}

void group_norm(DType xt, const void* x, DType yt, void* y, int64_t batch, int64_t channels,
                int64_t spatial, int64_t groups, const void* weight, const void* bias, DType pt,
                float eps, ParallelFor parallel_for) {
  if (batch <= 0 || channels <= 0 || spatial <= 0) return;
  const int64_t cpg = channels / groups;
  const int64_t span = cpg * spatial;
  parallel_range(parallel_for, batch * groups, grain_for(span), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t g = t % groups;
      const int64_t base = t * span;  // (batch * channels + g * cpg) * spatial
      const void* xg = offset_ptr(x, xt, base);
      const float mean = span_sum(xt, xg, span) / static_cast<float>(span);
      const float var = span_sq_dev(xt, xg, span, mean) / static_cast<float>(span);
      const float rstd = 1.0f / __builtin_sqrtf(var + eps);
      for (int64_t c = 0; c < cpg; ++c) {
        const int64_t ch = g * cpg + c;
        const float w = weight ? load_scalar(weight, pt, ch) : 1.0f;
        const float bb = bias ? load_scalar(bias, pt, ch) : 0.0f;
        const float scale = rstd * w;
        span_affine(xt, offset_ptr(x, xt, base + c * spatial), yt,
                    offset_ptr(y, yt, base + c * spatial), spatial, mean, scale, bb, nullptr,
                    nullptr, pt);
      }
    }
  });
}

void reduce(ReduceOp op, DType xt, const void* x, DType yt, void* y, int64_t outer, int64_t n,
            int64_t inner, int64_t correction, ParallelFor parallel_for) {
  if (outer <= 0 || inner <= 0) return;
  if (n <= 0) {
    const float v = op == ReduceOp::kSum   ? 0.0f
                    : op == ReduceOp::kMax ? -kInf
                    : op == ReduceOp::kMin ? kInf
                                           : __builtin_nanf("");
    for (int64_t i = 0; i < outer * inner; ++i) store_scalar(y, yt, i, v);
    return;
  }
  if (inner == 1) {
    parallel_range(parallel_for, outer, grain_for(n), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        store_scalar(y, yt, r, reduce_row(op, xt, offset_ptr(x, xt, r * n), n, correction));
      }
    });
    return;
  }
  const int64_t chunks = ceil_div(inner, kW);
  parallel_range(parallel_for, outer * chunks, grain_for(n * kW), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / chunks;
      const int64_t i0 = (t - o * chunks) * kW;
      reduce_cols(op, xt, offset_ptr(x, xt, o * n * inner + i0), yt,
                  offset_ptr(y, yt, o * inner + i0), n, inner, static_cast<int>(imin(kW, inner - i0)),
                  correction);
    }
  });
}

}  // namespace aotc_cpu::AOTC_CPU_ISA_NS

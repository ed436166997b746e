// Reference evaluation of matrix products and attention: matmul (torch.matmul
// semantics: 1-D operands, broadcast batches), linear (x @ W^T + b) and
// scaled_dot_product_attention.
//
// Floating products accumulate in double; integer ones in uint64 (wrapping
// like int64 hardware arithmetic, then reinterpreted). Loops run in i-k-j
// order so the innermost one walks contiguous rows.
#include <cmath>
#include <type_traits>

#include "eval/EvalSupport.h"

namespace aotc::eval_internal {
namespace {

// Accumulator type of a product: double for floating dtypes, uint64_t (wrapping) for integers.
template <typename T>
std::vector<T> read_as(const HostTensor& t, std::span<const int64_t> shape) {
  if constexpr (std::is_same_v<T, double>) {
    return broadcast_doubles(t, shape);
  } else {
    std::vector<int64_t> v = broadcast_ints(t, shape);
    return std::vector<T>(v.begin(), v.end());
  }
}

template <typename T>
HostTensor write_as(DType dtype, std::vector<int64_t> shape, const std::vector<T>& v) {
  if constexpr (std::is_same_v<T, double>) {
    return from_doubles(dtype, std::move(shape), v);
  } else {
    std::vector<int64_t> s(v.begin(), v.end());
    return from_ints(dtype, std::move(shape), s);
  }
}

template <typename T>
HostTensor matmul_kernel(const HostTensor& a, const HostTensor& b,
                         const std::vector<int64_t>& batch, int64_t m, int64_t k, int64_t n,
                         DType dtype, std::vector<int64_t> out_shape) {
  std::vector<int64_t> a_full = batch, b_full = batch;
  a_full.insert(a_full.end(), {m, k});
  b_full.insert(b_full.end(), {k, n});
  const std::vector<T> av = read_as<T>(a, a_full);
  const std::vector<T> bv = read_as<T>(b, b_full);
  const int64_t batches = numel_of(batch);
  std::vector<T> c(static_cast<size_t>(batches * m * n), T{0});
  for (int64_t bi = 0; bi < batches; ++bi) {
    const T* ab = av.data() + bi * m * k;
    const T* bb = bv.data() + bi * k * n;
    T* cb = c.data() + bi * m * n;
    for (int64_t i = 0; i < m; ++i) {
      T* crow = cb + i * n;
      for (int64_t kk = 0; kk < k; ++kk) {
        const T aik = ab[i * k + kk];
        const T* brow = bb + kk * n;
        for (int64_t j = 0; j < n; ++j) crow[j] += aik * brow[j];
      }
    }
  }
  return write_as<T>(dtype, std::move(out_shape), c);
}

Expected<HostTensor> matmul(const EvalContext& ctx) {
  const HostTensor& a = ctx.in(0);
  const HostTensor& b = ctx.in(1);
  if (a.rank() == 0 || b.rank() == 0) return ctx.error("operands must have at least one dimension");
  if (a.dtype() != b.dtype()) return ctx.error("operands have different dtypes");
  std::vector<int64_t> sa = a.shape(), sb = b.shape();
  const bool a_vector = sa.size() == 1, b_vector = sb.size() == 1;
  if (a_vector) sa.insert(sa.begin(), 1);
  if (b_vector) sb.push_back(1);
  const int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  if (sb[sb.size() - 2] != k)
    return ctx.error("inner dimensions differ: {} vs {}", k, sb[sb.size() - 2]);
  std::vector<std::vector<int64_t>> batches = {std::vector<int64_t>(sa.begin(), sa.end() - 2),
                                               std::vector<int64_t>(sb.begin(), sb.end() - 2)};
  auto batch = broadcast_concrete(batches);
  if (!batch)
    return ctx.error("batch dims {} and {} do not broadcast", shape_str(batches[0]),
                     shape_str(batches[1]));
  std::vector<int64_t> out_shape = *batch;
  if (!a_vector) out_shape.push_back(m);
  if (!b_vector) out_shape.push_back(n);
  const HostTensor a2 = a.reshaped(sa), b2 = b.reshaped(sb);
  if (is_floating(a.dtype()))
    return matmul_kernel<double>(a2, b2, *batch, m, k, n, ctx.out_dtype(), out_shape);
  return matmul_kernel<uint64_t>(a2, b2, *batch, m, k, n, ctx.out_dtype(), out_shape);
}

template <typename T>
HostTensor linear_kernel(const HostTensor& x, const HostTensor& w, const HostTensor* bias,
                         DType dtype, std::vector<int64_t> out_shape) {
  const int64_t k = x.shape().back(), n = w.dim(0);
  const int64_t rows = numel_of(std::span<const int64_t>(x.shape()).first(x.rank() - 1));
  const std::vector<T> xv = read_as<T>(x, x.shape());
  const std::vector<T> wv = read_as<T>(w, w.shape());
  std::vector<T> bv(static_cast<size_t>(n), T{0});
  if (bias) bv = read_as<T>(*bias, std::vector<int64_t>{n});  // [n], [1] or [] broadcast to [n]
  std::vector<T> out(static_cast<size_t>(rows * n));
  for (int64_t r = 0; r < rows; ++r) {
    const T* xrow = xv.data() + r * k;
    for (int64_t j = 0; j < n; ++j) {
      const T* wrow = wv.data() + j * k;
      T acc = bv[static_cast<size_t>(j)];
      for (int64_t kk = 0; kk < k; ++kk) acc += xrow[kk] * wrow[kk];
      out[static_cast<size_t>(r * n + j)] = acc;
    }
  }
  return write_as<T>(dtype, std::move(out_shape), out);
}

Expected<HostTensor> linear(const EvalContext& ctx) {
  const HostTensor& x = ctx.in(0);
  const HostTensor& w = ctx.in(1);
  const HostTensor* bias = ctx.optional_in(2);
  if (w.rank() != 2 || x.rank() < 1) return ctx.error("weight must be 2-D and input at least 1-D");
  if (x.shape().back() != w.dim(1))
    return ctx.error("input features {} differ from weight features {}", x.shape().back(),
                     w.dim(1));
  if (bias && !(bias->rank() == 0 ||
                (bias->rank() == 1 && (bias->dim(0) == w.dim(0) || bias->dim(0) == 1))))
    return ctx.error("bias of shape {} does not match {} output features", shape_str(bias->shape()),
                     w.dim(0));
  std::vector<int64_t> out_shape(x.shape().begin(), x.shape().end() - 1);
  out_shape.push_back(w.dim(0));
  if (is_floating(x.dtype())) return linear_kernel<double>(x, w, bias, ctx.out_dtype(), out_shape);
  return linear_kernel<uint64_t>(x, w, bias, ctx.out_dtype(), out_shape);
}

}  // namespace

Expected<HostTensor> eval_gemm(const EvalContext& ctx) {
  switch (ctx.node.op()) {
    case OpId::Matmul:
      return matmul(ctx);
    case OpId::Linear:
      return linear(ctx);
    default:
      return ctx.unsupported("no rule for this matrix product");
  }
}

// softmax(q k^T * scale + mask) v over the last two dims; the leading dims of
// key/value broadcast to the query's (size 1, or with enable_gqa a head count
// dividing the query's, each key/value head serving consecutive query heads).
// A row whose scores are all -inf gives zeros, as PyTorch 2.5+ does on every
// backend (its math path uses _safe_softmax).
Expected<HostTensor> eval_attention(const EvalContext& ctx) {
  const Node& node = ctx.node;
  const HostTensor& q = ctx.in(0);
  const HostTensor& k = ctx.in(1);
  const HostTensor& v = ctx.in(2);
  const HostTensor* mask = ctx.optional_in(3);
  const size_t r = q.rank();
  if (r < 2 || k.rank() != r || v.rank() != r)
    return ctx.error("query, key and value must have the same rank, at least 2");
  const int64_t l = q.dim(r - 2), e = q.dim(r - 1), s = k.dim(r - 2), ev = v.dim(r - 1);
  if (k.dim(r - 1) != e)
    return ctx.error("query and key head sizes differ: {} vs {}", e, k.dim(r - 1));
  if (v.dim(r - 2) != s)
    return ctx.error("key and value sequence lengths differ: {} vs {}", s, v.dim(r - 2));
  const bool causal = node.attr_bool("is_causal");
  if (causal && mask) return ctx.error("is_causal and attn_mask cannot both be set");
  const bool gqa = node.attr_bool("enable_gqa");

  // Row offsets (in rows of the last dim) of key and value for each leading index of the query.
  const std::vector<int64_t> lead(q.shape().begin(), q.shape().end() - 2);
  const int64_t lead_count = numel_of(lead);
  std::vector<int64_t> k_base(static_cast<size_t>(lead_count)),
      v_base(static_cast<size_t>(lead_count));
  for (const auto& [t, base, name] :
       {std::tuple{&k, &k_base, "key"}, std::tuple{&v, &v_base, "value"}}) {
    const std::vector<int64_t> strides = contiguous_strides(t->shape());
    for (size_t d = 0; d < lead.size(); ++d) {
      const int64_t qd = lead[d], td = t->dim(d);
      const bool ok = td == qd || td == 1 || (gqa && d + 3 == r && td > 0 && qd % td == 0);
      if (!ok)
        return ctx.error("{} dimension {} of size {} does not match the query's {}", name, d, td,
                         qd);
    }
    for (int64_t li = 0; li < lead_count; ++li) {
      int64_t rem = li, off = 0;
      for (size_t d = lead.size(); d-- > 0;) {
        const int64_t idx = rem % lead[d];
        rem /= lead[d];
        const int64_t td = t->dim(d);
        const int64_t tidx = td == lead[d] ? idx : (td == 1 ? 0 : idx / (lead[d] / td));
        off += tidx * strides[d];
      }
      (*base)[static_cast<size_t>(li)] = off;
    }
  }

  std::vector<int64_t> scores_shape = lead;
  scores_shape.insert(scores_shape.end(), {l, s});
  std::vector<double> bias;
  if (mask) {
    std::vector<std::vector<int64_t>> shapes = {mask->shape(), scores_shape};
    auto b = broadcast_concrete(shapes);
    if (!b || *b != scores_shape)
      return ctx.error("attn_mask of shape {} does not broadcast to {}", shape_str(mask->shape()),
                       shape_str(scores_shape));
    bias = broadcast_doubles(*mask, scores_shape);
    if (mask->dtype() == DType::Bool)
      for (double& x : bias) x = x != 0.0 ? 0.0 : -INFINITY;
  }
  const double scale = node.attr_is_none("scale") ? 1.0 / std::sqrt(static_cast<double>(e))
                                                  : node.attr_float("scale");

  const std::vector<double> qv = to_doubles(q), kv = to_doubles(k), vv = to_doubles(v);
  std::vector<int64_t> out_shape = lead;
  out_shape.insert(out_shape.end(), {l, ev});
  std::vector<double> out(static_cast<size_t>(numel_of(out_shape)), 0.0);
  std::vector<double> scores(static_cast<size_t>(s));
  for (int64_t li = 0; li < lead_count; ++li) {
    const double* kb = kv.data() + k_base[static_cast<size_t>(li)];
    const double* vb = vv.data() + v_base[static_cast<size_t>(li)];
    for (int64_t i = 0; i < l; ++i) {
      const double* qrow = qv.data() + (li * l + i) * e;
      double m = -INFINITY;
      for (int64_t j = 0; j < s; ++j) {
        double dot = 0.0;
        for (int64_t c = 0; c < e; ++c) dot += qrow[c] * kb[j * e + c];
        double x = dot * scale;
        if (mask) x += bias[static_cast<size_t>((li * l + i) * s + j)];
        if (causal && j > i) x = -INFINITY;  // top-left aligned: ones(L, S).tril()
        scores[static_cast<size_t>(j)] = x;
        m = std::isnan(x) || std::isnan(m) ? NAN : std::max(m, x);
      }
      if (m == -INFINITY) continue;  // fully masked row: zeros
      double sum = 0.0;
      for (int64_t j = 0; j < s; ++j)
        sum += (scores[static_cast<size_t>(j)] = std::exp(scores[static_cast<size_t>(j)] - m));
      double* orow = out.data() + (li * l + i) * ev;
      for (int64_t j = 0; j < s; ++j) {
        const double p = scores[static_cast<size_t>(j)] / sum;
        const double* vrow = vb + j * ev;
        for (int64_t c = 0; c < ev; ++c) orow[c] += p * vrow[c];
      }
    }
  }
  return from_doubles(ctx.out_dtype(), out_shape, out);
}

}  // namespace aotc::eval_internal

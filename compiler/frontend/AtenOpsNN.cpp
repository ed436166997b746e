// ATen neural-network ops: reductions, normalizations, matrix products,
// convolutions, pooling and attention. Composite spellings (addmm, std,
// native_* with auxiliary outputs, conv1d/2d/3d) map onto the IR's canonical
// ops; auxiliary outputs aotc does not compute come back null.
#include <algorithm>
#include <numeric>

#include "frontend/ImportContext.h"

namespace aotc {
namespace {

using R = Expected<std::vector<Value*>>;

R one(Expected<Value*> v) {
  if (!v) return std::move(v).error();
  return std::vector<Value*>{*v};
}

// ---- Reductions -------------------------------------------------------------------------

// Normalized, sorted, unique dims; None or [] means every dim.
Expected<std::vector<int64_t>> reduce_dims(ImportContext& c, const ArgList& a, std::string_view name, size_t rank) {
  std::vector<int64_t> dims;
  if (!a.is_none(name)) {
    AOTC_ASSIGN_OR_RETURN(dims, a.ints(name));
  }
  if (dims.empty()) {
    dims.resize(rank);
    std::iota(dims.begin(), dims.end(), 0);
    return dims;
  }
  for (auto& d : dims) {
    AOTC_ASSIGN_OR_RETURN(d, c.norm_dim(d, rank));
  }
  std::sort(dims.begin(), dims.end());
  if (std::adjacent_find(dims.begin(), dims.end()) != dims.end()) return c.invalid("a reduction dim appears twice");
  if (rank == 0) dims.clear();
  return dims;
}

Expected<Value*> with_dtype(ImportContext& c, const ArgList& a, Value* v) {
  if (auto d = a.dtype("dtype")) return c.cast(v, *d);
  return v;
}

Expected<Value*> reduce(ImportContext& c, OpId op, Value* x, std::vector<int64_t> dims, bool keepdim,
                        NamedAttrs extra = {}) {
  NamedAttrs attrs = {{"dims", std::move(dims)}, {"keepdim", keepdim}};
  attrs.insert(attrs.end(), extra.begin(), extra.end());
  return c.make(op, {x}, attrs);
}

template <OpId Op>
R reduce_dim_list(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Value * x, with_dtype(c, a, a.tensor("self")));
  AOTC_ASSIGN_OR_RETURN(auto dims, reduce_dims(c, a, "dim", x->rank()));
  return one(reduce(c, Op, x, dims, a.bool_("keepdim")));
}

template <OpId Op>
R reduce_all(ImportContext& c, const ArgList& a) {
  Value* x = a.tensor("self");
  if (a.dtype("dtype")) {
    AOTC_ASSIGN_OR_RETURN(x, with_dtype(c, a, x));
  }
  std::vector<int64_t> dims(x->rank());
  std::iota(dims.begin(), dims.end(), 0);
  return one(reduce(c, Op, x, dims, false));
}

template <OpId Op>
R reduce_one_dim(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Value * x, with_dtype(c, a, a.tensor("self")));
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, x->rank()));
  std::vector<int64_t> dims = x->rank() == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{d};
  return one(reduce(c, Op, x, dims, a.bool_("keepdim")));
}

// max.dim / min.dim: (values, indices).
template <OpId Value_, OpId Index_>
R reduce_with_index(ImportContext& c, const ArgList& a) {
  Value* x = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, x->rank()));
  bool keepdim = a.bool_("keepdim");
  std::vector<int64_t> dims = x->rank() == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{d};
  AOTC_ASSIGN_OR_RETURN(Value * values, reduce(c, Value_, x, dims, keepdim));
  AOTC_ASSIGN_OR_RETURN(Value * indices, c.make(Index_, {x}, {{"dim", x->rank() == 0 ? int64_t{0} : d}, {"keepdim", keepdim}}));
  return std::vector<Value*>{values, indices};
}

template <OpId Op>
R arg_reduce(ImportContext& c, const ArgList& a) {
  Value* x = a.tensor("self");
  bool keepdim = a.bool_("keepdim");
  AOTC_ASSIGN_OR_RETURN(auto dim, a.opt_int("dim"));
  if (!dim) {
    AOTC_ASSIGN_OR_RETURN(Value * flat, c.reshape(x, {x->type().numel()}));
    AOTC_ASSIGN_OR_RETURN(Value * r, c.make(Op, {flat}, {{"dim", int64_t{0}}, {"keepdim", false}}));
    if (!keepdim) return std::vector<Value*>{r};
    return one(c.reshape(r, Shape(x->rank(), SymExpr(1))));
  }
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(*dim, x->rank()));
  return one(c.make(Op, {x}, {{"dim", x->rank() == 0 ? int64_t{0} : d}, {"keepdim", keepdim}}));
}

Expected<Value*> variance(ImportContext& c, Value* x, std::vector<int64_t> dims, double correction, bool keepdim) {
  return reduce(c, OpId::Var, x, std::move(dims), keepdim, {{"correction", correction}});
}

R var_correction(ImportContext& c, const ArgList& a, bool take_sqrt) {
  Value* x = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(auto dims, reduce_dims(c, a, "dim", x->rank()));
  AOTC_ASSIGN_OR_RETURN(auto corr, a.opt_scalar("correction"));
  AOTC_ASSIGN_OR_RETURN(Value * v, variance(c, x, dims, corr ? corr->to_double() : 1.0, a.bool_("keepdim")));
  return one(take_sqrt ? c.make(OpId::Sqrt, {v}) : Expected<Value*>(v));
}

R var_correction_op(ImportContext& c, const ArgList& a) { return var_correction(c, a, false); }
R std_correction_op(ImportContext& c, const ArgList& a) { return var_correction(c, a, true); }

R var_dim(ImportContext& c, const ArgList& a, bool take_sqrt) {
  Value* x = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(auto dims, reduce_dims(c, a, "dim", x->rank()));
  AOTC_ASSIGN_OR_RETURN(Value * v, variance(c, x, dims, a.bool_("unbiased") ? 1.0 : 0.0, a.bool_("keepdim")));
  return one(take_sqrt ? c.make(OpId::Sqrt, {v}) : Expected<Value*>(v));
}

R var_dim_op(ImportContext& c, const ArgList& a) { return var_dim(c, a, false); }
R std_dim_op(ImportContext& c, const ArgList& a) { return var_dim(c, a, true); }

R var_all(ImportContext& c, const ArgList& a, bool take_sqrt) {
  Value* x = a.tensor("self");
  std::vector<int64_t> dims(x->rank());
  std::iota(dims.begin(), dims.end(), 0);
  AOTC_ASSIGN_OR_RETURN(Value * v, variance(c, x, dims, a.bool_("unbiased") ? 1.0 : 0.0, false));
  return one(take_sqrt ? c.make(OpId::Sqrt, {v}) : Expected<Value*>(v));
}
R var_all_op(ImportContext& c, const ArgList& a) { return var_all(c, a, false); }
R std_all_op(ImportContext& c, const ArgList& a) { return var_all(c, a, true); }

R cumsum(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Value * x, with_dtype(c, a, a.tensor("self")));
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, x->rank()));
  return one(c.make(OpId::Cumsum, {x}, {{"dim", d}}));
}

// ---- Normalizations ----------------------------------------------------------------------

template <OpId Op>
R softmax_int(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Value * x, with_dtype(c, a, a.tensor("self")));
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, x->rank()));
  return one(c.make(Op, {x}, {{"dim", d}}));
}

template <OpId Op>
R softmax_internal(ImportContext& c, const ArgList& a) {
  Value* x = a.tensor("self");
  if (a.bool_("half_to_float")) {
    AOTC_ASSIGN_OR_RETURN(x, c.cast(x, DType::Float32));
  }
  AOTC_ASSIGN_OR_RETURN(int64_t d0, a.int_("dim"));
  AOTC_ASSIGN_OR_RETURN(int64_t d, c.norm_dim(d0, x->rank()));
  return one(c.make(Op, {x}, {{"dim", d}}));
}

Expected<Value*> layer_norm_impl(ImportContext& c, const ArgList& a) {
  Value* x = a.tensor("input");
  const auto& shape = a.syms("normalized_shape");
  if (shape.empty() || shape.size() > x->rank()) return c.invalid("normalized_shape does not fit the input");
  for (size_t i = 0; i < shape.size(); ++i)
    if (!(shape[i] == x->dim(x->rank() - shape.size() + i)))
      return c.invalid("normalized_shape {} does not match the input's trailing dims {}", shape_to_string(shape),
                       shape_to_string(x->shape()));
  return c.make(OpId::LayerNorm, {x, a.tensor("weight"), a.tensor("bias")},
                {{"normalized_ndim", static_cast<int64_t>(shape.size())}, {"eps", a.float_("eps")}});
}

R layer_norm(ImportContext& c, const ArgList& a) { return one(layer_norm_impl(c, a)); }

R native_layer_norm(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Value * y, layer_norm_impl(c, a));
  return std::vector<Value*>{y, nullptr, nullptr};
}

R rms_norm(ImportContext& c, const ArgList& a) {
  Value* x = a.tensor("input");
  const auto& shape = a.syms("normalized_shape");
  if (shape.empty() || shape.size() > x->rank()) return c.invalid("normalized_shape does not fit the input");
  DType compute = opmath_type(x->dtype());
  double eps = a.opt_float("eps").value_or(compute == DType::Float64 ? 2.220446049250313e-16 : 1.1920928955078125e-07);
  std::vector<int64_t> dims;
  for (size_t i = x->rank() - shape.size(); i < x->rank(); ++i) dims.push_back(static_cast<int64_t>(i));
  AOTC_ASSIGN_OR_RETURN(Value * xf, c.cast(x, compute));
  AOTC_ASSIGN_OR_RETURN(Value * sq, c.make(OpId::Mul, {xf, xf}));
  AOTC_ASSIGN_OR_RETURN(Value * ms, c.make(OpId::Mean, {sq}, {{"dims", dims}, {"keepdim", true}}));
  AOTC_ASSIGN_OR_RETURN(Value * me, c.make(OpId::Add, {ms, c.scalar(Scalar::from_float(eps))}));
  AOTC_ASSIGN_OR_RETURN(Value * r, c.make(OpId::Rsqrt, {me}));
  AOTC_ASSIGN_OR_RETURN(Value * y, c.make(OpId::Mul, {xf, r}));
  AOTC_ASSIGN_OR_RETURN(y, c.cast(y, x->dtype()));
  if (Value* w = a.tensor("weight")) {
    AOTC_ASSIGN_OR_RETURN(y, c.make(OpId::Mul, {y, w}));
  }
  return one(y);
}

Expected<Value*> group_norm_impl(ImportContext& c, Value* x, Value* w, Value* b, int64_t groups, double eps) {
  return c.make(OpId::GroupNorm, {x, w, b}, {{"groups", groups}, {"eps", eps}});
}

R group_norm(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(int64_t groups, a.int_("num_groups"));
  return one(group_norm_impl(c, a.tensor("input"), a.tensor("weight"), a.tensor("bias"), groups, a.float_("eps")));
}

R native_group_norm(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(int64_t groups, a.int_("group"));
  AOTC_ASSIGN_OR_RETURN(Value * y,
                        group_norm_impl(c, a.tensor("input"), a.tensor("weight"), a.tensor("bias"), groups,
                                        a.float_("eps")));
  return std::vector<Value*>{y, nullptr, nullptr};
}

Expected<Value*> batch_norm_impl(ImportContext& c, const ArgList& a) {
  Value* mean = a.tensor("running_mean");
  Value* var = a.tensor("running_var");
  if (!mean || !var) return c.unsupported("batch_norm without running statistics (training-mode statistics)");
  return c.make(OpId::BatchNorm, {a.tensor("input"), a.tensor("weight"), a.tensor("bias"), mean, var},
                {{"eps", a.float_("eps")}});
}

R batch_norm(ImportContext& c, const ArgList& a) {
  if (a.bool_("training")) return c.unsupported("batch_norm in training mode; export the model after model.eval()");
  return one(batch_norm_impl(c, a));
}

R batch_norm_no_training(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Value * y, batch_norm_impl(c, a));
  return std::vector<Value*>{y, nullptr, nullptr};
}

R native_batch_norm(ImportContext& c, const ArgList& a) {
  if (a.bool_("training")) return c.unsupported("batch_norm in training mode; export the model after model.eval()");
  AOTC_ASSIGN_OR_RETURN(Value * y, batch_norm_impl(c, a));
  return std::vector<Value*>{y, nullptr, nullptr};
}

// ---- Matrix products ---------------------------------------------------------------------

R linear(ImportContext& c, const ArgList& a) {
  return one(c.make(OpId::Linear, {a.tensor("input"), a.tensor("weight"), a.tensor("bias")}));
}

R matmul_op(ImportContext& c, const ArgList& a, const char* lhs, const char* rhs) {
  return one(c.make(OpId::Matmul, {a.tensor(lhs), a.tensor(rhs)}));
}
R mm(ImportContext& c, const ArgList& a) { return matmul_op(c, a, "self", "mat2"); }
R matmul(ImportContext& c, const ArgList& a) { return matmul_op(c, a, "self", "other"); }
R mv(ImportContext& c, const ArgList& a) { return matmul_op(c, a, "self", "vec"); }
R dot(ImportContext& c, const ArgList& a) { return matmul_op(c, a, "self", "tensor"); }

// beta * self + alpha * (m1 @ m2), written as (alpha*(m1@m2)) + beta*self so the
// bias add sits right after the product for epilogue fusion.
R add_product(ImportContext& c, const ArgList& a, const char* m1, const char* m2) {
  AOTC_ASSIGN_OR_RETURN(Scalar beta, a.scalar("beta"));
  AOTC_ASSIGN_OR_RETURN(Scalar alpha, a.scalar("alpha"));
  AOTC_ASSIGN_OR_RETURN(Value * p, c.make(OpId::Matmul, {a.tensor(m1), a.tensor(m2)}));
  if (alpha.to_double() != 1.0) {
    AOTC_ASSIGN_OR_RETURN(p, c.make(OpId::Mul, {p, c.scalar(alpha)}));
  }
  if (beta.to_double() == 0.0) return std::vector<Value*>{p};
  Value* bias = a.tensor("self");
  if (beta.to_double() != 1.0) {
    AOTC_ASSIGN_OR_RETURN(bias, c.make(OpId::Mul, {bias, c.scalar(beta)}));
  }
  return one(c.make(OpId::Add, {p, bias}));
}
R addmm(ImportContext& c, const ArgList& a) { return add_product(c, a, "mat1", "mat2"); }
R baddbmm(ImportContext& c, const ArgList& a) { return add_product(c, a, "batch1", "batch2"); }

// ---- Convolution --------------------------------------------------------------------------

// Broadcasts a one-element spatial list to `n` entries.
std::vector<int64_t> spatial(std::vector<int64_t> v, size_t n) {
  if (v.size() == 1 && n > 1) v.assign(n, v[0]);
  return v;
}

Expected<Value*> conv_impl(ImportContext& c, Value* x, Value* w, Value* b, std::vector<int64_t> stride,
                           std::vector<int64_t> padding, std::vector<int64_t> dilation, bool transposed,
                           std::vector<int64_t> output_padding, int64_t groups) {
  if (w->rank() < 3) return c.invalid("convolution weight must have at least 3 dimensions");
  size_t n = w->rank() - 2;
  stride = spatial(std::move(stride), n);
  padding = spatial(std::move(padding), n);
  dilation = spatial(std::move(dilation), n);
  output_padding = output_padding.empty() ? std::vector<int64_t>(n, 0) : spatial(std::move(output_padding), n);
  return c.make(OpId::Convolution, {x, w, b},
                {{"stride", stride}, {"padding", padding}, {"dilation", dilation}, {"transposed", transposed},
                 {"output_padding", output_padding}, {"groups", groups}});
}

R conv_nd(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(auto stride, a.ints("stride"));
  AOTC_ASSIGN_OR_RETURN(auto padding, a.ints("padding"));
  AOTC_ASSIGN_OR_RETURN(auto dilation, a.ints("dilation"));
  AOTC_ASSIGN_OR_RETURN(int64_t groups, a.int_("groups"));
  return one(conv_impl(c, a.tensor("input"), a.tensor("weight"), a.tensor("bias"), stride, padding, dilation, false,
                       {}, groups));
}

R conv_nd_padding_str(ImportContext& c, const ArgList& a) {
  Value* x = a.tensor("input");
  Value* w = a.tensor("weight");
  AOTC_ASSIGN_OR_RETURN(auto stride, a.ints("stride"));
  AOTC_ASSIGN_OR_RETURN(auto dilation, a.ints("dilation"));
  AOTC_ASSIGN_OR_RETURN(int64_t groups, a.int_("groups"));
  const std::string& mode = a.str("padding");
  size_t n = w->rank() - 2;
  dilation = spatial(dilation, n);
  std::vector<int64_t> padding(n, 0);
  if (mode == "same") {
    auto ws = w->type().static_shape();
    if (!ws) return c.invalid("weight shape must be static");
    std::vector<SymExpr> extra;  // asymmetric right padding, torch pad order (last dim first)
    bool asymmetric = false;
    for (size_t i = 0; i < n; ++i) {
      int64_t total = dilation[i] * ((*ws)[2 + i] - 1);
      padding[i] = total / 2;
      asymmetric |= total % 2 != 0;
    }
    if (asymmetric) {
      for (size_t i = n; i-- > 0;) {
        int64_t total = dilation[i] * ((*ws)[2 + i] - 1);
        extra.push_back(SymExpr(0));
        extra.push_back(SymExpr(total % 2));
      }
      AOTC_ASSIGN_OR_RETURN(x, c.make(OpId::ConstantPad, {x}, {{"pad", extra}, {"value", Scalar::from_int(0)}}));
    }
  } else if (mode != "valid") {
    return c.invalid("unknown convolution padding mode '{}'", mode);
  }
  return one(conv_impl(c, x, w, a.tensor("bias"), stride, padding, dilation, false, {}, groups));
}

R convolution(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(auto stride, a.ints("stride"));
  AOTC_ASSIGN_OR_RETURN(auto padding, a.ints("padding"));
  AOTC_ASSIGN_OR_RETURN(auto dilation, a.ints("dilation"));
  AOTC_ASSIGN_OR_RETURN(auto output_padding, a.ints("output_padding"));
  AOTC_ASSIGN_OR_RETURN(int64_t groups, a.int_("groups"));
  return one(conv_impl(c, a.tensor("input"), a.tensor("weight"), a.tensor("bias"), stride, padding, dilation,
                       a.bool_("transposed"), output_padding, groups));
}

R conv_transpose(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(auto stride, a.ints("stride"));
  AOTC_ASSIGN_OR_RETURN(auto padding, a.ints("padding"));
  AOTC_ASSIGN_OR_RETURN(auto dilation, a.ints("dilation"));
  AOTC_ASSIGN_OR_RETURN(auto output_padding, a.ints("output_padding"));
  AOTC_ASSIGN_OR_RETURN(int64_t groups, a.int_("groups"));
  return one(conv_impl(c, a.tensor("input"), a.tensor("weight"), a.tensor("bias"), stride, padding, dilation, true,
                       output_padding, groups));
}

// ---- Pooling --------------------------------------------------------------------------

Expected<Value*> max_pool_impl(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(auto kernel, a.ints("kernel_size"));
  AOTC_ASSIGN_OR_RETURN(auto stride, a.ints("stride"));
  AOTC_ASSIGN_OR_RETURN(auto padding, a.ints("padding"));
  AOTC_ASSIGN_OR_RETURN(auto dilation, a.ints("dilation"));
  size_t n = kernel.size();
  if (stride.empty()) stride = kernel;
  return c.make(OpId::MaxPool, {a.tensor("self")},
                {{"kernel_size", kernel}, {"stride", spatial(stride, n)}, {"padding", spatial(padding, n)},
                 {"dilation", spatial(dilation, n)}, {"ceil_mode", a.bool_("ceil_mode")}});
}

R max_pool(ImportContext& c, const ArgList& a) { return one(max_pool_impl(c, a)); }

R max_pool_with_indices(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Value * y, max_pool_impl(c, a));
  return std::vector<Value*>{y, nullptr};
}

R avg_pool(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(auto kernel, a.ints("kernel_size"));
  AOTC_ASSIGN_OR_RETURN(auto stride, a.ints("stride"));
  AOTC_ASSIGN_OR_RETURN(auto padding, a.ints("padding"));
  size_t n = kernel.size();
  if (stride.empty()) stride = kernel;
  AttrValue divisor;
  if (a.schema_has("divisor_override")) {
    AOTC_ASSIGN_OR_RETURN(auto d, a.opt_int("divisor_override"));
    if (d) {
      if (*d == 0) return c.invalid("divisor_override must be non-zero");
      divisor = *d;
    }
  }
  return one(c.make(OpId::AvgPool, {a.tensor("self")},
                    {{"kernel_size", kernel}, {"stride", spatial(stride, n)}, {"padding", spatial(padding, n)},
                     {"ceil_mode", a.bool_("ceil_mode")}, {"count_include_pad", a.bool_("count_include_pad")},
                     {"divisor_override", divisor}}));
}

template <OpId Op>
R adaptive_pool(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(auto out, a.ints("output_size"));
  return one(c.make(Op, {a.tensor("self")}, {{"output_size", out}}));
}

R adaptive_max_pool_with_indices(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(auto out, a.ints("output_size"));
  AOTC_ASSIGN_OR_RETURN(Value * y, c.make(OpId::AdaptiveMaxPool, {a.tensor("self")}, {{"output_size", out}}));
  return std::vector<Value*>{y, nullptr};
}

// ---- Attention ------------------------------------------------------------------------------

Expected<Value*> sdpa_impl(ImportContext& c, const ArgList& a, Value* mask, bool causal, double dropout,
                           bool enable_gqa) {
  if (dropout != 0.0) return c.unsupported("scaled_dot_product_attention with dropout_p={} (inference needs 0)", dropout);
  if (mask && causal) return c.invalid("scaled_dot_product_attention with both attn_mask and is_causal");
  auto scale = a.opt_float("scale");
  return c.make(OpId::Sdpa, {a.tensor("query"), a.tensor("key"), a.tensor("value"), mask},
                {{"is_causal", causal}, {"scale", scale ? AttrValue{*scale} : AttrValue{}}, {"enable_gqa", enable_gqa}});
}

R sdpa(ImportContext& c, const ArgList& a) {
  return one(sdpa_impl(c, a, a.tensor("attn_mask"), a.bool_("is_causal"), a.float_("dropout_p"),
                       a.bool_("enable_gqa")));
}

R sdpa_for_cpu(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Value * y, sdpa_impl(c, a, a.tensor("attn_mask"), a.bool_("is_causal"), a.float_("dropout_p"),
                                              false));
  return std::vector<Value*>{y, nullptr};
}

R sdpa_efficient(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Value * y, sdpa_impl(c, a, a.tensor("attn_bias"), a.bool_("is_causal"), a.float_("dropout_p"),
                                              false));
  return std::vector<Value*>{y, nullptr, nullptr, nullptr};
}

R sdpa_flash(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Value * y, sdpa_impl(c, a, nullptr, a.bool_("is_causal"), a.float_("dropout_p"), false));
  std::vector<Value*> out(9, nullptr);
  out[0] = y;
  return out;
}

#define CONV_ND(n, sn)                                                                                            \
  {"aten.conv" #n "d.default",                                                                                    \
   "conv" #n "d(Tensor input, Tensor weight, Tensor? bias=None, SymInt[" #n "] stride=1, SymInt[" #n              \
   "] padding=0, SymInt[" #n "] dilation=1, SymInt groups=1) -> Tensor",                                          \
   conv_nd},                                                                                                      \
  {"aten.conv" #n "d.padding",                                                                                    \
   "conv" #n "d.padding(Tensor input, Tensor weight, Tensor? bias=None, SymInt[" #n                               \
   "] stride=1, str padding=\"valid\", SymInt[" #n "] dilation=1, SymInt groups=1) -> Tensor",                    \
   conv_nd_padding_str}

const AtenOpEntry kOps[] = {
    {"aten.sum.dim_IntList",
     "sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
     reduce_dim_list<OpId::Sum>},
    {"aten.sum.default", "sum(Tensor self, *, ScalarType? dtype=None) -> Tensor", reduce_all<OpId::Sum>},
    {"aten.mean.dim", "mean.dim(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
     reduce_dim_list<OpId::Mean>},
    {"aten.mean.default", "mean(Tensor self, *, ScalarType? dtype=None) -> Tensor", reduce_all<OpId::Mean>},
    {"aten.amax.default", "amax(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor", reduce_dim_list<OpId::Amax>},
    {"aten.amin.default", "amin(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor", reduce_dim_list<OpId::Amin>},
    {"aten.max.dim", "max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
     reduce_with_index<OpId::Amax, OpId::Argmax>},
    {"aten.min.dim", "min.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
     reduce_with_index<OpId::Amin, OpId::Argmin>},
    {"aten.max.default", "max(Tensor self) -> Tensor", reduce_all<OpId::Amax>},
    {"aten.min.default", "min(Tensor self) -> Tensor", reduce_all<OpId::Amin>},
    {"aten.argmax.default", "argmax(Tensor self, int? dim=None, bool keepdim=False) -> Tensor", arg_reduce<OpId::Argmax>},
    {"aten.argmin.default", "argmin(Tensor self, int? dim=None, bool keepdim=False) -> Tensor", arg_reduce<OpId::Argmin>},
    {"aten.prod.default", "prod(Tensor self, *, ScalarType? dtype=None) -> Tensor", reduce_all<OpId::Prod>},
    {"aten.prod.dim_int", "prod.dim_int(Tensor self, int dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
     reduce_one_dim<OpId::Prod>},
    {"aten.any.default", "any(Tensor self) -> Tensor", reduce_all<OpId::Any>},
    {"aten.any.dim", "any.dim(Tensor self, int dim, bool keepdim=False) -> Tensor", reduce_one_dim<OpId::Any>},
    {"aten.any.dims", "any.dims(Tensor self, int[]? dim=None, bool keepdim=False) -> Tensor",
     reduce_dim_list<OpId::Any>},
    {"aten.all.default", "all(Tensor self) -> Tensor", reduce_all<OpId::All>},
    {"aten.all.dim", "all.dim(Tensor self, int dim, bool keepdim=False) -> Tensor", reduce_one_dim<OpId::All>},
    {"aten.all.dims", "all.dims(Tensor self, int[]? dim=None, bool keepdim=False) -> Tensor",
     reduce_dim_list<OpId::All>},
    {"aten.var.correction",
     "var.correction(Tensor self, int[1]? dim=None, *, Scalar? correction=None, bool keepdim=False) -> Tensor",
     var_correction_op},
    {"aten.var.dim", "var.dim(Tensor self, int[1]? dim, bool unbiased=True, bool keepdim=False) -> Tensor", var_dim_op},
    {"aten.var.default", "var(Tensor self, bool unbiased=True) -> Tensor", var_all_op},
    {"aten.std.correction",
     "std.correction(Tensor self, int[1]? dim=None, *, Scalar? correction=None, bool keepdim=False) -> Tensor",
     std_correction_op},
    {"aten.std.dim", "std.dim(Tensor self, int[1]? dim, bool unbiased=True, bool keepdim=False) -> Tensor", std_dim_op},
    {"aten.std.default", "std(Tensor self, bool unbiased=True) -> Tensor", std_all_op},
    {"aten.cumsum.default", "cumsum(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor", cumsum},

    {"aten.softmax.int", "softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor",
     softmax_int<OpId::Softmax>},
    {"aten._softmax.default", "_softmax(Tensor self, int dim, bool half_to_float) -> Tensor",
     softmax_internal<OpId::Softmax>},
    {"aten.log_softmax.int", "log_softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor",
     softmax_int<OpId::LogSoftmax>},
    {"aten._log_softmax.default", "_log_softmax(Tensor self, int dim, bool half_to_float) -> Tensor",
     softmax_internal<OpId::LogSoftmax>},
    {"aten.layer_norm.default",
     "layer_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight=None, Tensor? bias=None, float eps=1e-05, "
     "bool cudnn_enable=True) -> Tensor",
     layer_norm},
    {"aten.native_layer_norm.default",
     "native_layer_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight, Tensor? bias, float eps) -> (Tensor, "
     "Tensor, Tensor)",
     native_layer_norm},
    {"aten.rms_norm.default",
     "rms_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight=None, float? eps=None) -> Tensor", rms_norm},
    {"aten.group_norm.default",
     "group_norm(Tensor input, int num_groups, Tensor? weight=None, Tensor? bias=None, float eps=1e-05, bool "
     "cudnn_enabled=True) -> Tensor",
     group_norm},
    {"aten.native_group_norm.default",
     "native_group_norm(Tensor input, Tensor? weight, Tensor? bias, SymInt N, SymInt C, SymInt HxW, int group, float "
     "eps) -> (Tensor, Tensor, Tensor)",
     native_group_norm},
    {"aten.batch_norm.default",
     "batch_norm(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? running_var, bool training, "
     "float momentum, float eps, bool cudnn_enabled) -> Tensor",
     batch_norm},
    {"aten._native_batch_norm_legit_no_training.default",
     "_native_batch_norm_legit_no_training(Tensor input, Tensor? weight, Tensor? bias, Tensor running_mean, Tensor "
     "running_var, float momentum, float eps) -> (Tensor, Tensor, Tensor)",
     batch_norm_no_training},
    {"aten.native_batch_norm.default",
     "native_batch_norm(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? running_var, bool "
     "training, float momentum, float eps) -> (Tensor, Tensor, Tensor)",
     native_batch_norm},

    {"aten.linear.default", "linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor", linear},
    {"aten.mm.default", "mm(Tensor self, Tensor mat2) -> Tensor", mm},
    {"aten.bmm.default", "bmm(Tensor self, Tensor mat2) -> Tensor", mm},
    {"aten.matmul.default", "matmul(Tensor self, Tensor other) -> Tensor", matmul},
    {"aten.mv.default", "mv(Tensor self, Tensor vec) -> Tensor", mv},
    {"aten.dot.default", "dot(Tensor self, Tensor tensor) -> Tensor", dot},
    {"aten.addmm.default",
     "addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1) -> Tensor", addmm},
    {"aten.baddbmm.default",
     "baddbmm(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, Scalar alpha=1) -> Tensor", baddbmm},

    CONV_ND(1, 1),
    CONV_ND(2, 2),
    CONV_ND(3, 3),
    {"aten.convolution.default",
     "convolution(Tensor input, Tensor weight, Tensor? bias, SymInt[] stride, SymInt[] padding, SymInt[] dilation, "
     "bool transposed, SymInt[] output_padding, SymInt groups) -> Tensor",
     convolution},
    {"aten._convolution.default",
     "_convolution(Tensor input, Tensor weight, Tensor? bias, SymInt[] stride, SymInt[] padding, SymInt[] dilation, "
     "bool transposed, SymInt[] output_padding, SymInt groups, bool benchmark, bool deterministic, bool "
     "cudnn_enabled, bool allow_tf32) -> Tensor",
     convolution},
    {"aten.conv_transpose1d.default",
     "conv_transpose1d(Tensor input, Tensor weight, Tensor? bias=None, SymInt[1] stride=1, SymInt[1] padding=0, "
     "SymInt[1] output_padding=0, SymInt groups=1, SymInt[1] dilation=1) -> Tensor",
     conv_transpose},
    {"aten.conv_transpose2d.input",
     "conv_transpose2d.input(Tensor input, Tensor weight, Tensor? bias=None, SymInt[2] stride=1, SymInt[2] padding=0, "
     "SymInt[2] output_padding=0, SymInt groups=1, SymInt[2] dilation=1) -> Tensor",
     conv_transpose},

    {"aten.max_pool1d.default",
     "max_pool1d(Tensor self, int[1] kernel_size, int[1] stride=[], int[1] padding=0, int[1] dilation=1, bool "
     "ceil_mode=False) -> Tensor",
     max_pool},
    {"aten.max_pool2d.default",
     "max_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, int[2] dilation=1, bool "
     "ceil_mode=False) -> Tensor",
     max_pool},
    {"aten.max_pool3d.default",
     "max_pool3d(Tensor self, int[3] kernel_size, int[3] stride=[], int[3] padding=0, int[3] dilation=1, bool "
     "ceil_mode=False) -> Tensor",
     max_pool},
    {"aten.max_pool2d_with_indices.default",
     "max_pool2d_with_indices(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, int[2] "
     "dilation=1, bool ceil_mode=False) -> (Tensor, Tensor)",
     max_pool_with_indices},
    {"aten.avg_pool1d.default",
     "avg_pool1d(Tensor self, int[1] kernel_size, int[1] stride=[], int[1] padding=0, bool ceil_mode=False, bool "
     "count_include_pad=True) -> Tensor",
     avg_pool},
    {"aten.avg_pool2d.default",
     "avg_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, bool ceil_mode=False, bool "
     "count_include_pad=True, int? divisor_override=None) -> Tensor",
     avg_pool},
    {"aten.adaptive_avg_pool1d.default", "adaptive_avg_pool1d(Tensor self, int[1] output_size) -> Tensor",
     adaptive_pool<OpId::AdaptiveAvgPool>},
    {"aten.adaptive_avg_pool2d.default", "adaptive_avg_pool2d(Tensor self, SymInt[2] output_size) -> Tensor",
     adaptive_pool<OpId::AdaptiveAvgPool>},
    {"aten._adaptive_avg_pool2d.default", "_adaptive_avg_pool2d(Tensor self, SymInt[2] output_size) -> Tensor",
     adaptive_pool<OpId::AdaptiveAvgPool>},
    {"aten.adaptive_max_pool2d.default",
     "adaptive_max_pool2d(Tensor self, int[2] output_size) -> (Tensor, Tensor)", adaptive_max_pool_with_indices},

    {"aten.scaled_dot_product_attention.default",
     "scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, float "
     "dropout_p=0.0, bool is_causal=False, *, float? scale=None, bool enable_gqa=False) -> Tensor",
     sdpa},
    {"aten._scaled_dot_product_flash_attention_for_cpu.default",
     "_scaled_dot_product_flash_attention_for_cpu(Tensor query, Tensor key, Tensor value, float dropout_p=0.0, bool "
     "is_causal=False, *, Tensor? attn_mask=None, float? scale=None) -> (Tensor output, Tensor logsumexp)",
     sdpa_for_cpu},
    {"aten._scaled_dot_product_efficient_attention.default",
     "_scaled_dot_product_efficient_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_bias, bool "
     "compute_log_sumexp, float dropout_p=0.0, bool is_causal=False, *, float? scale=None) -> (Tensor output, Tensor "
     "log_sumexp, Tensor philox_seed, Tensor philox_offset)",
     sdpa_efficient},
    {"aten._scaled_dot_product_flash_attention.default",
     "_scaled_dot_product_flash_attention(Tensor query, Tensor key, Tensor value, float dropout_p=0.0, bool "
     "is_causal=False, bool return_debug_mask=False, *, float? scale=None) -> (Tensor output, Tensor logsumexp, "
     "Tensor cum_seq_q, Tensor cum_seq_k, SymInt max_q, SymInt max_k, Tensor rng_state, Tensor unused, Tensor "
     "debug_attn_mask)",
     sdpa_flash},
};

}  // namespace

std::span<const AtenOpEntry> aten_nn_ops() { return kOps; }

}  // namespace aotc

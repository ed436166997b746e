// Per-op result type rules (see ShapeInference.h).
#include "ir/ShapeInference.h"

#include <algorithm>

#include "support/Check.h"

namespace aotc {
namespace {

Error type_error(const Node& node, const std::string& what) {
  return make_error(ErrorCode::kInvalidInput, "{} (node '{}'): {}", node.info().name, node.name(), what);
}

PromotionRank rank_of(const Value* v) {
  if (v->node()->op() == OpId::Scalar) return PromotionRank::kWrappedNumber;
  return v->rank() == 0 ? PromotionRank::kZeroDim : PromotionRank::kDimensioned;
}

DType promoted(std::span<Value* const> values) {
  std::vector<PromotionOperand> ops;
  for (const Value* v : values)
    if (v) ops.push_back({v->dtype(), rank_of(v)});
  return result_type(ops);
}

// Normalizes a possibly negative dim against a rank.
std::optional<size_t> norm_dim(int64_t dim, size_t rank) {
  int64_t r = static_cast<int64_t>(rank);
  if (dim < 0) dim += r;
  if (dim < 0 || dim >= std::max<int64_t>(r, 1)) return std::nullopt;
  return static_cast<size_t>(dim);
}

bool maybe_equal(const SymExpr& a, const SymExpr& b) {
  if (a == b) return true;
  return false;
}

Shape reduce_shape(const Shape& in, const std::vector<int64_t>& dims, bool keepdim) {
  Shape out;
  for (size_t i = 0; i < in.size(); ++i) {
    bool reduced = std::find(dims.begin(), dims.end(), static_cast<int64_t>(i)) != dims.end();
    if (!reduced) out.push_back(in[i]);
    else if (keepdim) out.emplace_back(1);
  }
  return out;
}

// Output size of a sliding window (conv/pool) along one dim.
Expected<SymExpr> window_out(const Node& node, const SymExpr& in, int64_t k, int64_t s, int64_t p, int64_t d,
                             bool ceil_mode) {
  if (s <= 0) return type_error(node, "stride must be positive");
  SymExpr span = in + SymExpr(2 * p) - SymExpr(d * (k - 1) + 1);
  if (!ceil_mode) return SymExpr::floordiv(span, SymExpr(s)) + SymExpr(1);
  SymExpr out = SymExpr::ceildiv(span, SymExpr(s)) + SymExpr(1);
  // The last window must start inside the input or the left padding.
  if (auto i = in.constant()) {
    int64_t o = *out.constant();
    if ((o - 1) * s >= *i + p) --o;
    return SymExpr(o);
  }
  return type_error(node, "ceil_mode=True with a dynamic spatial size is not supported");
}

std::vector<int64_t> expand_spatial(const std::vector<int64_t>& v, size_t n, int64_t fill) {
  if (v.empty()) return std::vector<int64_t>(n, fill);
  if (v.size() == 1 && n > 1) return std::vector<int64_t>(n, v[0]);
  return v;
}

Expected<std::vector<TensorType>> infer_elementwise(const Node& node) {
  OpId op = node.op();
  std::vector<Shape> shapes;
  for (Value* v : node.operands()) shapes.push_back(v->shape());
  auto broadcast = broadcast_shapes(shapes);
  if (!broadcast) return type_error(node, broadcast.error().message);
  Shape shape = std::move(*broadcast);
  DType dtype;
  if (op == OpId::Cast) {
    dtype = node.result()->dtype();
  } else if (is_predicate_op(op)) {
    dtype = DType::Bool;
  } else if (op == OpId::Where) {
    std::vector<Value*> branches = {node.operand(1), node.operand(2)};
    dtype = promoted(branches);
  } else if (op == OpId::Clamp) {
    // clamp promotes with its scalar bounds.
    std::vector<PromotionOperand> ops = {{node.operand(0)->dtype(), rank_of(node.operand(0))}};
    for (const char* b : {"min", "max"})
      if (!node.attr_is_none(b))
        ops.push_back({node.attr_scalar(b).natural_dtype(), PromotionRank::kWrappedNumber});
    dtype = result_type(ops);
  } else {
    dtype = promoted(node.operands());
    bool true_div = op == OpId::Div && node.attr_is_none("rounding_mode");
    if ((is_float_only_op(op) || true_div) && !is_floating(dtype)) dtype = DType::Float32;
  }
  return std::vector<TensorType>{TensorType{dtype, std::move(shape)}};
}

Expected<std::vector<TensorType>> infer_reduction(const Node& node) {
  const Value* x = node.operand(0);
  OpId op = node.op();
  DType in = x->dtype();
  if (op == OpId::Argmax || op == OpId::Argmin || op == OpId::Cumsum) {
    int64_t dim = node.attr_int("dim");
    if (dim < 0 || (dim >= static_cast<int64_t>(x->rank()) && !(x->rank() == 0 && dim == 0)))
      return type_error(node, fmt::format("dim {} out of range for rank {}", dim, x->rank()));
    if (op == OpId::Cumsum) {
      DType t = is_floating(in) ? in : DType::Int64;
      return std::vector<TensorType>{{t, x->shape()}};
    }
    Shape s = x->rank() == 0 ? Shape{} : reduce_shape(x->shape(), {dim}, node.attr_bool("keepdim"));
    return std::vector<TensorType>{{DType::Int64, s}};
  }
  const auto& dims = node.attr_ints("dims");
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0 || dims[i] >= static_cast<int64_t>(std::max<size_t>(x->rank(), 1)))
      return type_error(node, fmt::format("reduction dim {} out of range for rank {}", dims[i], x->rank()));
    if (i > 0 && dims[i] <= dims[i - 1]) return type_error(node, "reduction dims must be sorted and unique");
  }
  Shape s = reduce_shape(x->shape(), dims, node.attr_bool("keepdim"));
  DType t = in;
  switch (op) {
    case OpId::Sum:
    case OpId::Prod: t = is_floating(in) ? in : DType::Int64; break;
    case OpId::Any:
    case OpId::All: t = DType::Bool; break;
    case OpId::Mean:
    case OpId::Var:
      if (!is_floating(in)) return type_error(node, fmt::format("needs a floating input, got {}", dtype_name(in)));
      break;
    default: break;
  }
  return std::vector<TensorType>{{t, s}};
}

Expected<std::vector<TensorType>> infer_matmul(const Node& node) {
  const Value* a = node.operand(0);
  const Value* b = node.operand(1);
  if (a->dtype() != b->dtype())
    return type_error(node, fmt::format("operands have different dtypes ({} and {})", dtype_name(a->dtype()),
                                        dtype_name(b->dtype())));
  if (a->rank() == 0 || b->rank() == 0) return type_error(node, "operands must have at least one dimension");
  Shape sa = a->shape(), sb = b->shape();
  bool a1 = sa.size() == 1, b1 = sb.size() == 1;
  if (a1) sa.insert(sa.begin(), SymExpr(1));
  if (b1) sb.push_back(SymExpr(1));
  const SymExpr& ka = sa.back();
  const SymExpr& kb = sb[sb.size() - 2];
  if (!maybe_equal(ka, kb))
    return type_error(node, fmt::format("inner dimensions differ: {} vs {}", ka.to_string(), kb.to_string()));
  Shape batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2);
  std::vector<Shape> batches = {batch_a, batch_b};
  auto batch = broadcast_shapes(batches);
  if (!batch) return type_error(node, batch.error().message);
  Shape out = *batch;
  if (!a1) out.push_back(sa[sa.size() - 2]);
  if (!b1) out.push_back(sb.back());
  return std::vector<TensorType>{{a->dtype(), out}};
}

Expected<std::vector<TensorType>> infer_conv(const Node& node) {
  const Value* x = node.operand(0);
  const Value* w = node.operand(1);
  const Value* bias = node.operand(2);
  size_t nsp = w->rank() >= 3 ? w->rank() - 2 : 0;
  if (nsp == 0) return type_error(node, "weight must have at least 3 dimensions");
  bool batched = x->rank() == nsp + 2;
  if (!batched && x->rank() != nsp + 1)
    return type_error(node, fmt::format("input rank {} does not fit a {}-d convolution", x->rank(), nsp));
  auto stride = expand_spatial(node.attr_ints("stride"), nsp, 1);
  auto padding = expand_spatial(node.attr_ints("padding"), nsp, 0);
  auto dilation = expand_spatial(node.attr_ints("dilation"), nsp, 1);
  auto out_pad = expand_spatial(node.attr_ints("output_padding"), nsp, 0);
  if (stride.size() != nsp || padding.size() != nsp || dilation.size() != nsp || out_pad.size() != nsp)
    return type_error(node, "stride/padding/dilation must have one entry per spatial dimension");
  int64_t groups = node.attr_int("groups");
  bool transposed = node.attr_bool("transposed");
  size_t c_dim = batched ? 1 : 0;
  auto w_static = w->type().static_shape();
  if (!w_static) return type_error(node, "weight shape must be static");
  const auto& ws = *w_static;
  auto cin = x->dim(c_dim).constant();
  if (!cin) return type_error(node, "the channel dimension must be static");
  int64_t expected_cin = transposed ? ws[0] : ws[1] * groups;
  if (*cin != expected_cin)
    return type_error(node, fmt::format("input has {} channels, weight expects {}", *cin, expected_cin));
  int64_t cout = transposed ? ws[1] * groups : ws[0];
  if (bias && (bias->rank() != 1 || bias->dim(0) != SymExpr(cout)))
    return type_error(node, fmt::format("bias must have shape [{}]", cout));
  Shape out;
  if (batched) out.push_back(x->dim(0));
  out.emplace_back(cout);
  for (size_t i = 0; i < nsp; ++i) {
    const SymExpr& in = x->dim(c_dim + 1 + i);
    int64_t k = ws[2 + i];
    if (transposed) {
      out.push_back((in - SymExpr(1)) * SymExpr(stride[i]) - SymExpr(2 * padding[i]) +
                    SymExpr(dilation[i] * (k - 1) + out_pad[i] + 1));
    } else {
      AOTC_ASSIGN_OR_RETURN(SymExpr o, window_out(node, in, k, stride[i], padding[i], dilation[i], false));
      out.push_back(o);
    }
  }
  return std::vector<TensorType>{{x->dtype(), out}};
}

Expected<std::vector<TensorType>> infer_pool(const Node& node) {
  const Value* x = node.operand(0);
  OpId op = node.op();
  if (op == OpId::AdaptiveAvgPool || op == OpId::AdaptiveMaxPool) {
    const auto& os = node.attr_ints("output_size");
    if (os.empty() || x->rank() < os.size() + 1)
      return type_error(node, fmt::format("input rank {} too small for output_size of {} dims", x->rank(), os.size()));
    Shape out(x->shape().begin(), x->shape().end() - static_cast<ptrdiff_t>(os.size()));
    for (int64_t o : os) out.emplace_back(o);
    return std::vector<TensorType>{{x->dtype(), out}};
  }
  const auto& k = node.attr_ints("kernel_size");
  size_t nsp = k.size();
  if (nsp == 0 || x->rank() < nsp + 1) return type_error(node, "kernel_size does not fit the input rank");
  auto stride = node.attr_ints("stride").empty() ? k : expand_spatial(node.attr_ints("stride"), nsp, 1);
  auto padding = expand_spatial(node.attr_ints("padding"), nsp, 0);
  std::vector<int64_t> dilation(nsp, 1);
  if (op == OpId::MaxPool) dilation = expand_spatial(node.attr_ints("dilation"), nsp, 1);
  if (stride.size() != nsp || padding.size() != nsp || dilation.size() != nsp)
    return type_error(node, "stride/padding/dilation must have one entry per spatial dimension");
  for (size_t i = 0; i < nsp; ++i)
    if (padding[i] * 2 > k[i]) return type_error(node, "padding must be at most half the kernel size");
  Shape out(x->shape().begin(), x->shape().end() - static_cast<ptrdiff_t>(nsp));
  for (size_t i = 0; i < nsp; ++i) {
    AOTC_ASSIGN_OR_RETURN(SymExpr o, window_out(node, x->dim(x->rank() - nsp + i), k[i], stride[i], padding[i],
                                                dilation[i], node.attr_bool("ceil_mode")));
    out.push_back(o);
  }
  return std::vector<TensorType>{{x->dtype(), out}};
}

Expected<std::vector<TensorType>> infer_view(const Node& node) {
  const Value* x = node.operand(0);
  switch (node.op()) {
    case OpId::Reshape: {
      const auto& shape = node.attr_syms("shape");
      SymExpr n(1);
      for (const auto& d : shape) n = n * d;
      auto a = n.constant(), b = x->type().numel().constant();
      if (a && b && *a != *b)
        return type_error(node, fmt::format("cannot reshape {} elements into {}", *b, shape_to_string(shape)));
      return std::vector<TensorType>{{x->dtype(), shape}};
    }
    case OpId::Permute: {
      const auto& dims = node.attr_ints("dims");
      if (dims.size() != x->rank()) return type_error(node, "permutation length differs from the rank");
      std::vector<bool> seen(dims.size(), false);
      Shape out;
      for (int64_t d : dims) {
        if (d < 0 || d >= static_cast<int64_t>(dims.size()) || seen[d]) return type_error(node, "not a permutation");
        seen[d] = true;
        out.push_back(x->dim(d));
      }
      return std::vector<TensorType>{{x->dtype(), out}};
    }
    case OpId::Expand: {
      const auto& shape = node.attr_syms("shape");
      if (shape.size() < x->rank()) return type_error(node, "expand cannot drop dimensions");
      size_t lead = shape.size() - x->rank();
      for (size_t i = 0; i < x->rank(); ++i) {
        const SymExpr& in = x->dim(i);
        const SymExpr& to = shape[lead + i];
        if (!(in == to) && in != SymExpr(1))
          return type_error(node, fmt::format("cannot expand dimension {} of size {} to {}", i, in.to_string(),
                                              to.to_string()));
      }
      return std::vector<TensorType>{{x->dtype(), shape}};
    }
    case OpId::Slice: {
      auto dim = norm_dim(node.attr_int("dim"), x->rank());
      if (!dim || x->rank() == 0) return type_error(node, "dim out of range");
      int64_t step = node.attr_int("step");
      if (step <= 0) return type_error(node, "step must be positive");
      SymExpr len = node.attr_sym("end") - node.attr_sym("start");
      Shape out = x->shape();
      out[*dim] = SymExpr::floordiv(len + SymExpr(step - 1), SymExpr(step));
      return std::vector<TensorType>{{x->dtype(), out}};
    }
    case OpId::Select: {
      auto dim = norm_dim(node.attr_int("dim"), x->rank());
      if (!dim || x->rank() == 0) return type_error(node, "dim out of range");
      Shape out = x->shape();
      out.erase(out.begin() + static_cast<ptrdiff_t>(*dim));
      return std::vector<TensorType>{{x->dtype(), out}};
    }
    default: AOTC_UNREACHABLE("not a view op");
  }
}

Expected<std::vector<TensorType>> infer_data(const Node& node) {
  switch (node.op()) {
    case OpId::Cat: {
      if (node.num_operands() == 0) return type_error(node, "needs at least one tensor");
      const Value* first = node.operand(0);
      auto dim = norm_dim(node.attr_int("dim"), first->rank());
      if (!dim) return type_error(node, "dim out of range");
      Shape out = first->shape();
      out[*dim] = SymExpr(0);
      for (Value* v : node.operands()) {
        if (v->rank() != first->rank()) return type_error(node, "tensors must have the same rank");
        for (size_t i = 0; i < v->rank(); ++i)
          if (i != *dim && !(v->dim(i) == first->dim(i)))
            return type_error(node, fmt::format("sizes differ in dimension {}: {} vs {}", i, v->dim(i).to_string(),
                                                first->dim(i).to_string()));
        out[*dim] = out[*dim] + v->dim(*dim);
      }
      return std::vector<TensorType>{{promoted(node.operands()), out}};
    }
    case OpId::ConstantPad: {
      const Value* x = node.operand(0);
      const auto& pad = node.attr_syms("pad");
      if (pad.size() % 2 != 0 || pad.size() / 2 > x->rank()) return type_error(node, "bad pad length");
      Shape out = x->shape();
      for (size_t i = 0; i < pad.size() / 2; ++i) {
        size_t d = x->rank() - 1 - i;
        out[d] = out[d] + pad[2 * i] + pad[2 * i + 1];
      }
      return std::vector<TensorType>{{x->dtype(), out}};
    }
    case OpId::Embedding: {
      const Value* w = node.operand(0);
      const Value* idx = node.operand(1);
      if (w->rank() != 2) return type_error(node, "weight must be 2-D");
      if (is_floating(idx->dtype()) || idx->dtype() == DType::Bool) return type_error(node, "indices must be integers");
      Shape out = idx->shape();
      out.push_back(w->dim(1));
      return std::vector<TensorType>{{w->dtype(), out}};
    }
    case OpId::IndexSelect: {
      const Value* x = node.operand(0);
      const Value* idx = node.operand(1);
      auto dim = norm_dim(node.attr_int("dim"), x->rank());
      if (!dim) return type_error(node, "dim out of range");
      if (idx->rank() > 1) return type_error(node, "index must be 0-D or 1-D");
      Shape out = x->shape();
      if (x->rank() > 0) out[*dim] = idx->rank() == 0 ? SymExpr(1) : idx->dim(0);
      return std::vector<TensorType>{{x->dtype(), out}};
    }
    case OpId::Gather: {
      const Value* x = node.operand(0);
      const Value* idx = node.operand(1);
      if (idx->rank() != x->rank()) return type_error(node, "index must have the rank of the input");
      return std::vector<TensorType>{{x->dtype(), idx->shape()}};
    }
    case OpId::Tril:
    case OpId::Triu: {
      const Value* x = node.operand(0);
      if (x->rank() < 2) return type_error(node, "needs at least 2 dimensions");
      return std::vector<TensorType>{{x->dtype(), x->shape()}};
    }
    default: AOTC_UNREACHABLE("not a data op");
  }
}

Expected<std::vector<TensorType>> infer_normalization(const Node& node) {
  const Value* x = node.operand(0);
  switch (node.op()) {
    case OpId::Softmax:
    case OpId::LogSoftmax: {
      if (!norm_dim(node.attr_int("dim"), x->rank())) return type_error(node, "dim out of range");
      if (!is_floating(x->dtype())) return type_error(node, "needs a floating input");
      break;
    }
    case OpId::LayerNorm: {
      int64_t n = node.attr_int("normalized_ndim");
      if (n <= 0 || n > static_cast<int64_t>(x->rank())) return type_error(node, "normalized_shape does not fit the input");
      for (size_t i = 1; i < 3; ++i) {
        const Value* p = node.operand(i);
        if (!p) continue;
        Shape tail(x->shape().end() - n, x->shape().end());
        if (p->shape() != tail)
          return type_error(node, fmt::format("{} has shape {}, expected {}", node.info().operands[i].name,
                                              shape_to_string(p->shape()), shape_to_string(tail)));
      }
      break;
    }
    case OpId::GroupNorm:
    case OpId::BatchNorm: {
      if (x->rank() < 2) return type_error(node, "needs at least 2 dimensions");
      auto c = x->dim(1).constant();
      if (!c) return type_error(node, "the channel dimension must be static");
      if (node.op() == OpId::GroupNorm && (node.attr_int("groups") <= 0 || *c % node.attr_int("groups") != 0))
        return type_error(node, "channels must be divisible by groups");
      for (size_t i = 1; i < node.num_operands(); ++i) {
        const Value* p = node.operand(i);
        if (p && (p->rank() != 1 || p->dim(0) != SymExpr(*c)))
          return type_error(node, fmt::format("{} must have shape [{}]", node.info().operands[i].name, *c));
      }
      break;
    }
    default: AOTC_UNREACHABLE("not a normalization op");
  }
  return std::vector<TensorType>{{x->dtype(), x->shape()}};
}

Expected<std::vector<TensorType>> infer_attention(const Node& node) {
  const Value* q = node.operand(0);
  const Value* k = node.operand(1);
  const Value* v = node.operand(2);
  if (q->rank() < 2 || k->rank() != q->rank() || v->rank() != q->rank())
    return type_error(node, "query, key and value must have the same rank, at least 2");
  if (q->dtype() != k->dtype() || q->dtype() != v->dtype())
    return type_error(node, "query, key and value must have the same dtype");
  size_t r = q->rank();
  if (!(q->dim(r - 1) == k->dim(r - 1))) return type_error(node, "query and key head sizes differ");
  if (!(k->dim(r - 2) == v->dim(r - 2))) return type_error(node, "key and value sequence lengths differ");
  Shape out = q->shape();
  out[r - 1] = v->dim(r - 1);
  return std::vector<TensorType>{{q->dtype(), out}};
}

}  // namespace

bool is_predicate_op(OpId op) {
  switch (op) {
    case OpId::Eq: case OpId::Ne: case OpId::Lt: case OpId::Le: case OpId::Gt: case OpId::Ge:
    case OpId::LogicalAnd: case OpId::LogicalOr: case OpId::LogicalXor: case OpId::LogicalNot:
    case OpId::IsNan:
      return true;
    default:
      return false;
  }
}

bool is_float_only_op(OpId op) {
  switch (op) {
    case OpId::Exp: case OpId::Expm1: case OpId::Log: case OpId::Log2: case OpId::Log1p:
    case OpId::Sqrt: case OpId::Rsqrt: case OpId::Reciprocal: case OpId::Sin: case OpId::Cos:
    case OpId::Tan: case OpId::Tanh: case OpId::Atan: case OpId::Erf: case OpId::Sigmoid:
    case OpId::Gelu: case OpId::Silu: case OpId::Mish: case OpId::Softplus: case OpId::Hardswish:
    case OpId::Hardsigmoid: case OpId::Elu: case OpId::Atan2: case OpId::LeakyRelu:
      return true;
    default:
      return false;
  }
}

DType elementwise_compute_type(const Node& node) {
  if (node.op() == OpId::Where) {
    std::vector<Value*> branches = {node.operand(1), node.operand(2)};
    return promoted(branches);
  }
  if (node.op() == OpId::Cast) return node.operand(0)->dtype();
  DType t = promoted(node.operands());
  if (!is_predicate_op(node.op()) && is_floating(node.result()->dtype()) && !is_floating(t))
    t = node.result()->dtype();
  return t;
}

Expected<Shape> broadcast_shapes(std::span<const Shape> shapes) {
  size_t rank = 0;
  for (const auto& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, SymExpr(1));
  for (const auto& s : shapes) {
    size_t off = rank - s.size();
    for (size_t i = 0; i < s.size(); ++i) {
      SymExpr& o = out[off + i];
      const SymExpr& d = s[i];
      if (d == o || d == SymExpr(1)) continue;
      if (o == SymExpr(1)) {
        o = d;
        continue;
      }
      return make_error(ErrorCode::kInvalidInput, "cannot broadcast dimension {} of size {} with size {}",
                        static_cast<int64_t>(i) - static_cast<int64_t>(s.size()), d.to_string(), o.to_string());
    }
  }
  return out;
}

Expected<std::vector<TensorType>> infer_types(const Node& node) {
  switch (node.kind()) {
    case OpKind::kSource: {
      if (node.op() == OpId::Full) return std::vector<TensorType>{{node.result()->dtype(), node.attr_syms("shape")}};
      if (node.op() == OpId::Arange) return std::vector<TensorType>{{node.result()->dtype(), {node.attr_sym("length")}}};
      if (node.op() == OpId::Scalar) return std::vector<TensorType>{{node.result()->dtype(), {}}};
      if (node.op() == OpId::Constant) {
        TensorType t{node.constant_data().dtype(), {}};
        for (int64_t d : node.constant_data().shape()) t.shape.emplace_back(d);
        return std::vector<TensorType>{t};
      }
      return std::vector<TensorType>{node.result()->type()};
    }
    case OpKind::kElementwise: return infer_elementwise(node);
    case OpKind::kReduction: return infer_reduction(node);
    case OpKind::kNormalization: return infer_normalization(node);
    case OpKind::kGemm: {
      if (node.op() == OpId::Matmul) return infer_matmul(node);
      const Value* x = node.operand(0);
      const Value* w = node.operand(1);
      const Value* b = node.operand(2);
      if (w->rank() != 2 || x->rank() < 1) return type_error(node, "weight must be 2-D and input at least 1-D");
      if (!(x->dim(x->rank() - 1) == w->dim(1)))
        return type_error(node, fmt::format("input features {} differ from weight features {}",
                                            x->dim(x->rank() - 1).to_string(), w->dim(1).to_string()));
      if (x->dtype() != w->dtype()) return type_error(node, "input and weight dtypes differ");
      if (b && (b->rank() > 1 || (b->rank() == 1 && !(b->dim(0) == w->dim(0)) && b->dim(0) != SymExpr(1))))
        return type_error(node, "bias does not match the output features");
      Shape out(x->shape().begin(), x->shape().end() - 1);
      out.push_back(w->dim(0));
      return std::vector<TensorType>{{x->dtype(), out}};
    }
    case OpKind::kConv: return infer_conv(node);
    case OpKind::kPool: return infer_pool(node);
    case OpKind::kView: return infer_view(node);
    case OpKind::kData: return infer_data(node);
    case OpKind::kAttention: return infer_attention(node);
  }
  AOTC_UNREACHABLE("unknown op kind");
}

Expected<Node*> build_node(Graph& graph, OpId op, std::vector<Value*> operands, const NamedAttrs& attrs,
                           std::optional<DType> dtype, std::string name, Node* before) {
  // Placeholder result type (every op has one result), typed right below.
  std::vector<TensorType> placeholder(1, TensorType{dtype.value_or(DType::Float32), {}});
  Node* n = graph.create(op, std::move(operands), attrs, std::move(placeholder), std::move(name), before);
  auto types = infer_types(*n);
  if (!types) {
    graph.erase(n);
    return std::move(types).error();
  }
  for (size_t i = 0; i < types->size(); ++i) n->result(i)->set_type((*types)[i]);
  return n;
}

}  // namespace aotc

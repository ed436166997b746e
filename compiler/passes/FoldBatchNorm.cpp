// Batch-norm folding (see FoldBatchNorm.h).
#include "passes/FoldBatchNorm.h"

#include <cmath>
#include <vector>

#include "ir/ShapeInference.h"

namespace aotc {
namespace {

bool is_constant(const Value* v) { return v && v->node()->op() == OpId::Constant; }

// Per-channel scale and shift of an inference batch norm, in double.
struct Affine {
  std::vector<double> scale;
  std::vector<double> shift;
};

Affine batch_norm_affine(const Node& bn, int64_t channels) {
  const HostTensor* gamma = bn.operand(1) ? &bn.operand(1)->node()->constant_data() : nullptr;
  const HostTensor* beta = bn.operand(2) ? &bn.operand(2)->node()->constant_data() : nullptr;
  const HostTensor& mean = bn.operand(3)->node()->constant_data();
  const HostTensor& var = bn.operand(4)->node()->constant_data();
  double eps = bn.attr_float("eps");
  Affine a;
  for (int64_t c = 0; c < channels; ++c) {
    double s = (gamma ? gamma->get(c) : 1.0) / std::sqrt(var.get(c) + eps);
    a.scale.push_back(s);
    a.shift.push_back((beta ? beta->get(c) : 0.0) - mean.get(c) * s);
  }
  return a;
}

bool statistics_are_constant(const Node& bn) {
  for (size_t i = 1; i < 5; ++i)
    if (bn.operand(i) && !is_constant(bn.operand(i))) return false;
  return true;
}

// conv/linear producing bn's input with no other user, or null.
Node* foldable_producer(const Node& bn) {
  Value* x = bn.operand(0);
  Node* p = x->node();
  if (x->uses().size() != 1 || x->is_output()) return nullptr;
  if (p->op() != OpId::Convolution && p->op() != OpId::Linear) return nullptr;
  if (!is_constant(p->operand(1)) || (p->operand(2) && !is_constant(p->operand(2)))) return nullptr;
  if (p->op() == OpId::Convolution) return p;
  if (p->op() == OpId::Linear && x->rank() == 2) return p;  // channel dim 1 == output features
  return nullptr;
}

Expected<bool> fold_into(Graph& g, Node& bn, Node& p) {
  const HostTensor& w = p.operand(1)->node()->constant_data();
  const int64_t channels = p.result()->dim(1).constant().value();
  Affine a = batch_norm_affine(bn, channels);
  const bool transposed = p.op() == OpId::Convolution && p.attr_bool("transposed");
  const int64_t groups = p.op() == OpId::Convolution ? p.attr_int("groups") : 1;

  HostTensor w2 = HostTensor::zeros(w.dtype(), w.shape());
  const int64_t d0 = w.dim(0), d1 = w.dim(1);
  const int64_t inner = d0 * d1 == 0 ? 0 : w.numel() / (d0 * d1);
  const bool f32 = w.dtype() == DType::Float32;
  for (int64_t i = 0; i < d0; ++i) {
    for (int64_t j = 0; j < d1; ++j) {
      // Output channel of weight element [i, j, ...].
      int64_t oc = transposed ? (i / (d0 / groups)) * d1 + j : i;
      const double scale = a.scale[static_cast<size_t>(oc)];
      const int64_t base = (i * d1 + j) * inner;
      if (f32) {
        // The common case without per-element dtype dispatch; same rounding as set().
        const float* src = w.data_as<float>() + base;
        float* dst = w2.mutable_data_as<float>() + base;
        for (int64_t k = 0; k < inner; ++k) dst[k] = static_cast<float>(static_cast<double>(src[k]) * scale);
      } else {
        for (int64_t k = 0; k < inner; ++k) w2.set(base + k, w.get(base + k) * scale);
      }
    }
  }
  DType bias_dtype = p.operand(2) ? p.operand(2)->dtype() : w.dtype();
  HostTensor b2 = HostTensor::zeros(bias_dtype, {channels});
  const HostTensor* b = p.operand(2) ? &p.operand(2)->node()->constant_data() : nullptr;
  for (int64_t c = 0; c < channels; ++c)
    b2.set(c, (b ? b->get(c) : 0.0) * a.scale[static_cast<size_t>(c)] + a.shift[static_cast<size_t>(c)]);

  Value* wv = g.add_constant(g.unique_name(p.operand(1)->name() + "_bnfold"),
                             std::get<std::string>(p.operand(1)->node()->attr("fqn")) + "+" + bn.name(), w2, &p);
  Value* bv = g.add_constant(g.unique_name(p.name() + "_bias_bnfold"), bn.name() + ".folded_bias", b2, &p);
  p.set_operand(1, wv);
  p.set_operand(2, bv);
  bn.result()->replace_all_uses_with(p.result());
  return true;
}

Expected<bool> lower_to_affine(Graph& g, Node& bn) {
  Value* x = bn.operand(0);
  const int64_t channels = x->dim(1).constant().value();
  Affine a = batch_norm_affine(bn, channels);
  DType t = opmath_type(x->dtype());
  std::vector<int64_t> shape = {channels};
  for (size_t i = 2; i < x->rank(); ++i) shape.push_back(1);
  HostTensor scale = HostTensor::zeros(t, shape), shift = HostTensor::zeros(t, shape);
  for (int64_t c = 0; c < channels; ++c) {
    scale.set(c, a.scale[static_cast<size_t>(c)]);
    shift.set(c, a.shift[static_cast<size_t>(c)]);
  }
  Value* sv = g.add_constant(g.unique_name(bn.name() + "_scale"), bn.name() + ".scale", scale, &bn);
  Value* hv = g.add_constant(g.unique_name(bn.name() + "_shift"), bn.name() + ".shift", shift, &bn);
  AOTC_ASSIGN_OR_RETURN(Node * mul, build_node(g, OpId::Mul, {x, sv}, {}, std::nullopt, bn.name() + "_mul", &bn));
  AOTC_ASSIGN_OR_RETURN(Node * add, build_node(g, OpId::Add, {mul->result(), hv}, {}, std::nullopt,
                                               bn.name() + "_add", &bn));
  Value* y = add->result();
  if (y->dtype() != bn.result()->dtype()) {
    AOTC_ASSIGN_OR_RETURN(Node * c, build_node(g, OpId::Cast, {y}, {}, bn.result()->dtype(), bn.name() + "_cast", &bn));
    y = c->result();
  }
  bn.result()->replace_all_uses_with(y);
  return true;
}

}  // namespace

Expected<bool> fold_batch_norm(Graph& graph) {
  bool changed = false;
  std::vector<Node*> bns;
  for (const auto& n : graph.nodes())
    if (n->op() == OpId::BatchNorm && n->result()->has_uses()) bns.push_back(n.get());
  for (Node* bn : bns) {
    if (!statistics_are_constant(*bn)) continue;
    if (Node* p = foldable_producer(*bn)) {
      AOTC_ASSIGN_OR_RETURN(bool c, fold_into(graph, *bn, *p));
      changed |= c;
    } else {
      AOTC_ASSIGN_OR_RETURN(bool c, lower_to_affine(graph, *bn));
      changed |= c;
    }
  }
  return changed;
}

}  // namespace aotc

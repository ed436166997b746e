// Constant folding (see FoldConstants.h).
#include "passes/FoldConstants.h"

#include <vector>

#include "eval/Evaluator.h"

namespace aotc {
namespace {

bool is_foldable_source(const Value* v) {
  OpId op = v->node()->op();
  if (op == OpId::Constant || op == OpId::Scalar) return true;
  return (op == OpId::Full || op == OpId::Arange) && v->type().static_shape().has_value();
}

Expected<HostTensor> source_value(const Value* v) {
  if (v->node()->op() == OpId::Constant) return v->node()->constant_data();
  return evaluate_node(*v->node(), {}, {});
}

}  // namespace

Expected<bool> fold_constants(Graph& graph, const FoldConstantsOptions& options) {
  bool changed = false;
  std::vector<Node*> order;
  for (const auto& n : graph.nodes()) order.push_back(n.get());
  for (Node* n : order) {
    if (n->kind() == OpKind::kSource || !n->result()->has_uses()) continue;
    bool all_constant = n->num_operands() > 0;
    bool any_weight = false;
    size_t input_bytes = 0;
    for (Value* v : n->operands()) {
      if (!v) continue;
      if (!is_foldable_source(v)) {
        all_constant = false;
        break;
      }
      any_weight |= v->node()->op() == OpId::Constant;
      if (auto s = v->type().static_shape()) {
        int64_t numel = 1;
        for (int64_t d : *s) numel *= d;
        input_bytes += static_cast<size_t>(numel) * dtype_size(v->dtype());
      }
    }
    if (!all_constant || !any_weight) continue;
    auto out_shape = n->result()->type().static_shape();
    if (!out_shape) continue;
    int64_t numel = 1;
    for (int64_t d : *out_shape) numel *= d;
    size_t out_bytes = static_cast<size_t>(numel) * dtype_size(n->result()->dtype());
    if (out_bytes > options.max_bytes || out_bytes > std::max<size_t>(input_bytes, 4096)) continue;

    std::vector<HostTensor> values;
    values.reserve(n->num_operands());
    std::vector<const HostTensor*> ptrs;
    for (Value* v : n->operands()) {
      if (!v) {
        ptrs.push_back(nullptr);
        continue;
      }
      AOTC_ASSIGN_OR_RETURN(HostTensor t, source_value(v));
      values.push_back(std::move(t));
    }
    size_t k = 0;
    ptrs.clear();
    for (Value* v : n->operands()) ptrs.push_back(v ? &values[k++] : nullptr);
    AOTC_ASSIGN_OR_RETURN(HostTensor folded, evaluate_node(*n, ptrs, {}));
    std::string fqn;
    for (Value* v : n->operands())
      if (v && v->node()->op() == OpId::Constant) {
        fqn = std::get<std::string>(v->node()->attr("fqn"));
        break;
      }
    Value* c = graph.add_constant(graph.unique_name(n->name() + "_folded"),
                                  fqn + "+" + std::string(n->info().name), std::move(folded), n);
    n->result()->replace_all_uses_with(c);
    changed = true;
  }
  return changed;
}

}  // namespace aotc

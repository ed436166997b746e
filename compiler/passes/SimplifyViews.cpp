// View simplification (see SimplifyViews.h). Each rule matches first and only
// then rewrites; a rule that fires leaves dead nodes for dead code elimination.
#include "passes/SimplifyViews.h"

#include "ir/ShapeInference.h"

namespace aotc {
namespace {

bool is_identity(const Node& n) {
  if (n.num_operands() != 1 || !n.operand(0)) return false;
  const Value* x = n.operand(0);
  const Value* y = n.result();
  switch (n.op()) {
    case OpId::Reshape:
    case OpId::Expand:
      return x->shape() == y->shape();
    case OpId::Permute: {
      const auto& d = n.attr_ints("dims");
      for (size_t i = 0; i < d.size(); ++i)
        if (d[i] != static_cast<int64_t>(i)) return false;
      return true;
    }
    case OpId::Slice:
      return x->shape() == y->shape() && n.attr_sym("start") == SymExpr(0) && n.attr_int("step") == 1;
    case OpId::Cast:
      return x->dtype() == y->dtype();
    default:
      return false;
  }
}

// Replaces `n` by a new node of the same kind reading `source` directly.
Expected<bool> rebuild(Graph& g, Node* n, Value* source, const NamedAttrs& attrs) {
  AOTC_ASSIGN_OR_RETURN(Node * m, build_node(g, n->op(), {source}, attrs, n->result()->dtype(), n->name(), n));
  n->result()->replace_all_uses_with(m->result());
  return true;
}

// One sweep over the graph; the pass repeats sweeps until nothing changes.
Expected<bool> sweep(Graph& graph) {
  bool changed = false;
  std::vector<Node*> order;
  for (const auto& n : graph.nodes()) order.push_back(n.get());
  for (Node* n : order) {
    if (!n->result()->has_uses()) continue;
    if (is_identity(*n)) {
      n->result()->replace_all_uses_with(n->operand(0));
      changed = true;
      continue;
    }
    Value* src = n->num_operands() == 1 ? n->operand(0) : nullptr;
    if (!src) continue;
    Node* p = src->node();
    if (n->op() == OpId::Reshape && p->op() == OpId::Reshape) {
      AOTC_ASSIGN_OR_RETURN(bool c, rebuild(graph, n, p->operand(0), {{"shape", n->attr_syms("shape")}}));
      changed |= c;
    } else if (n->op() == OpId::Permute && p->op() == OpId::Permute) {
      const auto& outer = n->attr_ints("dims");
      const auto& inner = p->attr_ints("dims");
      std::vector<int64_t> composed(outer.size());
      for (size_t i = 0; i < outer.size(); ++i) composed[i] = inner[static_cast<size_t>(outer[i])];
      AOTC_ASSIGN_OR_RETURN(bool c, rebuild(graph, n, p->operand(0), {{"dims", composed}}));
      changed |= c;
    } else if (n->op() == OpId::Expand && p->op() == OpId::Expand) {
      AOTC_ASSIGN_OR_RETURN(bool c, rebuild(graph, n, p->operand(0), {{"shape", n->attr_syms("shape")}}));
      changed |= c;
    }
  }
  return changed;
}

}  // namespace

Expected<bool> simplify_views(Graph& graph) {
  bool changed = false;
  // Each sweep shortens every chain, so a few sweeps reach the fixed point.
  for (int i = 0; i < 16; ++i) {
    AOTC_ASSIGN_OR_RETURN(bool c, sweep(graph));
    if (!c) break;
    changed = true;
  }
  return changed;
}

}  // namespace aotc

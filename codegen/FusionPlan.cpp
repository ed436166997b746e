// Fusion analysis (see FusionPlan.h).
#include "codegen/FusionPlan.h"

#include "support/Check.h"

namespace aotc::codegen {
namespace {

// Operand positions a node reads as a strided buffer.
bool needs_buffer_operand(const Node& n, size_t i) {
  switch (n.op()) {
    case OpId::Matmul:
    case OpId::Linear:
    case OpId::Convolution:
    case OpId::Sdpa:
    case OpId::Cumsum:
      return true;
    case OpId::Embedding:
      return i == 0;
    case OpId::IndexSelect:
    case OpId::Gather:
      return i == 0;
    default:
      return false;
  }
}

bool accepts_inline_operand(const Node& n) {
  switch (n.kind()) {
    case OpKind::kElementwise:
    case OpKind::kReduction:
    case OpKind::kNormalization:
    case OpKind::kPool:
    case OpKind::kView:
      return n.op() != OpId::Cumsum;
    case OpKind::kData:
      return true;  // cat, pad, tril/triu, gather indices (tables are buffers)
    default:
      return false;
  }
}

// Consumers of a value, looking through views (which are always inline).
void effective_users(const Value* v, std::vector<const Node*>& out) {
  for (const Use& u : v->uses()) {
    if (u.user->kind() == OpKind::kView) {
      effective_users(u.user->result(), out);
      if (u.user->result()->is_output()) out.push_back(nullptr);  // a copy kernel reads it
    } else {
      out.push_back(u.user);
    }
  }
}

}  // namespace

bool is_heavy(const Node& n) {
  switch (n.kind()) {
    case OpKind::kGemm:
    case OpKind::kConv:
    case OpKind::kAttention:
    case OpKind::kPool:
      return true;
    case OpKind::kReduction:
      return true;
    case OpKind::kNormalization:
      return n.op() != OpId::BatchNorm;
    default:
      return false;
  }
}

bool is_expression_op(const Node& n) {
  switch (n.kind()) {
    case OpKind::kElementwise:
    case OpKind::kView:
      return true;
    case OpKind::kSource:
      return n.op() == OpId::Scalar || n.op() == OpId::Full || n.op() == OpId::Arange;
    case OpKind::kData:
      return true;
    case OpKind::kNormalization:
      return n.op() == OpId::BatchNorm;
    default:
      return false;
  }
}

const Value* FusionPlan::stored_value(const Node* heavy) const {
  auto it = epilogue.find(heavy);
  if (it == epilogue.end() || it->second.empty()) return heavy->result();
  return it->second.back()->result();
}

FusionPlan plan_fusion(const Graph& graph) {
  FusionPlan plan;
  std::vector<const Node*> order;
  for (const auto& n : graph.nodes()) order.push_back(n.get());

  // Which values consumers need as buffers (reverse order, through views).
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const Node* n = *it;
    if (n->kind() == OpKind::kView && plan.need_buffer[n->result()]) plan.need_buffer[n->operand(0)] = true;
    for (size_t i = 0; i < n->num_operands(); ++i)
      if (n->operand(i) && needs_buffer_operand(*n, i)) plan.need_buffer[n->operand(i)] = true;
  }

  // Epilogue chains of heavy nodes (attention and scans take none).
  for (const Node* n : order) {
    if (!is_heavy(*n) || n->op() == OpId::Sdpa || n->op() == OpId::Cumsum) continue;
    std::vector<const Node*> chain;
    const Value* v = n->result();
    while (v->uses().size() == 1 && !v->is_output()) {
      const Node* e = v->uses()[0].user;
      if (e->kind() != OpKind::kElementwise || !(e->result()->shape() == v->shape())) break;
      if (plan.role.contains(e->result())) break;  // already in another heavy node's chain
      chain.push_back(e);
      plan.role[v] = Role::kEpilogue;
      plan.epilogue_owner[v] = n;
      v = e->result();
    }
    if (!chain.empty()) {
      plan.epilogue[n] = chain;
      // Everything in the chain but the stored end is computed in registers.
      for (size_t i = 0; i + 1 < chain.size(); ++i) {
        plan.role[chain[i]->result()] = Role::kEpilogue;
        plan.epilogue_owner[chain[i]->result()] = n;
      }
      plan.role[n->result()] = Role::kEpilogue;
      plan.epilogue_owner[n->result()] = n;
      plan.role[chain.back()->result()] = Role::kMaterialize;
      plan.epilogue_owner[chain.back()->result()] = n;
    }
  }

  for (const Node* n : order) {
    const Value* v = n->result();
    if (plan.role.contains(v)) continue;
    if (n->op() == OpId::Input) {
      plan.role[v] = Role::kInput;
    } else if (n->op() == OpId::Constant) {
      plan.role[v] = Role::kWeight;
    } else if (n->kind() == OpKind::kView) {
      plan.role[v] = Role::kInline;
    } else if (is_expression_op(*n)) {
      std::vector<const Node*> users;
      effective_users(v, users);
      bool inline_ok = !v->is_output() && !plan.need_buffer[v] && users.size() == 1 && users[0] &&
                       accepts_inline_operand(*users[0]);
      // Sources (scalars, fills, aranges) are cheap to recompute anywhere.
      bool source = n->kind() == OpKind::kSource;
      plan.role[v] = (inline_ok || (source && !v->is_output() && !plan.need_buffer[v])) ? Role::kInline
                                                                                        : Role::kMaterialize;
    } else {
      plan.role[v] = Role::kMaterialize;
    }
  }
  return plan;
}

}  // namespace aotc::codegen

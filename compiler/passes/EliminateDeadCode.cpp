// Dead code elimination (see EliminateDeadCode.h).
#include "passes/EliminateDeadCode.h"

#include <vector>

namespace aotc {

Expected<bool> eliminate_dead_code(Graph& graph) {
  bool changed = false;
  // Walk backwards so a node's operands become dead in the same sweep.
  std::vector<Node*> order;
  for (const auto& n : graph.nodes()) order.push_back(n.get());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* n = *it;
    if (n->op() == OpId::Input) continue;
    bool used = false;
    for (size_t i = 0; i < n->num_results(); ++i) used |= n->result(i)->has_uses();
    if (used) continue;
    graph.erase(n);
    changed = true;
  }
  return changed;
}

}  // namespace aotc

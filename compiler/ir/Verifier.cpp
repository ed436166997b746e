// The graph verifier (see Verifier.h).
#include "ir/Verifier.h"

#include <algorithm>
#include <unordered_set>

#include "ir/Printer.h"
#include "ir/ShapeInference.h"

namespace aotc {
namespace {

Error bad(const Node& node, const std::string& what) {
  return make_error(ErrorCode::kInternal, "IR verification failed at '{}': {}\n  {}", node.name(), what,
                    print_node(node));
}

}  // namespace

Status verify(const Graph& graph) {
  std::unordered_set<const Value*> defined;
  for (const auto& owned : graph.nodes()) {
    const Node& node = *owned;
    const OpInfo& info = node.info();
    if (node.graph() != &graph) return bad(node, "node belongs to another graph");
    if (!info.is_variadic() && node.num_operands() != info.operands.size())
      return bad(node, fmt::format("{} operands, op takes {}", node.num_operands(), info.operands.size()));
    for (size_t i = 0; i < node.num_operands(); ++i) {
      const Value* v = node.operand(i);
      if (!v) {
        if (info.is_variadic() || !info.operands[i].optional) return bad(node, fmt::format("operand {} is null", i));
        continue;
      }
      if (!defined.contains(v)) return bad(node, fmt::format("operand %{} is not defined before use", v->name()));
      if (std::find(v->uses().begin(), v->uses().end(), Use{const_cast<Node*>(&node), static_cast<unsigned>(i)}) ==
          v->uses().end())
        return bad(node, fmt::format("use list of %{} lacks this use", v->name()));
    }
    for (size_t i = 0; i < info.attrs.size(); ++i) {
      const AttrValue& a = node.attrs()[i];
      bool none = std::holds_alternative<std::monostate>(a);
      if ((none && !info.attrs[i].optional) || (!none && !attr_matches(a, info.attrs[i].type)))
        return bad(node, fmt::format("attribute '{}' must be {}", info.attrs[i].name, attr_type_name(info.attrs[i].type)));
    }
    auto types = infer_types(node);
    if (!types) return bad(node, types.error().message);
    if (types->size() != node.num_results()) return bad(node, "wrong number of results");
    for (size_t i = 0; i < node.num_results(); ++i) {
      const Value* r = node.result(i);
      if (!(r->type() == (*types)[i]))
        return bad(node, fmt::format("result %{} has type {}, its op gives {}", r->name(), r->type().to_string(),
                                     (*types)[i].to_string()));
      for (const auto& d : r->shape())
        for (const auto& s : d.symbols())
          if (!graph.symbols().contains(s)) return bad(node, fmt::format("symbol {} has no declared range", s));
      for (const Use& u : r->uses())
        if (u.operand >= u.user->num_operands() || u.user->operand(u.operand) != r)
          return bad(node, fmt::format("use list of %{} names a stale use", r->name()));
      defined.insert(r);
    }
    if (node.op() == OpId::Constant) {
      const HostTensor& t = node.constant_data();
      if (!t.defined()) return bad(node, "constant has no data");
    }
  }
  for (size_t i = 0; i < graph.outputs().size(); ++i) {
    const Value* v = graph.outputs()[i];
    if (!v || !defined.contains(v))
      return make_error(ErrorCode::kInternal, "IR verification failed: output {} is not defined in the graph", i);
  }
  return Status::ok();
}

}  // namespace aotc

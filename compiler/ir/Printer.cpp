// Text printer for the graph IR (format in Printer.h).
#include "ir/Printer.h"

#include <sstream>

namespace aotc {

std::string range_to_string(const SymbolRange& range) {
  return "[" + (range.min ? std::to_string(*range.min) : std::string("-inf")) + ", " +
         (range.max ? std::to_string(*range.max) : std::string("inf")) + "]";
}

namespace {

bool is_default(const AttrSpec& spec, const AttrValue& v) {
  if (!spec.has_default) return false;
  if (spec.default_value.index() != v.index()) return false;
  return attr_to_string(spec.default_value) == attr_to_string(v);
}

}  // namespace

std::string print_node(const Node& node) {
  std::string s;
  for (size_t i = 0; i < node.num_results(); ++i) {
    const Value* r = node.result(i);
    s += (i ? ", %" : "%") + r->name() + ": " + r->type().to_string();
  }
  s += " = " + node.info().name + "(";
  for (size_t i = 0; i < node.num_operands(); ++i) {
    const Value* v = node.operand(i);
    s += (i ? ", " : "") + (v ? "%" + v->name() : std::string("none"));
  }
  s += ")";
  std::string attrs;
  const auto& specs = node.info().attrs;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (is_default(specs[i], node.attrs()[i])) continue;
    attrs += (attrs.empty() ? "" : ", ") + specs[i].name + "=" + attr_to_string(node.attrs()[i]);
  }
  if (!attrs.empty()) s += " {" + attrs + "}";
  return s;
}

void print_graph(const Graph& graph, std::ostream& os) {
  os << "graph " << graph.name() << " {\n";
  for (const auto& [name, range] : graph.symbols()) os << "  symbol " << name << " in " << range_to_string(range) << "\n";
  for (const auto& node : graph.nodes()) os << "  " << print_node(*node) << "\n";
  os << "  return";
  for (size_t i = 0; i < graph.outputs().size(); ++i) os << (i ? ", %" : " %") << graph.outputs()[i]->name();
  os << "\n}\n";
}

std::string print_graph(const Graph& graph) {
  std::ostringstream os;
  print_graph(graph, os);
  return os.str();
}

}  // namespace aotc

// The reference evaluator's driver: binding symbols from input shapes,
// checking operands and results against the graph's types, dispatching each
// node to its op family, and running a whole graph in order.
#include "eval/Evaluator.h"

#include <unordered_map>

#include "eval/EvalSupport.h"
#include "ir/Printer.h"

namespace aotc {
namespace {

using eval_internal::EvalContext;
using eval_internal::shape_str;

Error node_error(const Node& node, const std::string& what,
                 ErrorCode code = ErrorCode::kInvalidInput) {
  return make_error(code, "{} (node '{}'): {}", node.info().name, node.name(), what);
}

// The concrete shape of a symbolic one, or an error naming `what`.
Expected<std::vector<int64_t>> concrete_shape(const EvalContext& ctx, const Shape& shape,
                                              std::string_view what) {
  std::vector<int64_t> out;
  for (size_t d = 0; d < shape.size(); ++d) {
    AOTC_ASSIGN_OR_RETURN(int64_t v,
                          ctx.eval_sym(shape[d], fmt::format("dimension {} of {}", d, what)));
    out.push_back(v);
  }
  return out;
}

Expected<HostTensor> dispatch(const EvalContext& ctx) {
  switch (ctx.node.kind()) {
    case OpKind::kSource:
      return eval_internal::eval_source(ctx);
    case OpKind::kElementwise:
      return eval_internal::eval_elementwise(ctx);
    case OpKind::kReduction:
      return eval_internal::eval_reduction(ctx);
    case OpKind::kNormalization:
      return eval_internal::eval_normalization(ctx);
    case OpKind::kGemm:
      return eval_internal::eval_gemm(ctx);
    case OpKind::kConv:
      return eval_internal::eval_convolution(ctx);
    case OpKind::kPool:
      return eval_internal::eval_pool(ctx);
    case OpKind::kView:
      return eval_internal::eval_view(ctx);
    case OpKind::kData:
      return eval_internal::eval_data(ctx);
    case OpKind::kAttention:
      return eval_internal::eval_attention(ctx);
  }
  return ctx.unsupported("the reference evaluator has no rule for this op kind");
}

std::string input_label(const Graph& graph, size_t i) {
  return fmt::format("input {} '{}'", i, graph.inputs()[i]->name());
}

}  // namespace

Expected<HostTensor> evaluate_node(const Node& node, std::span<const HostTensor* const> operands,
                                   const SymbolValues& symbols) {
  EvalContext ctx{node, operands, symbols};
  if (node.num_results() != 1)
    return node_error(node,
                      fmt::format("has {} results; the evaluator handles one", node.num_results()),
                      ErrorCode::kUnsupported);
  if (node.op() == OpId::Input)
    return node_error(node, "a graph input has no value of its own; pass it to evaluate()");
  if (operands.size() != node.num_operands())
    return node_error(node, fmt::format("got {} operands, the node has {}", operands.size(),
                                        node.num_operands()));
  for (size_t i = 0; i < operands.size(); ++i) {
    const Value* v = node.operand(i);
    const HostTensor* t = operands[i];
    std::string label = node.info().is_variadic()
                            ? fmt::format("operand {}", i)
                            : fmt::format("operand {} '{}'", i, node.info().operands[i].name);
    if ((v == nullptr) != (t == nullptr))
      return node_error(node, fmt::format("{} is {} but the node's operand is {}", label,
                                          t ? "given" : "missing", v ? "present" : "absent"));
    if (!t) continue;
    if (!t->defined()) return node_error(node, fmt::format("{} has no data", label));
    if (t->dtype() != v->dtype())
      return node_error(node, fmt::format("{} has dtype {}, the graph says {}", label,
                                          dtype_name(t->dtype()), dtype_name(v->dtype())));
    AOTC_ASSIGN_OR_RETURN(std::vector<int64_t> expected, concrete_shape(ctx, v->shape(), label));
    if (t->shape() != expected)
      return node_error(
          node, fmt::format("{} has shape {}, the graph says {} = {}", label, shape_str(t->shape()),
                            shape_to_string(v->shape()), shape_str(expected)));
  }

  AOTC_ASSIGN_OR_RETURN(std::vector<int64_t> expected,
                        concrete_shape(ctx, node.result()->shape(), "the result"));
  AOTC_ASSIGN_OR_RETURN(HostTensor result, dispatch(ctx));
  // The family computed its shape from the operands; the graph's type must agree.
  if (result.dtype() != node.result()->dtype() || result.shape() != expected)
    return node_error(
        node,
        fmt::format("computed {}{} but the graph says {} = {}{}", dtype_name(result.dtype()),
                    shape_str(result.shape()), node.result()->type().to_string(),
                    dtype_name(node.result()->dtype()), shape_str(expected)),
        ErrorCode::kInternal);
  return result;
}

Expected<SymbolValues> bind_symbols(const Graph& graph, std::span<const HostTensor> inputs) {
  const auto& graph_inputs = graph.inputs();
  if (inputs.size() != graph_inputs.size())
    return make_error(ErrorCode::kInvalidInput, "graph '{}' takes {} input(s), got {}",
                      graph.name(), graph_inputs.size(), inputs.size());
  SymbolValues values;
  std::map<std::string, std::string, std::less<>> bound_at;  // symbol -> "input 0 'x' dimension 1"

  // Pass 1: dtypes, ranks, static dims, and symbols solvable from a single dim.
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorType& type = graph_inputs[i]->type();
    const HostTensor& x = inputs[i];
    const std::string label = input_label(graph, i);
    if (!x.defined()) return make_error(ErrorCode::kInvalidInput, "{}: has no data", label);
    if (x.dtype() != type.dtype)
      return make_error(ErrorCode::kInvalidInput, "{}: dtype is {}, expected {}", label,
                        dtype_name(x.dtype()), dtype_name(type.dtype));
    if (x.rank() != type.rank())
      return make_error(ErrorCode::kInvalidInput, "{}: has {} dimension(s) {}, expected {} ({})",
                        label, x.rank(), shape_str(x.shape()), type.rank(),
                        shape_to_string(type.shape));
    for (size_t d = 0; d < type.rank(); ++d) {
      const SymExpr& e = type.shape[d];
      const int64_t actual = x.dim(d);
      if (auto c = e.constant()) {
        if (*c != actual)
          return make_error(ErrorCode::kInvalidInput, "{}: dimension {} is {}, expected {}", label,
                            d, actual, *c);
        continue;
      }
      std::set<std::string> syms = e.symbols();
      if (syms.size() != 1) continue;
      const std::string& sym = *syms.begin();
      auto linear = e.as_linear_in(sym);
      if (!linear) continue;
      const auto [a, b] = *linear;
      if ((actual - b) % a != 0)
        return make_error(ErrorCode::kInvalidInput,
                          "{}: dimension {} is {}, which is not of the form {}", label, d, actual,
                          e.to_string());
      const int64_t v = (actual - b) / a;
      auto range_it = graph.symbols().find(sym);
      if (range_it != graph.symbols().end() && !range_it->second.contains(v)) {
        std::string how =
            e.is_symbol() ? "" : fmt::format(" (= {} with {} = {})", e.to_string(), sym, v);
        return make_error(ErrorCode::kInvalidInput,
                          "{}: dimension {} is {}{}, outside the range {} of symbol {}", label, d,
                          actual, how, range_to_string(range_it->second), sym);
      }
      const std::string here = fmt::format("{} dimension {}", label, d);
      auto [it, inserted] = values.emplace(sym, v);
      if (!inserted && it->second != v)
        return make_error(ErrorCode::kInvalidInput,
                          "{}: dimension {} is {}, which makes symbol {} = {}, but {} made it {}",
                          label, d, actual, sym, v, bound_at[sym], it->second);
      if (inserted) bound_at[sym] = here;
    }
  }

  // Pass 2: every remaining dimension must evaluate to the actual size.
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorType& type = graph_inputs[i]->type();
    for (size_t d = 0; d < type.rank(); ++d) {
      const SymExpr& e = type.shape[d];
      const int64_t actual = inputs[i].dim(d);
      auto v = e.evaluate(values);
      if (!v)
        return make_error(ErrorCode::kInvalidInput,
                          "{}: dimension {} is {}, but its size {} cannot be checked: its symbols "
                          "are not bound by "
                          "any input dimension",
                          input_label(graph, i), d, actual, e.to_string());
      if (*v != actual)
        return make_error(ErrorCode::kInvalidInput, "{}: dimension {} is {}, expected {} = {}",
                          input_label(graph, i), d, actual, e.to_string(), *v);
    }
  }
  return values;
}

Expected<std::vector<HostTensor>> evaluate(const Graph& graph, std::span<const HostTensor> inputs) {
  AOTC_ASSIGN_OR_RETURN(SymbolValues symbols, bind_symbols(graph, inputs));

  std::unordered_map<const Value*, size_t> input_index;
  for (size_t i = 0; i < graph.inputs().size(); ++i) input_index[graph.inputs()[i]] = i;

  // Values are dropped after their last use so that big graphs stay small.
  std::unordered_map<const Value*, HostTensor> values;
  std::unordered_map<const Value*, size_t> remaining_uses;
  for (const auto& node : graph.nodes())
    for (size_t r = 0; r < node->num_results(); ++r)
      remaining_uses[node->result(r)] = node->result(r)->uses().size();

  for (const auto& owned : graph.nodes()) {
    const Node& node = *owned;
    if (node.op() == OpId::Input) {
      auto it = input_index.find(node.result());
      if (it == input_index.end())
        return node_error(node, "is an input node missing from the graph's inputs");
      values[node.result()] = inputs[it->second];
      continue;
    }
    std::vector<const HostTensor*> operands(node.num_operands(), nullptr);
    for (size_t i = 0; i < node.num_operands(); ++i) {
      const Value* v = node.operand(i);
      if (!v) continue;
      auto it = values.find(v);
      if (it == values.end())
        return node_error(node,
                          fmt::format("operand %{} is not computed before its use", v->name()),
                          ErrorCode::kInternal);
      operands[i] = &it->second;
    }
    AOTC_ASSIGN_OR_RETURN(HostTensor result, evaluate_node(node, operands, symbols));
    if (node.result()->has_uses()) values[node.result()] = std::move(result);
    for (const Value* v : node.operands()) {
      if (!v) continue;
      if (--remaining_uses[v] == 0 && !v->is_output()) values.erase(v);
    }
  }

  std::vector<HostTensor> outputs;
  for (const Value* v : graph.outputs()) {
    auto it = values.find(v);
    if (it == values.end())
      return make_error(ErrorCode::kInternal, "output %{} was not computed",
                        v ? v->name() : "<null>");
    outputs.push_back(it->second);
  }
  return outputs;
}

}  // namespace aotc

// The graph IR.
//
// Contract:
//   - A Graph owns its Nodes, kept in a topological order (every operand is
//     defined earlier in the list). A Node owns its result Values; a value is
//     {node, result index} with a use list. Rewrites go through
//     Value::replace_all_uses_with() and Graph::erase().
//   - Every value is a dense tensor with a dtype and a symbolic shape
//     (dimensions are SymExprs over the graph's symbols, each with a range).
//     Values have value semantics: nothing aliases, nothing is mutated. Views
//     are ops like any other; layout and aliasing are the backend's business.
//   - Graph inputs are the results of `input` nodes (user inputs, in call
//     order) and `constant` nodes (weights, with their data on the node).
//     Graph outputs are an ordered list of values (a value may appear twice,
//     and may be an input or a constant).
//   - Operand dtypes of elementwise ops may differ: the result dtype is the
//     node's, and arithmetic runs in opmath(result_type(operands)).
//   - Optional operands that are absent are null pointers.
// Passes may reorder nodes only within the topological constraint.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ir/Attr.h"
#include "ir/HostTensor.h"
#include "ir/OpTable.h"
#include "ir/SymExpr.h"

namespace aotc {

class Graph;
class Node;

using Shape = std::vector<SymExpr>;

struct TensorType {
  DType dtype = DType::Float32;
  Shape shape;

  size_t rank() const { return shape.size(); }
  /// Product of the dimensions.
  SymExpr numel() const;
  /// Concrete shape if every dimension is constant.
  std::optional<std::vector<int64_t>> static_shape() const;
  bool operator==(const TensorType&) const = default;
  /// `float32[s77, 10]`
  std::string to_string() const;
};

std::string shape_to_string(const Shape& shape);

struct Use {
  Node* user;
  unsigned operand;
  bool operator==(const Use&) const = default;
};

class Value {
 public:
  Node* node() const { return node_; }
  unsigned index() const { return index_; }
  const TensorType& type() const { return type_; }
  DType dtype() const { return type_.dtype; }
  const Shape& shape() const { return type_.shape; }
  size_t rank() const { return type_.shape.size(); }
  const SymExpr& dim(size_t i) const { return type_.shape[i]; }
  void set_type(TensorType type) { type_ = std::move(type); }

  /// The name the value prints with (unique within the graph).
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  /// Uses as an operand of nodes (graph outputs are not listed here).
  const std::vector<Use>& uses() const { return uses_; }
  /// Whether the value is a graph output (possibly several times).
  bool is_output() const { return output_uses_ > 0; }
  /// Whether anything (a node or the graph's outputs) reads the value.
  bool has_uses() const { return !uses_.empty() || output_uses_ > 0; }
  /// Points every use (operands and graph outputs) at `other` instead.
  void replace_all_uses_with(Value* other);

 private:
  friend class Node;
  friend class Graph;
  Value(Node* node, unsigned index, TensorType type, std::string name)
      : node_(node), index_(index), type_(std::move(type)), name_(std::move(name)) {}

  Node* node_;
  unsigned index_;
  TensorType type_;
  std::string name_;
  std::vector<Use> uses_;
  int output_uses_ = 0;
};

class Node {
 public:
  OpId op() const { return op_; }
  const OpInfo& info() const { return op_info(op_); }
  OpKind kind() const { return info().kind; }
  Graph* graph() const { return graph_; }

  /// The node's name: the torch.export node name where there is one.
  const std::string& name() const { return name_; }

  size_t num_operands() const { return operands_.size(); }
  Value* operand(size_t i) const { return operands_[i]; }
  const std::vector<Value*>& operands() const { return operands_; }
  /// Replaces operand i, keeping use lists right. `v` may be null for an optional operand.
  void set_operand(size_t i, Value* v);

  size_t num_results() const { return results_.size(); }
  Value* result(size_t i = 0) const { return results_[i].get(); }

  /// Attribute by name; the name must be one of the op's.
  const AttrValue& attr(std::string_view name) const;
  void set_attr(std::string_view name, AttrValue value);
  const std::vector<AttrValue>& attrs() const { return attrs_; }
  bool attr_is_none(std::string_view name) const;

  int64_t attr_int(std::string_view name) const { return std::get<int64_t>(attr(name)); }
  double attr_float(std::string_view name) const { return std::get<double>(attr(name)); }
  bool attr_bool(std::string_view name) const { return std::get<bool>(attr(name)); }
  const std::string& attr_str(std::string_view name) const { return std::get<std::string>(attr(name)); }
  const std::vector<int64_t>& attr_ints(std::string_view name) const {
    return std::get<std::vector<int64_t>>(attr(name));
  }
  const SymExpr& attr_sym(std::string_view name) const { return std::get<SymExpr>(attr(name)); }
  const std::vector<SymExpr>& attr_syms(std::string_view name) const {
    return std::get<std::vector<SymExpr>>(attr(name));
  }
  const Scalar& attr_scalar(std::string_view name) const { return std::get<Scalar>(attr(name)); }

  /// Data of a `constant` node.
  const HostTensor& constant_data() const { return constant_; }
  void set_constant_data(HostTensor t) { constant_ = std::move(t); }

 private:
  friend class Graph;
  Node(Graph* graph, OpId op, std::string name) : graph_(graph), op_(op), name_(std::move(name)) {}

  Graph* graph_;
  OpId op_;
  std::string name_;
  std::vector<Value*> operands_;
  std::vector<std::unique_ptr<Value>> results_;
  std::vector<AttrValue> attrs_;
  HostTensor constant_;
  std::list<std::unique_ptr<Node>>::iterator self_;
};

/// Attributes by name for Graph::create(); unnamed ones take their defaults.
using NamedAttrs = std::vector<std::pair<std::string, AttrValue>>;

class Graph {
 public:
  explicit Graph(std::string name = "model") : name_(std::move(name)) {}
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  const std::string& name() const { return name_; }

  // ---- Symbols ---------------------------------------------------------------
  const SymbolRanges& symbols() const { return symbols_; }
  void add_symbol(const std::string& name, SymbolRange range) { symbols_[name] = range; }
  /// Example values torch.export recorded for the symbols (its "hint"s), where
  /// it did; kernel tuning measures at these sizes.
  const SymbolValues& symbol_hints() const { return symbol_hints_; }
  void set_symbol_hint(const std::string& name, int64_t value) { symbol_hints_[name] = value; }

  // ---- Nodes -----------------------------------------------------------------
  /// Creates a node at the end (or before `before`). Attributes not named take
  /// their default; a required attribute without default must be named.
  /// `result_types` gives one type per result; the op decides the count.
  Node* create(OpId op, std::vector<Value*> operands, const NamedAttrs& attrs,
               std::vector<TensorType> result_types, std::string name = {}, Node* before = nullptr);

  /// Adds a user input (appended to inputs()).
  Value* add_input(std::string name, TensorType type);
  /// Adds a constant with its data; `fqn` is the original parameter/buffer name.
  Value* add_constant(std::string name, std::string fqn, HostTensor data, Node* before = nullptr);

  /// Removes a node whose results have no uses.
  void erase(Node* node);

  /// Nodes in topological order.
  const std::list<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  size_t num_nodes() const { return nodes_.size(); }

  /// Moves `node` right before `before` (caller keeps the order topological).
  void move_before(Node* node, Node* before);

  // ---- Inputs and outputs ------------------------------------------------------
  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  void add_output(Value* v);
  void set_output(size_t i, Value* v);
  /// The user-facing names of the outputs (by default, the values' names).
  const std::vector<std::string>& output_names() const { return output_names_; }
  void set_output_name(size_t i, std::string name) { output_names_[i] = std::move(name); }

  /// A name not used by any value yet, based on `base`.
  std::string unique_name(std::string_view base);
  /// Renames a value to a name not yet used (the caller guarantees that).
  void rename(Value* v, std::string name);

  /// Pytree specs of the calling convention, as torch.export recorded them
  /// (empty when unknown); carried to the package's call spec.
  std::string in_spec;
  std::string out_spec;

 private:
  friend class Value;
  void record_name(const std::string& name);

  std::string name_;
  SymbolRanges symbols_;
  SymbolValues symbol_hints_;
  std::list<std::unique_ptr<Node>> nodes_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
  std::vector<std::string> output_names_;
  std::set<std::string, std::less<>> names_;
};

}  // namespace aotc

// Graph, Node and Value: construction, use lists, rewrites.
#include "ir/Graph.h"

#include <algorithm>

#include "support/Check.h"

namespace aotc {

SymExpr TensorType::numel() const {
  SymExpr n(1);
  for (const auto& d : shape) n = n * d;
  return n;
}

std::optional<std::vector<int64_t>> TensorType::static_shape() const {
  std::vector<int64_t> s;
  for (const auto& d : shape) {
    auto c = d.constant();
    if (!c) return std::nullopt;
    s.push_back(*c);
  }
  return s;
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + shape[i].to_string();
  return s + "]";
}

std::string TensorType::to_string() const { return std::string(dtype_name(dtype)) + shape_to_string(shape); }

void Value::replace_all_uses_with(Value* other) {
  AOTC_CHECK(other != this, "replacing a value with itself");
  // Copy: set_operand edits uses_.
  std::vector<Use> uses = uses_;
  for (const Use& u : uses) u.user->set_operand(u.operand, other);
  if (output_uses_ > 0) {
    Graph* g = node_->graph();
    for (size_t i = 0; i < g->outputs_.size(); ++i)
      if (g->outputs_[i] == this) g->set_output(i, other);
  }
}

void Node::set_operand(size_t i, Value* v) {
  AOTC_CHECK(i < operands_.size(), "operand {} out of range for {}", i, name_);
  Value* old = operands_[i];
  if (old == v) return;
  if (old) {
    auto it = std::find(old->uses_.begin(), old->uses_.end(), Use{this, static_cast<unsigned>(i)});
    AOTC_CHECK(it != old->uses_.end(), "use list out of sync for {}", old->name());
    old->uses_.erase(it);
  }
  operands_[i] = v;
  if (v) v->uses_.push_back(Use{this, static_cast<unsigned>(i)});
}

const AttrValue& Node::attr(std::string_view name) const {
  int idx = info().attr_index(name);
  AOTC_CHECK(idx >= 0, "op '{}' has no attribute '{}'", info().name, name);
  return attrs_[static_cast<size_t>(idx)];
}

void Node::set_attr(std::string_view name, AttrValue value) {
  int idx = info().attr_index(name);
  AOTC_CHECK(idx >= 0, "op '{}' has no attribute '{}'", info().name, name);
  const AttrSpec& spec = info().attrs[static_cast<size_t>(idx)];
  AOTC_CHECK(attr_matches(value, spec.type) || (spec.optional && std::holds_alternative<std::monostate>(value)),
             "attribute '{}' of '{}' must be {}", name, info().name, attr_type_name(spec.type));
  attrs_[static_cast<size_t>(idx)] = std::move(value);
}

bool Node::attr_is_none(std::string_view name) const {
  return std::holds_alternative<std::monostate>(attr(name));
}

void Graph::record_name(const std::string& name) { names_.insert(name); }

std::string Graph::unique_name(std::string_view base) {
  std::string b = base.empty() ? std::string("v") : std::string(base);
  if (!names_.contains(b)) return b;
  for (int i = 1;; ++i) {
    std::string cand = b + "_" + std::to_string(i);
    if (!names_.contains(cand)) return cand;
  }
}

void Graph::rename(Value* v, std::string name) {
  AOTC_CHECK(!names_.contains(name), "name {} is already used", name);
  record_name(name);
  v->set_name(std::move(name));
}

Node* Graph::create(OpId op, std::vector<Value*> operands, const NamedAttrs& attrs,
                    std::vector<TensorType> result_types, std::string name, Node* before) {
  const OpInfo& info = op_info(op);
  if (!info.is_variadic()) {
    AOTC_CHECK(operands.size() == info.operands.size(), "op '{}' takes {} operands, got {}", info.name,
               info.operands.size(), operands.size());
    for (size_t i = 0; i < operands.size(); ++i)
      AOTC_CHECK(operands[i] || info.operands[i].optional, "operand '{}' of '{}' is required",
                 info.operands[i].name, info.name);
  } else {
    for (Value* v : operands) AOTC_CHECK(v, "null operand to variadic '{}'", info.name);
  }
  if (name.empty()) name = info.name;
  name = unique_name(name);
  record_name(name);

  auto node = std::unique_ptr<Node>(new Node(this, op, name));
  Node* n = node.get();
  n->attrs_.resize(info.attrs.size());
  std::vector<bool> set(info.attrs.size(), false);
  for (const auto& [attr_name, value] : attrs) {
    int idx = info.attr_index(attr_name);
    AOTC_CHECK(idx >= 0, "op '{}' has no attribute '{}'", info.name, attr_name);
    n->set_attr(attr_name, value);
    set[static_cast<size_t>(idx)] = true;
  }
  for (size_t i = 0; i < info.attrs.size(); ++i) {
    if (set[i]) continue;
    AOTC_CHECK(info.attrs[i].has_default, "attribute '{}' of '{}' is required", info.attrs[i].name, info.name);
    n->attrs_[i] = info.attrs[i].default_value;
  }

  n->operands_.resize(operands.size(), nullptr);
  for (size_t i = 0; i < operands.size(); ++i) n->set_operand(i, operands[i]);

  for (size_t i = 0; i < result_types.size(); ++i) {
    std::string vname = i == 0 ? name : unique_name(name + "_" + std::to_string(i));
    if (i != 0) record_name(vname);
    n->results_.push_back(std::unique_ptr<Value>(new Value(n, static_cast<unsigned>(i), std::move(result_types[i]), vname)));
  }

  auto pos = before ? before->self_ : nodes_.end();
  n->self_ = nodes_.insert(pos, std::move(node));
  return n;
}

Value* Graph::add_input(std::string name, TensorType type) {
  Node* n = create(OpId::Input, {}, {}, {std::move(type)}, std::move(name));
  inputs_.push_back(n->result());
  return n->result();
}

Value* Graph::add_constant(std::string name, std::string fqn, HostTensor data, Node* before) {
  TensorType type;
  type.dtype = data.dtype();
  for (int64_t d : data.shape()) type.shape.emplace_back(d);
  Node* n = create(OpId::Constant, {}, {{"fqn", std::move(fqn)}}, {std::move(type)}, std::move(name), before);
  n->set_constant_data(std::move(data));
  return n->result();
}

void Graph::erase(Node* node) {
  AOTC_CHECK(node->graph_ == this, "erasing a node of another graph");
  for (const auto& r : node->results_)
    AOTC_CHECK(!r->has_uses(), "erasing {} whose result {} is still used", node->name(), r->name());
  for (size_t i = 0; i < node->operands_.size(); ++i) node->set_operand(i, nullptr);
  if (node->op() == OpId::Input) inputs_.erase(std::find(inputs_.begin(), inputs_.end(), node->result()));
  nodes_.erase(node->self_);
}

void Graph::move_before(Node* node, Node* before) {
  nodes_.splice(before->self_, nodes_, node->self_);
}

void Graph::add_output(Value* v) {
  outputs_.push_back(v);
  output_names_.push_back(v->name());
  ++v->output_uses_;
}

void Graph::set_output(size_t i, Value* v) {
  AOTC_CHECK(i < outputs_.size(), "output {} out of range", i);
  --outputs_[i]->output_uses_;
  outputs_[i] = v;
  ++v->output_uses_;
}

}  // namespace aotc

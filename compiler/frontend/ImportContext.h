// Internal to the importer: what an ATen op's lowering sees.
//
// For each torch.export node the importer resolves the JSON arguments against
// the op's ATen schema (filling omitted defaults, checking types) into an
// ArgList, then calls the op's lowering with an ImportContext that builds IR
// nodes. Lowerings return one Value per schema return (null for returns aotc
// does not produce, such as max_pool2d's indices; using one later is an error).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "frontend/AtenSchema.h"
#include "ir/Graph.h"
#include "ir/ShapeInference.h"

namespace aotc {

/// A resolved argument value. Which fields are meaningful follows the schema type.
struct ArgValue {
  bool none = false;
  Value* tensor = nullptr;              ///< Tensor
  std::vector<Value*> tensors;          ///< Tensor[], Tensor?[] (null entries for None)
  std::vector<SymExpr> syms;            ///< int, SymInt (one), int[], SymInt[]
  std::vector<double> floats;           ///< float, float[]
  std::vector<bool> bools;              ///< bool, bool[]
  std::string str;                      ///< str
  Scalar scalar;                        ///< Scalar (a symbolic scalar is in syms)
  bool scalar_is_sym = false;
  std::optional<DType> dtype;           ///< ScalarType
};

class ImportContext;

/// The arguments of one node, by schema parameter name. Accessors check the
/// parameter exists (an aotc bug otherwise) and report user-level problems
/// (a symbolic value where a constant is needed) as errors.
class ArgList {
 public:
  ArgList(const OpSchema* schema, std::vector<ArgValue> values, const ImportContext* ctx)
      : schema_(schema), values_(std::move(values)), ctx_(ctx) {}

  bool is_none(std::string_view name) const { return get(name).none; }
  /// Whether the op's schema has this parameter (for lowerings shared by overloads).
  bool schema_has(std::string_view name) const { return schema_->param_index(name) >= 0; }
  Value* tensor(std::string_view name) const { return get(name).tensor; }  ///< null if None
  const std::vector<Value*>& tensors(std::string_view name) const { return get(name).tensors; }
  SymExpr sym(std::string_view name) const { return get(name).syms.at(0); }
  std::optional<SymExpr> opt_sym(std::string_view name) const;
  const std::vector<SymExpr>& syms(std::string_view name) const { return get(name).syms; }
  Expected<int64_t> int_(std::string_view name) const;
  Expected<std::optional<int64_t>> opt_int(std::string_view name) const;
  Expected<std::vector<int64_t>> ints(std::string_view name) const;
  double float_(std::string_view name) const { return get(name).floats.at(0); }
  std::optional<double> opt_float(std::string_view name) const;
  bool bool_(std::string_view name) const { return get(name).bools.at(0); }
  std::optional<bool> opt_bool(std::string_view name) const;
  const std::string& str(std::string_view name) const { return get(name).str; }
  std::optional<std::string> opt_str(std::string_view name) const;
  Expected<Scalar> scalar(std::string_view name) const;
  Expected<std::optional<Scalar>> opt_scalar(std::string_view name) const;
  std::optional<DType> dtype(std::string_view name) const { return get(name).dtype; }

 private:
  const ArgValue& get(std::string_view name) const;
  const OpSchema* schema_;
  std::vector<ArgValue> values_;
  const ImportContext* ctx_;
};

class ImportContext {
 public:
  ImportContext(Graph& graph, const std::string& node_name, const std::string& target)
      : graph_(graph), node_name_(node_name), target_(target) {}

  Graph& graph() const { return graph_; }
  const std::string& node_name() const { return node_name_; }
  const std::string& target() const { return target_; }

  /// "node 'linear_1' (aten.linear.default): <what>"
  template <typename... Args>
  Error error(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) const {
    return Error{code, fmt::format("node '{}' ({}): {}", node_name_, target_,
                                   fmt::format(format, std::forward<Args>(args)...))};
  }
  template <typename... Args>
  Error unsupported(fmt::format_string<Args...> format, Args&&... args) const {
    return error(ErrorCode::kUnsupported, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  Error invalid(fmt::format_string<Args...> format, Args&&... args) const {
    return error(ErrorCode::kInvalidInput, format, std::forward<Args>(args)...);
  }

  /// Builds a node named after the torch node (derived names for helpers).
  Expected<Value*> make(OpId op, std::vector<Value*> operands, const NamedAttrs& attrs = {},
                        std::optional<DType> dtype = std::nullopt);
  /// A wrapped Python number (0-dim `scalar` node).
  Value* scalar(const Scalar& s);
  /// `full([], s)` of a given dtype (a 0-dim tensor, not a wrapped number).
  Expected<Value*> scalar_tensor(const Scalar& s, DType dtype);
  Expected<Value*> cast(Value* v, DType dtype);
  Expected<Value*> reshape(Value* v, Shape shape);
  Expected<Value*> permute(Value* v, std::vector<int64_t> dims);
  Expected<Value*> expand(Value* v, Shape shape);
  Expected<Value*> unsqueeze(Value* v, int64_t dim);
  Expected<Value*> slice(Value* v, int64_t dim, SymExpr start, SymExpr end, int64_t step = 1);

  /// Normalizes a possibly negative dim for a rank (rank 0 accepts -1 and 0).
  Expected<int64_t> norm_dim(int64_t dim, size_t rank) const;
  /// Resolves -1 in a view shape against the input's element count.
  Expected<Shape> infer_view_shape(const Value* v, const std::vector<SymExpr>& shape) const;

 private:
  Graph& graph_;
  std::string node_name_;
  std::string target_;
  int helper_count_ = 0;
};

/// A lowering: builds IR for one node; one result per schema return.
using LowerFn = Expected<std::vector<Value*>> (*)(ImportContext& ctx, const ArgList& args);

struct AtenOpEntry {
  const char* target;  ///< "aten.linear.default" (torch.ops. prefix stripped)
  const char* schema;  ///< ATen signature
  LowerFn lower;
  /// In-place variant: result also rebinds the `self` argument's name.
  bool inplace = false;
};

/// The importer's table of supported ATen targets, by target string.
const AtenOpEntry* find_aten_op(std::string_view target);
/// Parsed schema for an entry (cached; an unparsable schema is an aotc bug).
const OpSchema& aten_schema(const AtenOpEntry& entry);

// Per-family tables, concatenated by find_aten_op (AtenOps*.cpp).
std::span<const AtenOpEntry> aten_elementwise_ops();
std::span<const AtenOpEntry> aten_shape_ops();
std::span<const AtenOpEntry> aten_nn_ops();

}  // namespace aotc

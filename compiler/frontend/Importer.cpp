// The importer: torch.export schema structs -> graph IR (see Importer.h).
#include "frontend/Importer.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "frontend/ImportContext.h"
#include "ir/Verifier.h"
#include "support/Check.h"

namespace aotc {
namespace {

using schema::Argument;
using K = schema::Argument::Kind;

bool is_sym_target(const std::string& t) {
  return t.starts_with("_operator.") || t.starts_with("torch.sym_") || t.starts_with("math.") ||
         t == "aten.sym_size.int" || t == "aten.sym_numel.default" || t == "aten.sym_stride.int" ||
         t == "aten.sym_storage_offset.default" || t == "aten._assert_scalar.default" ||
         t == "aten.sym_constrain_range.default" || t == "aten.sym_constrain_range_for_size.default" ||
         t == "aten._assert_async.msg" || t == "aten.sym_not.default";
}

bool is_hop(const std::string& t) { return t.starts_with("higher_order."); }

// Targets whose results alias their first tensor argument.
bool is_view_target(const std::string& t) {
  static const std::set<std::string, std::less<>> kViews = {
      "aten.view.default", "aten.reshape.default", "aten._reshape_alias.default", "aten.flatten.using_ints",
      "aten.unflatten.int", "aten.squeeze.default", "aten.squeeze.dim", "aten.squeeze.dims",
      "aten.unsqueeze.default", "aten.permute.default", "aten.transpose.int", "aten.t.default",
      "aten.numpy_T.default", "aten.expand.default", "aten.alias.default", "aten.detach.default",
      "aten.slice.Tensor", "aten.narrow.default", "aten.select.int", "aten.split.Tensor",
      "aten.split_with_sizes.default", "aten.chunk.default", "aten.unbind.int", "aten.as_strided.default",
      "aten.diagonal.default", "aten.contiguous.default", "aten.to.dtype", "aten.to.dtype_layout",
      "aten.to.device", "aten.to.other"};
  return kViews.contains(t);
}

const char* spec_kind_name(schema::OutputSpec::Kind k) {
  switch (k) {
    case schema::OutputSpec::Kind::kUserOutput: return "user output";
    case schema::OutputSpec::Kind::kLossOutput: return "loss output";
    case schema::OutputSpec::Kind::kBufferMutation: return "buffer mutation";
    case schema::OutputSpec::Kind::kGradientToParameter: return "gradient to parameter";
    case schema::OutputSpec::Kind::kGradientToUserInput: return "gradient to user input";
    case schema::OutputSpec::Kind::kUserInputMutation: return "user input mutation";
    case schema::OutputSpec::Kind::kToken: return "effect token";
    case schema::OutputSpec::Kind::kParameterMutation: return "parameter mutation";
  }
  return "output";
}

class Importer {
 public:
  explicit Importer(const LoadedProgram& program)
      : program_(program), ep_(program.program), g_(ep_.graph_module.graph) {}

  Expected<std::unique_ptr<Graph>> run() {
    graph_ = std::make_unique<Graph>(program_.model_name.empty() ? "model" : program_.model_name);
    AOTC_RETURN_IF_ERROR(check_dialect());
    AOTC_RETURN_IF_ERROR(import_symbols());
    compute_last_uses();
    AOTC_RETURN_IF_ERROR(import_inputs());
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      node_index_ = i;
      AOTC_RETURN_IF_ERROR(import_node(g_.nodes[i]));
    }
    AOTC_RETURN_IF_ERROR(import_outputs());
    import_call_spec();
    for (const auto& [name, value] : hints_)
      if (graph_->symbols().contains(name)) graph_->set_symbol_hint(name, value);
    if (auto st = verify(*graph_); !st) return st.error();
    return std::move(graph_);
  }

 private:
  // ---- Messages --------------------------------------------------------------------------

  Error err(ErrorCode code, const std::string& what) const {
    return Error{code, fmt::format("{}: {}", program_.source, what)};
  }

  static std::string node_label(const schema::Node& n) {
    return n.name.empty() ? (n.outputs.empty() ? std::string("?") : first_output_name(n)) : n.name;
  }

  static std::string first_output_name(const schema::Node& n) {
    for (const auto& o : n.outputs) {
      if (o.kind == K::kTensor) return o.tensors[0].name;
      if (o.kind == K::kTensors && !o.tensors.empty()) return o.tensors[0].name;
      if (o.kind == K::kSymInt && std::holds_alternative<std::string>(o.sym_ints[0].value))
        return std::get<std::string>(o.sym_ints[0].value);
    }
    return "?";
  }

  // ---- Program-level -------------------------------------------------------------------------

  Status check_dialect() {
    for (const auto& v : ep_.verifiers)
      if (!v.empty() && v != "TRAINING" && v != "ATEN")
        return err(ErrorCode::kUnsupported,
                   fmt::format("program dialect '{}' is not supported (aotc reads the TRAINING and ATEN dialects)", v));
    return Status::ok();
  }

  Status import_symbols() {
    for (const auto& [name, rc] : ep_.range_constraints) {
      auto sym = bare_symbol_name(name);
      if (!sym) return err(ErrorCode::kInvalidInput, fmt::format("range_constraints key '{}' is not a symbol", name));
      graph_->add_symbol(*sym, SymbolRange{rc.min_val, rc.max_val});
    }
    return Status::ok();
  }

  // Records every symbol of `e` that range_constraints did not declare (unbounded above, >= 0).
  void declare_symbols(const SymExpr& e) {
    for (const auto& s : e.symbols())
      if (!graph_->symbols().contains(s)) graph_->add_symbol(s, SymbolRange{0, std::nullopt});
  }

  Expected<SymExpr> parse_expr(const std::string& text, const std::string& where) {
    auto it = expr_cache_.find(text);
    if (it != expr_cache_.end()) return it->second;
    auto e = parse_sym_expr(text);
    if (!e) return err(e.error().code, fmt::format("{}: {}", where, e.error().message));
    declare_symbols(*e);
    expr_cache_.emplace(text, *e);
    return *e;
  }

  Expected<SymExpr> sym_int(const schema::SymInt& s, const std::string& where) {
    if (s.is_int()) return SymExpr(s.as_int());
    const auto& ex = s.as_expr();
    AOTC_ASSIGN_OR_RETURN(SymExpr e, parse_expr(ex.expr_str, where));
    if (ex.hint && e.is_symbol()) hints_.emplace(e.symbol_name(), *ex.hint);
    return e;
  }

  // The type torch.export recorded for a value.
  Expected<TensorType> meta_type(const std::string& name) {
    auto it = g_.tensor_values.find(name);
    if (it == g_.tensor_values.end())
      return err(ErrorCode::kInvalidInput, fmt::format("tensor value '{}' has no entry in tensor_values", name));
    const schema::TensorMeta& m = it->second;
    auto dtype = dtype_from_export_code(m.dtype);
    if (!dtype)
      return err(ErrorCode::kUnsupported,
                 fmt::format("tensor '{}' has dtype code {}, which aotc does not support", name, m.dtype));
    if (m.layout != 7)
      return err(ErrorCode::kUnsupported, fmt::format("tensor '{}' is not a dense strided tensor (layout {})", name,
                                                      m.layout));
    TensorType t{*dtype, {}};
    for (size_t i = 0; i < m.sizes.size(); ++i) {
      AOTC_ASSIGN_OR_RETURN(SymExpr d, sym_int(m.sizes[i], fmt::format("tensor_values['{}'].sizes[{}]", name, i)));
      t.shape.push_back(d);
    }
    return t;
  }

  // Last node index reading each name (graph outputs count as reading at the end).
  void compute_last_uses() {
    auto note = [&](const std::string& name, size_t i) { last_use_[name] = std::max(last_use_[name], i); };
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      for (const auto& in : g_.nodes[i].inputs) {
        for (const auto& t : in.arg.tensors) note(t.name, i);
        for (const auto& t : in.arg.optional_tensors)
          if (t.tensor) note(t.tensor->name, i);
      }
    }
    for (const auto& o : g_.outputs)
      for (const auto& t : o.tensors) note(t.name, g_.nodes.size());
  }

  Status import_inputs() {
    const auto& specs = ep_.graph_module.signature.input_specs;
    if (specs.size() != g_.inputs.size())
      return err(ErrorCode::kInvalidInput, fmt::format("the signature describes {} inputs but the graph has {}",
                                                       specs.size(), g_.inputs.size()));
    for (size_t i = 0; i < specs.size(); ++i) {
      const auto& spec = specs[i];
      using IK = schema::InputSpec::Kind;
      switch (spec.kind) {
        case IK::kParameter:
        case IK::kBuffer:
        case IK::kTensorConstant: {
          const std::string& name = spec.arg.tensors.at(0).name;
          AOTC_RETURN_IF_ERROR(import_weight(name, spec.target, spec.kind));
          break;
        }
        case IK::kUserInput: {
          const Argument& a = spec.arg;
          if (a.kind == K::kTensor) {
            const std::string& name = a.tensors[0].name;
            AOTC_ASSIGN_OR_RETURN(TensorType t, meta_type(name));
            env_[name] = graph_->add_input(name, t);
            graph_input_names_.insert(name);
          } else if (a.kind == K::kSymInt || a.kind == K::kSymFloat || a.kind == K::kSymBool) {
            return err(ErrorCode::kUnsupported,
                       fmt::format("user input {} is a symbolic {} ('{}'); aotc compiles tensor inputs only", i,
                                   a.kind == K::kSymInt ? "int" : a.kind == K::kSymFloat ? "float" : "bool",
                                   a.kind == K::kSymInt && std::holds_alternative<std::string>(a.sym_ints[0].value)
                                       ? std::get<std::string>(a.sym_ints[0].value)
                                       : std::string("?")));
          } else if (a.kind == K::kCustomObj) {
            return err(ErrorCode::kUnsupported, fmt::format("user input {} is a TorchBind object", i));
          }
          // Specialized constants (ints, floats, None...) are baked into the graph.
          break;
        }
        case IK::kConstantInput:
          break;
        case IK::kCustomObj:
          return err(ErrorCode::kUnsupported,
                     fmt::format("input '{}' is a TorchBind custom object, which aotc does not support", spec.target));
        case IK::kToken:
          return err(ErrorCode::kUnsupported, "the program uses effect tokens (side-effecting ops)");
      }
    }
    return Status::ok();
  }

  Status import_weight(const std::string& name, const std::string& fqn, schema::InputSpec::Kind kind) {
    const char* what = kind == schema::InputSpec::Kind::kParameter ? "parameter"
                       : kind == schema::InputSpec::Kind::kBuffer ? "buffer"
                                                                 : "tensor constant";
    auto it = program_.weights.find(fqn);
    if (it == program_.weights.end())
      return err(ErrorCode::kNotFound,
                 fmt::format("{} '{}' (graph input '{}') has no weight in the weights given", what, fqn, name));
    AOTC_ASSIGN_OR_RETURN(TensorType t, meta_type(name));
    const HostTensor& w = it->second;
    if (w.dtype() != t.dtype)
      return err(ErrorCode::kInvalidInput, fmt::format("{} '{}' is stored as {}, but the graph expects {}", what, fqn,
                                                       dtype_name(w.dtype()), dtype_name(t.dtype)));
    TensorType wt{w.dtype(), {}};
    for (int64_t d : w.shape()) wt.shape.emplace_back(d);
    if (!(wt.shape == t.shape))
      return err(ErrorCode::kInvalidInput, fmt::format("{} '{}' has shape {}, but the graph expects {}", what, fqn,
                                                       shape_to_string(wt.shape), shape_to_string(t.shape)));
    env_[name] = graph_->add_constant(name, fqn, w);
    graph_input_names_.insert(name);
    return Status::ok();
  }

  Status import_outputs() {
    const auto& specs = ep_.graph_module.signature.output_specs;
    if (specs.size() != g_.outputs.size())
      return err(ErrorCode::kInvalidInput, fmt::format("the signature describes {} outputs but the graph has {}",
                                                       specs.size(), g_.outputs.size()));
    for (size_t i = 0; i < specs.size(); ++i) {
      const auto& spec = specs[i];
      if (spec.kind != schema::OutputSpec::Kind::kUserOutput)
        return err(ErrorCode::kUnsupported,
                   fmt::format("output {} is a {} ('{}'); aotc compiles pure functions — export with model.eval() "
                               "and without in-place updates of buffers or inputs",
                               i, spec_kind_name(spec.kind), spec.target));
      const Argument& a = g_.outputs[i];
      if (a.kind != K::kTensor)
        return err(ErrorCode::kUnsupported,
                   fmt::format("output {} is a {} rather than a tensor, which aotc does not support", i,
                               schema::argument_kind_tag(a.kind)));
      AOTC_ASSIGN_OR_RETURN(Value * v, lookup(a.tensors[0].name, fmt::format("output {}", i)));
      graph_->add_output(v);
    }
    return Status::ok();
  }

  void import_call_spec() {
    for (const auto& e : ep_.graph_module.module_call_graph) {
      if (e.fqn.empty() && e.signature) {
        graph_->in_spec = e.signature->in_spec;
        graph_->out_spec = e.signature->out_spec;
      }
    }
  }

  // ---- Values ------------------------------------------------------------------------------

  Expected<Value*> lookup(const std::string& name, const std::string& where) {
    auto it = env_.find(name);
    if (it != env_.end()) return it->second;
    if (auto u = unavailable_.find(name); u != unavailable_.end())
      return err(ErrorCode::kUnsupported, fmt::format("{} uses '{}', {}, which aotc does not compute", where, name,
                                                      u->second));
    return err(ErrorCode::kInvalidInput,
               fmt::format("{} refers to '{}', which is not defined before it (dangling value reference)", where, name));
  }

  Expected<SymExpr> lookup_sym(const schema::SymIntArgument& s, const std::string& where) {
    if (std::holds_alternative<int64_t>(s.value)) return SymExpr(std::get<int64_t>(s.value));
    const std::string& name = std::get<std::string>(s.value);
    auto it = sym_env_.find(name);
    if (it != sym_env_.end()) return it->second;
    // A symbol recorded only in sym_int_values (e.g. produced by an op aotc folded).
    if (auto sv = g_.sym_int_values.find(name); sv != g_.sym_int_values.end()) {
      AOTC_ASSIGN_OR_RETURN(SymExpr e, sym_int(sv->second, fmt::format("sym_int_values['{}']", name)));
      return e;
    }
    return err(ErrorCode::kInvalidInput,
               fmt::format("{} refers to symbolic int '{}', which is not defined before it", where, name));
  }

  // Checks a result against the recorded metadata; symbolic dims may differ in
  // form but must agree at the export's example sizes.
  Status check_against_meta(const std::string& name, const Value* v, const std::string& where) {
    if (!g_.tensor_values.contains(name)) return Status::ok();
    AOTC_ASSIGN_OR_RETURN(TensorType meta, meta_type(name));
    auto mismatch = [&] {
      return err(ErrorCode::kInternal,
                 fmt::format("{}: aotc derives {} for '{}', but torch.export recorded {}", where,
                             v->type().to_string(), name, meta.to_string()));
    };
    if (meta.dtype != v->dtype() || meta.rank() != v->rank()) return mismatch();
    for (size_t i = 0; i < meta.rank(); ++i) {
      if (meta.shape[i] == v->dim(i)) continue;
      auto a = meta.shape[i].evaluate(hints_);
      auto b = v->dim(i).evaluate(hints_);
      if (!a || !b || *a != *b) return mismatch();
    }
    return Status::ok();
  }

  // ---- Symbolic integer nodes -----------------------------------------------------------------

  Status import_sym_node(const schema::Node& n, const std::string& target) {
    std::string where = fmt::format("node '{}' ({})", node_label(n), target);
    auto out_name = [&]() -> std::optional<std::string> {
      if (n.outputs.size() == 1 && n.outputs[0].kind == K::kSymInt &&
          std::holds_alternative<std::string>(n.outputs[0].sym_ints[0].value))
        return std::get<std::string>(n.outputs[0].sym_ints[0].value);
      return std::nullopt;
    };
    auto input = [&](size_t i) -> const schema::NamedArgument* { return i < n.inputs.size() ? &n.inputs[i] : nullptr; };
    auto sym_arg = [&](size_t i) -> Expected<SymExpr> {
      const auto* a = input(i);
      if (!a) return err(ErrorCode::kInvalidInput, fmt::format("{}: missing argument {}", where, i));
      if (a->arg.kind == K::kSymInt) return lookup_sym(a->arg.sym_ints[0], where);
      if (a->arg.kind == K::kInt) return SymExpr(a->arg.ints[0]);
      return err(ErrorCode::kUnsupported, fmt::format("{}: argument {} is a {}, not an integer", where, i,
                                                      schema::argument_kind_tag(a->arg.kind)));
    };
    // Symbolic booleans, asserts and range constraints carry no computation.
    if (target == "aten._assert_scalar.default" || target == "aten.sym_constrain_range.default" ||
        target == "aten.sym_constrain_range_for_size.default" || target == "aten._assert_async.msg")
      return Status::ok();
    static const std::set<std::string, std::less<>> kBoolOps = {
        "_operator.eq", "_operator.ne", "_operator.lt", "_operator.le", "_operator.gt", "_operator.ge",
        "_operator.and_", "_operator.or_", "_operator.not_", "torch.sym_not", "aten.sym_not.default"};
    if (kBoolOps.contains(target)) return Status::ok();

    auto name = out_name();
    if (!name)
      return err(ErrorCode::kUnsupported, fmt::format("{}: produces a non-integer symbolic value", where));
    SymExpr result;
    if (target == "aten.sym_size.int" || target == "aten.sym_stride.int" || target == "aten.sym_numel.default" ||
        target == "aten.sym_storage_offset.default") {
      const auto* self = input(0);
      if (!self || self->arg.kind != K::kTensor)
        return err(ErrorCode::kInvalidInput, fmt::format("{}: expects a tensor argument", where));
      AOTC_ASSIGN_OR_RETURN(Value * v, lookup(self->arg.tensors[0].name, where));
      if (target == "aten.sym_numel.default") {
        result = v->type().numel();
      } else if (target == "aten.sym_storage_offset.default") {
        result = SymExpr(0);
      } else {
        AOTC_ASSIGN_OR_RETURN(SymExpr d, sym_arg(1));
        auto dc = d.constant();
        int64_t rank = static_cast<int64_t>(v->rank());
        if (!dc || *dc < -rank || *dc >= rank)
          return err(ErrorCode::kInvalidInput, fmt::format("{}: dim out of range", where));
        size_t dim = static_cast<size_t>(*dc < 0 ? *dc + rank : *dc);
        if (target == "aten.sym_size.int") {
          result = v->dim(dim);
        } else {
          // The stride of the tensor as torch.export laid it out.
          const auto& meta = g_.tensor_values.at(self->arg.tensors[0].name);
          AOTC_ASSIGN_OR_RETURN(result, sym_int(meta.strides.at(dim), where));
        }
      }
    } else if (target == "_operator.add" || target == "_operator.sub" || target == "_operator.mul" ||
               target == "_operator.floordiv" || target == "_operator.mod" || target == "torch.sym_max" ||
               target == "torch.sym_min") {
      AOTC_ASSIGN_OR_RETURN(SymExpr a, sym_arg(0));
      AOTC_ASSIGN_OR_RETURN(SymExpr b, sym_arg(1));
      if (target == "_operator.add") result = a + b;
      else if (target == "_operator.sub") result = a - b;
      else if (target == "_operator.mul") result = a * b;
      else if (target == "torch.sym_max") result = SymExpr::max(a, b);
      else if (target == "torch.sym_min") result = SymExpr::min(a, b);
      else {
        if (b.constant() == 0) return err(ErrorCode::kInvalidInput, fmt::format("{}: division by zero", where));
        result = target == "_operator.floordiv" ? SymExpr::floordiv(a, b) : SymExpr::mod(a, b);
      }
    } else if (target == "_operator.neg" || target == "_operator.pos" || target == "torch.sym_int") {
      AOTC_ASSIGN_OR_RETURN(SymExpr a, sym_arg(0));
      result = target == "_operator.neg" ? -a : a;
    } else {
      return err(ErrorCode::kUnsupported,
                 fmt::format("{}: symbolic operation '{}' is not supported", where, target));
    }
    sym_env_[*name] = result;
    // Cross-check with what torch.export recorded for it.
    if (auto sv = g_.sym_int_values.find(*name); sv != g_.sym_int_values.end()) {
      AOTC_ASSIGN_OR_RETURN(SymExpr recorded, sym_int(sv->second, fmt::format("sym_int_values['{}']", *name)));
      auto x = recorded.evaluate(hints_), y = result.evaluate(hints_);
      if (!(recorded == result) && x && y && *x != *y)
        return err(ErrorCode::kInternal, fmt::format("{}: aotc derives {} for '{}', torch.export recorded {}", where,
                                                     result.to_string(), *name, recorded.to_string()));
    }
    return Status::ok();
  }

  // ---- ATen nodes ------------------------------------------------------------------------------

  Expected<ArgValue> convert_arg(const schema::Argument& a, const SchemaParam& p, ImportContext& ctx,
                                 const std::string& where) {
    ArgValue v;
    auto type_error = [&] {
      return err(ErrorCode::kInvalidInput,
                 fmt::format("{}: argument '{}' is {}, which does not fit its schema type", where, p.name,
                             schema::argument_kind_tag(a.kind)));
    };
    if (a.kind == K::kNone) {
      if (!p.optional && !(p.has_default && p.default_value.kind == K::kNone) && p.type != SchemaType::kLayout &&
          p.type != SchemaType::kDevice && p.type != SchemaType::kMemoryFormat && p.type != SchemaType::kScalarType &&
          p.type != SchemaType::kGenerator)
        return err(ErrorCode::kInvalidInput, fmt::format("{}: argument '{}' is None but is required", where, p.name));
      v.none = true;
      return v;
    }
    switch (p.type) {
      case SchemaType::kTensor:
        if (a.kind == K::kTensor) {
          AOTC_ASSIGN_OR_RETURN(v.tensor, lookup(a.tensors[0].name, where));
        } else if (a.kind == K::kOptionalTensor && !a.optional_tensors.empty() && a.optional_tensors[0].tensor) {
          AOTC_ASSIGN_OR_RETURN(v.tensor, lookup(a.optional_tensors[0].tensor->name, where));
        } else if (a.kind == K::kInt || a.kind == K::kFloat || a.kind == K::kBool) {
          // A Python number passed where a Tensor is expected: a wrapped number.
          v.tensor = ctx.scalar(a.kind == K::kInt     ? Scalar::from_int(a.ints[0])
                                : a.kind == K::kFloat ? Scalar::from_float(a.floats[0])
                                                      : Scalar::from_bool(a.bools[0]));
        } else {
          return type_error();
        }
        return v;
      case SchemaType::kTensorList:
      case SchemaType::kOptionalTensorList:
        if (a.kind == K::kTensors) {
          for (const auto& t : a.tensors) {
            AOTC_ASSIGN_OR_RETURN(Value * x, lookup(t.name, where));
            v.tensors.push_back(x);
          }
        } else if (a.kind == K::kOptionalTensors) {
          for (const auto& t : a.optional_tensors) {
            if (!t.tensor) {
              v.tensors.push_back(nullptr);
              continue;
            }
            AOTC_ASSIGN_OR_RETURN(Value * x, lookup(t.tensor->name, where));
            v.tensors.push_back(x);
          }
        } else {
          return type_error();
        }
        return v;
      case SchemaType::kInt:
      case SchemaType::kSymInt:
        if (a.kind == K::kInt) v.syms.emplace_back(a.ints[0]);
        else if (a.kind == K::kSymInt) {
          AOTC_ASSIGN_OR_RETURN(SymExpr e, lookup_sym(a.sym_ints[0], where));
          v.syms.push_back(e);
        } else if (a.kind == K::kBool) v.syms.emplace_back(int64_t{a.bools[0]});
        else return type_error();
        return v;
      case SchemaType::kIntList:
      case SchemaType::kSymIntList:
        if (a.kind == K::kInts) {
          for (int64_t x : a.ints) v.syms.emplace_back(x);
        } else if (a.kind == K::kSymInts) {
          for (const auto& s : a.sym_ints) {
            AOTC_ASSIGN_OR_RETURN(SymExpr e, lookup_sym(s, where));
            v.syms.push_back(e);
          }
        } else if (a.kind == K::kInt) {
          v.syms.emplace_back(a.ints[0]);
        } else if (a.kind == K::kSymInt) {
          AOTC_ASSIGN_OR_RETURN(SymExpr e, lookup_sym(a.sym_ints[0], where));
          v.syms.push_back(e);
        } else {
          return type_error();
        }
        if (p.list_size > 1 && v.syms.size() == 1) v.syms.assign(static_cast<size_t>(p.list_size), v.syms[0]);
        return v;
      case SchemaType::kFloat:
        if (a.kind == K::kFloat) v.floats.push_back(a.floats[0]);
        else if (a.kind == K::kInt) v.floats.push_back(static_cast<double>(a.ints[0]));
        else return type_error();
        return v;
      case SchemaType::kFloatList:
        if (a.kind == K::kFloats) v.floats = a.floats;
        else if (a.kind == K::kInts) for (int64_t x : a.ints) v.floats.push_back(static_cast<double>(x));
        else return type_error();
        return v;
      case SchemaType::kBool:
        if (a.kind == K::kBool) v.bools.push_back(a.bools[0]);
        else if (a.kind == K::kInt) v.bools.push_back(a.ints[0] != 0);
        else return type_error();
        return v;
      case SchemaType::kBoolList:
        if (a.kind != K::kBools) return type_error();
        v.bools = a.bools;
        return v;
      case SchemaType::kStr:
        if (a.kind != K::kString) return type_error();
        v.str = a.strings[0];
        return v;
      case SchemaType::kScalar:
        if (a.kind == K::kInt) v.scalar = Scalar::from_int(a.ints[0]);
        else if (a.kind == K::kFloat) v.scalar = Scalar::from_float(a.floats[0]);
        else if (a.kind == K::kBool) v.scalar = Scalar::from_bool(a.bools[0]);
        else if (a.kind == K::kSymInt) {
          AOTC_ASSIGN_OR_RETURN(SymExpr e, lookup_sym(a.sym_ints[0], where));
          if (auto c = e.constant()) {
            v.scalar = Scalar::from_int(*c);
          } else {
            v.scalar_is_sym = true;
            v.syms.push_back(e);
          }
        } else if (a.kind == K::kSymFloat) {
          return err(ErrorCode::kUnsupported,
                     fmt::format("{}: argument '{}' is a symbolic float, which aotc does not support", where, p.name));
        } else {
          return type_error();
        }
        return v;
      case SchemaType::kScalarType: {
        if (a.kind != K::kScalarType) return type_error();
        auto d = dtype_from_export_code(a.ints[0]);
        if (!d)
          return err(ErrorCode::kUnsupported,
                     fmt::format("{}: argument '{}' names dtype code {}, which aotc does not support", where, p.name,
                                 a.ints[0]));
        v.dtype = *d;
        return v;
      }
      case SchemaType::kLayout:
        if (a.kind == K::kLayout && a.ints[0] != 7)
          return err(ErrorCode::kUnsupported, fmt::format("{}: only the strided layout is supported", where));
        return v;
      case SchemaType::kDevice:
      case SchemaType::kMemoryFormat:
      case SchemaType::kGenerator:
        return v;  // placement and memory format do not change values
    }
    return type_error();
  }

  Expected<std::vector<ArgValue>> resolve_args(const schema::Node& n, const OpSchema& s, ImportContext& ctx,
                                               const std::string& where) {
    std::vector<ArgValue> values(s.params.size());
    std::vector<bool> given(s.params.size(), false);
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const auto& in = n.inputs[i];
      int idx = in.name.empty() ? static_cast<int>(i) : s.param_index(in.name);
      if (idx < 0 || static_cast<size_t>(idx) >= s.params.size())
        return err(ErrorCode::kInvalidInput,
                   fmt::format("{}: unknown argument '{}' (the schema is {}.{})", where, in.name, s.name, s.overload));
      if (given[static_cast<size_t>(idx)])
        return err(ErrorCode::kInvalidInput, fmt::format("{}: argument '{}' given twice", where, in.name));
      given[static_cast<size_t>(idx)] = true;
      AOTC_ASSIGN_OR_RETURN(values[static_cast<size_t>(idx)],
                            convert_arg(in.arg, s.params[static_cast<size_t>(idx)], ctx, where));
    }
    for (size_t i = 0; i < s.params.size(); ++i) {
      if (given[i]) continue;
      const SchemaParam& p = s.params[i];
      if (!p.has_default) {
        if (p.optional) {
          values[i].none = true;
          continue;
        }
        return err(ErrorCode::kInvalidInput, fmt::format("{}: missing required argument '{}'", where, p.name));
      }
      AOTC_ASSIGN_OR_RETURN(values[i], convert_arg(p.default_value, p, ctx, where));
    }
    return values;
  }

  // Flattens a node's JSON outputs into one name per lowering result ("" = unnamed).
  Expected<std::vector<std::string>> output_names(const schema::Node& n, const OpSchema& s,
                                                  const std::string& where) {
    std::vector<std::string> names;
    for (const auto& o : n.outputs) {
      switch (o.kind) {
        case K::kTensor: names.push_back(o.tensors[0].name); break;
        case K::kTensors:
          for (const auto& t : o.tensors) names.push_back(t.name);
          break;
        case K::kNone: names.emplace_back(); break;
        case K::kSymInt:
          names.push_back(std::holds_alternative<std::string>(o.sym_ints[0].value)
                              ? "#sym:" + std::get<std::string>(o.sym_ints[0].value)
                              : std::string());
          break;
        case K::kOptionalTensor:
          names.push_back(o.optional_tensors.empty() || !o.optional_tensors[0].tensor
                              ? std::string()
                              : o.optional_tensors[0].tensor->name);
          break;
        default:
          return err(ErrorCode::kUnsupported, fmt::format("{}: output of kind {} is not supported", where,
                                                          schema::argument_kind_tag(o.kind)));
      }
    }
    if (!s.returns_list && static_cast<int>(names.size()) != s.num_returns && !(s.num_returns == 0 && names.empty()))
      return err(ErrorCode::kInvalidInput, fmt::format("{}: {} outputs recorded, the op returns {}", where,
                                                       names.size(), s.num_returns));
    return names;
  }

  // Refuses an in-place update that other live names would observe.
  Status check_inplace(const std::string& mutated, const std::string& where) {
    if (graph_input_names_.contains(mutated))
      return err(ErrorCode::kUnsupported,
                 fmt::format("{}: mutates graph input '{}' in place; aotc compiles pure functions — export with "
                             "model.eval() so that buffers are not updated, and avoid in-place updates of inputs",
                             where, mutated));
    const std::string root = alias_root(mutated);
    for (const auto& [name, r] : alias_root_) {
      if (name == mutated || r != root) continue;
      auto lu = last_use_.find(name);
      if (lu != last_use_.end() && lu->second > node_index_)
        return err(ErrorCode::kUnsupported,
                   fmt::format("{}: updates '{}' in place while '{}', a view of the same tensor, is used later; "
                               "aotc cannot follow such aliasing — export after run_decompositions()",
                               where, mutated, name));
    }
    if (root != mutated) {
      auto lu = last_use_.find(root);
      if (lu != last_use_.end() && lu->second > node_index_)
        return err(ErrorCode::kUnsupported,
                   fmt::format("{}: updates the view '{}' in place while its base '{}' is used later; export after "
                               "run_decompositions()",
                               where, mutated, root));
    }
    return Status::ok();
  }

  std::string alias_root(const std::string& name) const {
    auto it = alias_root_.find(name);
    return it == alias_root_.end() ? name : it->second;
  }

  Status import_node(const schema::Node& n) {
    const std::string target = normalize_target(n.target);
    const std::string label = node_label(n);
    const std::string where = fmt::format("node '{}' ({})", label, target);
    if (is_sym_target(target)) return import_sym_node(n, target);
    if (is_hop(target))
      return err(ErrorCode::kUnsupported,
                 fmt::format("{}: higher-order operator (control flow or a wrapped kernel) is not supported", where));
    const AtenOpEntry* entry = find_aten_op(target);
    if (!entry)
      return err(ErrorCode::kUnsupported, fmt::format("{}: operator {} is not supported by aotc", where, target));
    const OpSchema& s = aten_schema(*entry);
    ImportContext ctx(*graph_, label, target);
    AOTC_ASSIGN_OR_RETURN(std::vector<ArgValue> values, resolve_args(n, s, ctx, where));
    ArgList args(&s, std::move(values), &ctx);

    std::string mutated;
    if (entry->inplace) {
      for (const auto& in : n.inputs)
        if ((in.name == "self" || in.name.empty()) && in.arg.kind == K::kTensor) {
          mutated = in.arg.tensors[0].name;
          break;
        }
      AOTC_CHECK(!mutated.empty(), "in-place op {} without a self tensor", target);
      AOTC_RETURN_IF_ERROR(check_inplace(mutated, where));
    }

    auto lowered = entry->lower(ctx, args);
    if (!lowered) {
      Error e = std::move(lowered).error();
      return err(e.code, e.message);
    }
    std::vector<Value*> results = std::move(*lowered);
    if (entry->inplace && !results.empty() && results[0]) {
      // The result keeps self's dtype and shape (self.add_(x) writes into self).
      Value* self = args.tensor("self");
      AOTC_ASSIGN_OR_RETURN(Value * r, ctx.cast(results[0], self->dtype()));
      AOTC_ASSIGN_OR_RETURN(r, ctx.expand(r, self->shape()));
      results[0] = r;
    }

    AOTC_ASSIGN_OR_RETURN(std::vector<std::string> names, output_names(n, s, where));
    if (names.size() != results.size())
      return err(ErrorCode::kInternal, fmt::format("{}: lowering gave {} results for {} recorded outputs", where,
                                                   results.size(), names.size()));
    const bool is_view = is_view_target(target);
    std::string first_tensor_arg;
    for (const auto& in : n.inputs)
      if (in.arg.kind == K::kTensor) {
        first_tensor_arg = in.arg.tensors[0].name;
        break;
      }
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& name = names[i];
      if (name.empty()) continue;
      if (name.starts_with("#sym:")) {
        unavailable_[name.substr(5)] = fmt::format("output {} of {}", i, target);
        continue;
      }
      Value* v = results[i];
      if (!v) {
        unavailable_[name] = fmt::format("output {} of {}", i, target);
        continue;
      }
      if (v->name().find('.') != std::string::npos && !env_.contains(name)) graph_->rename(v, name);
      env_[name] = v;
      if (is_view && !first_tensor_arg.empty()) alias_root_[name] = alias_root(first_tensor_arg);
      AOTC_RETURN_IF_ERROR(check_against_meta(name, v, where));
    }
    if (!mutated.empty() && results[0]) env_[mutated] = results[0];
    return Status::ok();
  }

  const LoadedProgram& program_;
  const schema::ExportedProgram& ep_;
  const schema::Graph& g_;
  std::unique_ptr<Graph> graph_;
  std::unordered_map<std::string, Value*> env_;
  std::unordered_map<std::string, SymExpr> sym_env_;
  std::unordered_map<std::string, std::string> unavailable_;
  std::unordered_map<std::string, std::string> alias_root_;
  std::unordered_map<std::string, size_t> last_use_;
  std::set<std::string> graph_input_names_;
  std::unordered_map<std::string, SymExpr> expr_cache_;
  SymbolValues hints_;
  size_t node_index_ = 0;
};

}  // namespace

std::string normalize_target(const std::string& target) {
  if (target.starts_with("torch.ops.")) return target.substr(10);
  return target;
}

std::vector<UnsupportedNode> find_unsupported_nodes(const schema::ExportedProgram& program) {
  std::vector<UnsupportedNode> out;
  for (const auto& n : program.graph_module.graph.nodes) {
    std::string target = normalize_target(n.target);
    std::string name = n.name;
    if (name.empty()) {
      for (const auto& o : n.outputs)
        if (o.kind == K::kTensor) name = o.tensors[0].name;
    }
    if (is_sym_target(target)) {
      static const std::set<std::string, std::less<>> kKnownSym = {
          "aten.sym_size.int", "aten.sym_numel.default", "aten.sym_stride.int", "aten.sym_storage_offset.default",
          "aten._assert_scalar.default", "aten.sym_constrain_range.default",
          "aten.sym_constrain_range_for_size.default", "aten._assert_async.msg", "aten.sym_not.default",
          "_operator.add", "_operator.sub", "_operator.mul", "_operator.floordiv", "_operator.mod", "_operator.neg",
          "_operator.pos", "_operator.eq", "_operator.ne", "_operator.lt", "_operator.le", "_operator.gt",
          "_operator.ge", "_operator.and_", "_operator.or_", "_operator.not_", "torch.sym_max", "torch.sym_min",
          "torch.sym_not", "torch.sym_int"};
      if (!kKnownSym.contains(target)) out.push_back({name, target, "symbolic operation not supported"});
      continue;
    }
    if (is_hop(target)) {
      out.push_back({name, target, "higher-order operator"});
      continue;
    }
    if (!find_aten_op(target)) out.push_back({name, target, "operator not supported"});
  }
  return out;
}

Expected<std::unique_ptr<Graph>> import_program(const LoadedProgram& program) { return Importer(program).run(); }

}  // namespace aotc

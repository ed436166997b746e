// ModelSpec emission (see SpecEmitter.h).
#include "codegen/SpecEmitter.h"

#include <set>

#include <fmt/format.h>

#include "codegen/ExprPrinter.h"

namespace aotc::codegen {
namespace {

std::string symbol_code(const std::string& s) { return symbol_ident(s); }

int symbol_index(const KernelGraph& kg, const std::string& s) {
  for (size_t i = 0; i < kg.symbol_order.size(); ++i)
    if (kg.symbol_order[i] == s) return static_cast<int>(i);
  return -1;
}

// Leaf node JSON of a pytree spec.
const char* kLeaf = R"({"type": null, "context": null, "children_spec": []})";

}  // namespace

std::string symbol_ident(const std::string& symbol) {
  std::string out = "sym_";
  for (char c : symbol) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

std::string bind_buffers_code(const KernelGraph& kg) {
  auto sym = [](const std::string& n) { return "f." + symbol_ident(n); };
  std::string s;
  for (const Buffer& b : kg.buffers) {
    std::string t = storage_ctype(b.dtype) + "*";
    std::string ptr;
    switch (b.kind) {
      case Buffer::Kind::kInput:
        ptr = fmt::format("static_cast<{}>(const_cast<void*>(rc->inputs[{}]))", t, b.io_index);
        break;
      case Buffer::Kind::kOutput: ptr = fmt::format("static_cast<{}>(rc->outputs[{}])", t, b.io_index); break;
      case Buffer::Kind::kWeight:
        ptr = fmt::format("reinterpret_cast<{}>(const_cast<unsigned char*>(static_cast<const unsigned char*>(rc->weights) + {}))",
                          t, b.weight_offset);
        break;
      case Buffer::Kind::kArena:
        if (b.slot < 0) continue;  // never written (unused)
        ptr = fmt::format("reinterpret_cast<{}>(arena + ({}))", t, kg.slot_offsets[static_cast<size_t>(b.slot)].to_code(sym));
        break;
    }
    s += "  f.b_" + b.name + " = " + ptr + ";\n";
  }
  return s;
}

std::string cpp_string(const std::string& text) {
  std::string s = "\"";
  for (char c : text) {
    switch (c) {
      case '"': s += "\\\""; break;
      case '\\': s += "\\\\"; break;
      case '\n': s += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) s += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        else s += c;
    }
  }
  return s + "\"";
}

std::string in_spec_or_default(const KernelGraph& kg) {
  if (!kg.in_spec.empty()) return kg.in_spec;
  std::string leaves;
  for (size_t i = 0; i < kg.inputs.size(); ++i) leaves += (i ? ", " : "") + std::string(kLeaf);
  return R"([1, {"type": "builtins.tuple", "context": "null", "children_spec": [{"type": "builtins.tuple", "context": "null", "children_spec": [)" +
         leaves + R"(]}, {"type": "builtins.dict", "context": "[]", "children_spec": []}]}])";
}

std::string out_spec_or_default(const KernelGraph& kg) {
  if (!kg.out_spec.empty()) return kg.out_spec;
  if (kg.outputs.size() == 1) return std::string("[1, ") + kLeaf + "]";
  std::string leaves;
  for (size_t i = 0; i < kg.outputs.size(); ++i) leaves += (i ? ", " : "") + std::string(kLeaf);
  return R"([1, {"type": "builtins.tuple", "context": "null", "children_spec": [)" + leaves + "]}]";
}

Status check_symbols_solvable(const KernelGraph& kg) {
  std::set<std::string> solvable;
  for (int id : kg.inputs)
    for (const SymExpr& d : kg.buffer(id).shape) {
      for (const auto& s : d.symbols())
        if (d.as_linear_in(s)) solvable.insert(s);
    }
  std::set<std::string> needed;
  for (const Buffer& b : kg.buffers)
    for (const SymExpr& d : b.shape) d.collect_symbols(needed);
  for (const auto& s : needed)
    if (!solvable.contains(s))
      return make_error(ErrorCode::kUnsupported,
                        "symbol {} is not a plain dimension of any input (only in expressions such as '{}'), so the "
                        "compiled model could not determine it at run time",
                        s, s);
  return Status::ok();
}

Expected<std::string> emit_model_spec(const KernelGraph& kg, const SpecOptions& options) {
  AOTC_RETURN_IF_ERROR(check_symbols_solvable(kg));
  std::string o;
  std::vector<SymExpr> exprs;  // kExpr dims, by id
  auto expr_id = [&](const SymExpr& e) {
    for (size_t i = 0; i < exprs.size(); ++i)
      if (exprs[i] == e) return static_cast<int>(i);
    exprs.push_back(e);
    return static_cast<int>(exprs.size() - 1);
  };
  auto dims_table = [&](const std::string& name, const Shape& shape) {
    o += "const aotc_model::DimSpec " + name + "[] = {";
    if (shape.empty()) o += "{aotc_model::DimKind::kStatic, 0, -1, 0, -1}";
    for (size_t i = 0; i < shape.size(); ++i) {
      const SymExpr& d = shape[i];
      std::string entry;
      if (auto c = d.constant()) {
        entry = fmt::format("{{aotc_model::DimKind::kStatic, {}, -1, 0, -1}}", *c);
      } else {
        std::optional<std::pair<int64_t, int64_t>> lin;
        std::string sym;
        auto syms = d.symbols();
        if (syms.size() == 1) {
          sym = *syms.begin();
          lin = d.as_linear_in(sym);
        }
        if (lin) {
          entry = fmt::format("{{aotc_model::DimKind::kLinear, {}, {}, {}, -1}}", lin->first, symbol_index(kg, sym),
                              lin->second);
        } else {
          entry = fmt::format("{{aotc_model::DimKind::kExpr, 0, -1, 0, {}}}", expr_id(d));
        }
      }
      o += (i ? ", " : "") + entry;
    }
    o += "};\n";
  };
  auto tensor_table = [&](const std::string& table, const std::vector<int>& ids, const std::vector<std::string>& names) {
    for (size_t i = 0; i < ids.size(); ++i) dims_table(fmt::format("{}Dims{}", table, i), kg.buffer(ids[i]).shape);
    o += "const aotc_model::TensorSpec " + table + "[] = {\n";
    for (size_t i = 0; i < ids.size(); ++i) {
      const Buffer& b = kg.buffer(ids[i]);
      o += fmt::format("  {{{}, {}, {}, {}Dims{}}},\n", cpp_string(names[i]), c10_code(b.dtype), b.shape.size(), table, i);
    }
    if (ids.empty()) o += "  {\"\", 0, 0, nullptr},\n";
    o += "};\n";
  };
  tensor_table("kInputs", kg.inputs, kg.input_names);
  tensor_table("kOutputs", kg.outputs, kg.output_names);

  o += "const aotc_model::SymbolSpec kSymbols[] = {\n";
  for (const auto& s : kg.symbol_order) {
    const SymbolRange& r = kg.symbols.at(s);
    o += fmt::format("  {{{}, {}, {}}},\n", cpp_string(s), r.min ? std::to_string(*r.min) + "LL" : "INT64_MIN",
                     r.max ? std::to_string(*r.max) + "LL" : "INT64_MAX");
  }
  if (kg.symbol_order.empty()) o += "  {\"\", 0, 0},\n";
  o += "};\n";

  for (size_t i = 0; i < kg.weights.size(); ++i) {
    const HostTensor& t = kg.weights[i].data;
    o += fmt::format("const int64_t kConstSizes{}[] = {{{}}};\n", i,
                     t.shape().empty() ? std::string("0") : fmt::format("{}", fmt::join(t.shape(), ", ")));
  }
  o += "const aotc_model::ConstantSpec kConstants[] = {\n";
  for (size_t i = 0; i < kg.weights.size(); ++i) {
    const WeightEntry& w = kg.weights[i];
    o += fmt::format("  {{{}, {}, {}, {}, kConstSizes{}, {}ULL, {}ULL, {}}},\n", cpp_string(w.name), cpp_string(w.fqn),
                     c10_code(w.data.dtype()), w.data.rank(), i, kg.buffer(w.buffer).weight_offset, w.data.nbytes(),
                     w.folded ? "true" : "false");
  }
  if (kg.weights.empty()) o += "  {\"\", \"\", 0, 0, nullptr, 0, 0, false},\n";
  o += "};\n\n";

  auto symbol_locals = [&]() {
    std::string s;
    for (size_t i = 0; i < kg.symbol_order.size(); ++i)
      s += fmt::format("  const int64_t {} = s[{}];\n", symbol_ident(kg.symbol_order[i]), i);
    if (!kg.symbol_order.empty()) s += "  (void)s;\n";
    return s;
  };
  o += "int64_t eval_expr(int32_t id, const int64_t* s) {\n" + symbol_locals();
  o += "  switch (id) {\n";
  for (size_t i = 0; i < exprs.size(); ++i)
    o += fmt::format("    case {}: return {};\n", i, exprs[i].to_code(symbol_code));
  o += "    default: return -1;\n  }\n}\n\n";

  o += "uint64_t arena_bytes(const int64_t* s) {\n" + symbol_locals();
  o += "  (void)s;\n  uint64_t bytes = (uint64_t)(" + kg.arena_size.to_code(symbol_code) + ");\n";
  if (!options.extra_scratch_code.empty()) o += "  bytes += " + options.extra_scratch_code + ";\n";
  o += "  return bytes;\n}\n\n";

  o += "}  // namespace\n\n";
  o += "const aotc_model::ModelSpec& aotc_generated_model_spec() {\n";
  o += "  static const aotc_model::ModelSpec spec = {\n";
  o += "      aotc_model::kModelRtVersion,\n";
  o += "      " + cpp_string(kg.model_name) + ",\n";
  o += fmt::format("      {},\n", options.device_type);
  o += fmt::format("      {}, kInputs,\n", kg.inputs.size());
  o += fmt::format("      {}, kOutputs,\n", kg.outputs.size());
  o += fmt::format("      {}, kSymbols,\n", kg.symbol_order.size());
  o += fmt::format("      {}, kConstants,\n", kg.weights.size());
  o += "      " + cpp_string(in_spec_or_default(kg)) + ",\n";
  o += "      " + cpp_string(out_spec_or_default(kg)) + ",\n";
  o += "      " + cpp_string(options.weights_file) + ",\n";
  o += fmt::format("      {}ULL,\n", kg.weights_size);
  o += "      eval_expr,\n      arena_bytes,\n";
  o += "      " + (options.init_function.empty() ? std::string("nullptr") : options.init_function) + ",\n";
  o += "      " + (options.destroy_function.empty() ? std::string("nullptr") : options.destroy_function) + ",\n";
  o += "      " + options.run_function + ",\n";
  o += "  };\n  return spec;\n}\n";
  return o;
}

}  // namespace aotc::codegen

// Input checking and output shapes; see InputCheck.h and aotc_model.h.
#include "InputCheck.h"

#include <climits>
#include <string>
#include <vector>

#include "aotc/model_abi.h"

namespace aotc_model::rt {
namespace {

std::string input_prefix(const ModelSpec& spec, size_t i) {
  return "input " + std::to_string(i) + " '" + spec.inputs[i].name + "'";
}

std::string list_text(const int64_t* values, int64_t n) {
  std::string s = "[";
  for (int64_t i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(values[i]);
  return s + "]";
}

std::string bound_text(int64_t v) {
  if (v == INT64_MAX) return "inf";
  if (v == INT64_MIN) return "-inf";
  return std::to_string(v);
}

std::string dtype_text(int32_t dtype) {
  const char* name = dtype_name(dtype);
  return name != nullptr ? name : "dtype code " + std::to_string(dtype);
}

// a * v + b, or false if it does not fit in int64.
bool linear_value(int64_t a, int64_t v, int64_t b, int64_t* out) {
  int64_t product = 0;
  return !__builtin_mul_overflow(a, v, &product) && !__builtin_add_overflow(product, b, out);
}

struct SymbolSource {
  int64_t input = -1;
  int64_t dim = -1;
};

}  // namespace

const char* dtype_name(int32_t dtype) {
  switch (dtype) {
    case AOTC_C10_UINT8:
      return "uint8";
    case AOTC_C10_INT8:
      return "int8";
    case AOTC_C10_INT16:
      return "int16";
    case AOTC_C10_INT32:
      return "int32";
    case AOTC_C10_INT64:
      return "int64";
    case AOTC_C10_FLOAT16:
      return "float16";
    case AOTC_C10_FLOAT32:
      return "float32";
    case AOTC_C10_FLOAT64:
      return "float64";
    case AOTC_C10_BOOL:
      return "bool";
    case AOTC_C10_BFLOAT16:
      return "bfloat16";
    default:
      return nullptr;
  }
}

size_t dtype_size(int32_t dtype) {
  switch (dtype) {
    case AOTC_C10_UINT8:
    case AOTC_C10_INT8:
    case AOTC_C10_BOOL:
      return 1;
    case AOTC_C10_INT16:
    case AOTC_C10_FLOAT16:
    case AOTC_C10_BFLOAT16:
      return 2;
    case AOTC_C10_INT32:
    case AOTC_C10_FLOAT32:
      return 4;
    case AOTC_C10_INT64:
    case AOTC_C10_FLOAT64:
      return 8;
    default:
      return 0;
  }
}

std::string device_text(int32_t device_type, int32_t device_index) {
  if (device_type == AOTC_DEVICE_CPU) return "cpu";
  if (device_type == AOTC_DEVICE_CUDA) return "cuda:" + std::to_string(device_index);
  return "device type " + std::to_string(device_type);
}

std::string dim_text(const ModelSpec& spec, const DimSpec& dim) {
  if (dim.text != nullptr) return dim.text;
  switch (dim.kind) {
    case DimKind::kStatic:
      return std::to_string(dim.value);
    case DimKind::kLinear: {
      std::string sym = dim.symbol >= 0 && static_cast<size_t>(dim.symbol) < spec.num_symbols
                            ? spec.symbols[dim.symbol].name
                            : "?";
      std::string s = dim.value == 1 ? sym : std::to_string(dim.value) + "*" + sym;
      if (dim.offset > 0) s += " + " + std::to_string(dim.offset);
      if (dim.offset < 0) s += " - " + std::to_string(-dim.offset);
      return s;
    }
    case DimKind::kExpr:
      return "expression #" + std::to_string(dim.expr);
  }
  return "?";
}

std::string check_inputs(const ModelSpec& spec, const TensorView* inputs, size_t num_inputs,
                         int32_t device_type, int32_t device_index, int64_t* symbols) {
  if (num_inputs != spec.num_inputs) {
    return "expected " + std::to_string(spec.num_inputs) + " input" +
           (spec.num_inputs == 1 ? "" : "s") + ", got " + std::to_string(num_inputs);
  }
  std::vector<SymbolSource> source(spec.num_symbols);
  for (size_t s = 0; s < spec.num_symbols; ++s) symbols[s] = 0;

  for (size_t i = 0; i < num_inputs; ++i) {
    const TensorSpec& ts = spec.inputs[i];
    const TensorView& in = inputs[i];
    if (in.dtype != ts.dtype) {
      return input_prefix(spec, i) + ": expected dtype " + dtype_text(ts.dtype) + ", got " +
             dtype_text(in.dtype);
    }
    if (in.device_type != device_type ||
        (device_type == AOTC_DEVICE_CUDA && in.device_index != device_index)) {
      return input_prefix(spec, i) + ": is on " + device_text(in.device_type, in.device_index) +
             ", but the model runs on " + device_text(device_type, device_index);
    }
    if (in.rank != ts.rank) {
      return input_prefix(spec, i) + ": expected " + std::to_string(ts.rank) + " dimension" +
             (ts.rank == 1 ? "" : "s") + ", got " + std::to_string(in.rank);
    }
    for (int64_t d = 0; d < in.rank; ++d) {
      const DimSpec& dim = ts.dims[d];
      const int64_t size = in.sizes[d];
      const std::string where = input_prefix(spec, i) + ": dimension " + std::to_string(d) +
                                " is " + std::to_string(size);
      if (dim.kind == DimKind::kStatic) {
        if (size != dim.value) return where + ", expected " + std::to_string(dim.value);
        continue;
      }
      if (dim.kind != DimKind::kLinear) continue;  // kExpr: once every symbol is known
      const SymbolSpec& sym = spec.symbols[dim.symbol];
      SymbolSource& src = source[dim.symbol];
      const std::string text = dim_text(spec, dim);
      if (src.input >= 0) {
        int64_t expected = 0;
        const bool fits = linear_value(dim.value, symbols[dim.symbol], dim.offset, &expected);
        if (!fits || size != expected) {
          std::string msg = where + " but symbol " + sym.name + " is " +
                            std::to_string(symbols[dim.symbol]) + " from " +
                            input_prefix(spec, static_cast<size_t>(src.input)) + " dimension " +
                            std::to_string(src.dim);
          if (text != sym.name)
            msg += ", so " + text + " must be " + (fits ? std::to_string(expected) : "huge");
          return msg;
        }
        continue;
      }
      const int64_t rest = size - dim.offset;
      if (rest % dim.value != 0) {
        return where + ", which is not " + text + " for any integer " + sym.name;
      }
      const int64_t value = rest / dim.value;
      if (value < sym.min || value > sym.max) {
        std::string msg = where;
        if (text != sym.name)
          msg += " (" + text + " with " + sym.name + " = " + std::to_string(value) + ")";
        return msg + ", outside the range [" + bound_text(sym.min) + ", " + bound_text(sym.max) +
               "] of symbol " + sym.name;
      }
      symbols[dim.symbol] = value;
      src.input = static_cast<int64_t>(i);
      src.dim = d;
    }
    // Layout: dense row-major. Size-1 dimensions may carry any stride, and an
    // empty tensor has no layout to speak of.
    if (in.strides != nullptr) {
      bool empty = false;
      for (int64_t d = 0; d < in.rank; ++d) empty = empty || in.sizes[d] == 0;
      if (!empty) {
        std::vector<int64_t> expected(static_cast<size_t>(in.rank));
        int64_t step = 1;
        bool contiguous = true;
        for (int64_t d = in.rank - 1; d >= 0; --d) {
          expected[d] = step;
          if (in.sizes[d] != 1 && in.strides[d] != step) contiguous = false;
          step *= in.sizes[d];
        }
        if (!contiguous) {
          return input_prefix(spec, i) + ": is not contiguous (sizes " +
                 list_text(in.sizes, in.rank) + ", strides " + list_text(in.strides, in.rank) +
                 ", expected strides " + list_text(expected.data(), in.rank) +
                 "); pass a contiguous tensor (x.contiguous())";
        }
      }
    }
  }

  for (size_t s = 0; s < spec.num_symbols; ++s) {
    if (source[s].input < 0) {  // validate_spec rules this out; kept as a guard
      return std::string("symbol ") + spec.symbols[s].name + " is not determined by any input";
    }
  }
  for (size_t i = 0; i < num_inputs; ++i) {
    const TensorSpec& ts = spec.inputs[i];
    for (int64_t d = 0; d < ts.rank; ++d) {
      const DimSpec& dim = ts.dims[d];
      if (dim.kind != DimKind::kExpr) continue;
      const int64_t expected = spec.eval_expr(dim.expr, symbols);
      if (inputs[i].sizes[d] != expected) {
        return input_prefix(spec, i) + ": dimension " + std::to_string(d) + " is " +
               std::to_string(inputs[i].sizes[d]) + ", expected " + dim_text(spec, dim) + " = " +
               std::to_string(expected);
      }
    }
  }
  return "";
}

std::string output_sizes(const ModelSpec& spec, size_t index, const int64_t* symbols,
                         int64_t* sizes) {
  const TensorSpec& ts = spec.outputs[index];
  for (int32_t d = 0; d < ts.rank; ++d) {
    const DimSpec& dim = ts.dims[d];
    int64_t v = 0;
    switch (dim.kind) {
      case DimKind::kStatic:
        v = dim.value;
        break;
      case DimKind::kLinear:
        if (!linear_value(dim.value, symbols[dim.symbol], dim.offset, &v)) v = -1;
        break;
      case DimKind::kExpr:
        v = spec.eval_expr(dim.expr, symbols);
        break;
    }
    if (v < 0) {
      return "output " + std::to_string(index) + " '" + ts.name + "': dimension " +
             std::to_string(d) + " (" + dim_text(spec, dim) + ") evaluates to " +
             std::to_string(v) + " for these inputs";
    }
    sizes[d] = v;
  }
  return "";
}

std::string validate_spec(const ModelSpec& spec) {
  if (spec.rt_version != kModelRtVersion) {
    return "the model code was generated for model support library version " +
           std::to_string(spec.rt_version) + ", but was linked with version " +
           std::to_string(kModelRtVersion);
  }
  if (spec.device_type != AOTC_DEVICE_CPU && spec.device_type != AOTC_DEVICE_CUDA) {
    return "the model's device type " + std::to_string(spec.device_type) +
           " is neither cpu nor cuda";
  }
  if (spec.run == nullptr) return "the model has no run function";
  if ((spec.num_inputs > 0 && spec.inputs == nullptr) ||
      (spec.num_outputs > 0 && spec.outputs == nullptr) ||
      (spec.num_symbols > 0 && spec.symbols == nullptr) ||
      (spec.num_constants > 0 && spec.constants == nullptr)) {
    return "the model spec has a null table";
  }
  std::vector<bool> determined(spec.num_symbols, false);
  auto check_tensor = [&](const TensorSpec& ts, const std::string& what,
                          bool is_input) -> std::string {
    if (ts.name == nullptr) return what + " has no name";
    if (dtype_name(ts.dtype) == nullptr)
      return what + " has unknown dtype code " + std::to_string(ts.dtype);
    if (ts.rank < 0 || (ts.rank > 0 && ts.dims == nullptr))
      return what + " has no dimensions table";
    for (int32_t d = 0; d < ts.rank; ++d) {
      const DimSpec& dim = ts.dims[d];
      if (dim.kind == DimKind::kLinear) {
        if (dim.symbol < 0 || static_cast<size_t>(dim.symbol) >= spec.num_symbols ||
            dim.value == 0) {
          return what + " dimension " + std::to_string(d) + " has a bad symbol or coefficient";
        }
        if (is_input) determined[dim.symbol] = true;
      } else if (dim.kind == DimKind::kExpr) {
        if (spec.eval_expr == nullptr)
          return what + " uses an expression but the model has no eval_expr";
      } else if (dim.kind != DimKind::kStatic || dim.value < 0) {
        return what + " dimension " + std::to_string(d) + " is malformed";
      }
    }
    return "";
  };
  for (size_t i = 0; i < spec.num_inputs; ++i) {
    std::string e = check_tensor(spec.inputs[i], "input " + std::to_string(i), true);
    if (!e.empty()) return e;
  }
  for (size_t i = 0; i < spec.num_outputs; ++i) {
    std::string e = check_tensor(spec.outputs[i], "output " + std::to_string(i), false);
    if (!e.empty()) return e;
  }
  for (size_t s = 0; s < spec.num_symbols; ++s) {
    if (spec.symbols[s].name == nullptr || spec.symbols[s].min > spec.symbols[s].max) {
      return "symbol " + std::to_string(s) + " is malformed";
    }
    if (!determined[s]) {
      return std::string("symbol ") + spec.symbols[s].name +
             " is not a plain (linear) dimension of any input, so the inputs cannot determine it";
    }
  }
  for (size_t c = 0; c < spec.num_constants; ++c) {
    const ConstantSpec& k = spec.constants[c];
    if (k.name == nullptr || k.offset > spec.weights_size ||
        k.nbytes > spec.weights_size - k.offset) {
      return "constant " + std::to_string(c) + " lies outside the weights blob";
    }
  }
  if (spec.weights_size > 0 && (spec.weights_file == nullptr || spec.weights_file[0] == '\0')) {
    return "the model has weights but no weights file name";
  }
  return "";
}

}  // namespace aotc_model::rt

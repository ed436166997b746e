// Reference evaluation of elementwise ops (unary, binary, where).
//
// Operands are broadcast (numpy rules) and read as double, or as int64 when
// the op's compute type (elementwise_compute_type: result_type of the
// operands) is integral or bool and the op has an exact integer rule; the
// result is stored in the node's dtype with HostTensor::set/set_int, which
// is where bfloat16/float16 results get rounded.
#include <cmath>
#include <limits>
#include <numbers>

#include "eval/EvalSupport.h"
#include "ir/ShapeInference.h"

namespace aotc::eval_internal {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void store(HostTensor& t, int64_t i, double v) {
  t.set(i, v);
}
void store(HostTensor& t, int64_t i, int64_t v) {
  t.set_int(i, v);
}
void store(HostTensor& t, int64_t i, bool v) {
  t.set_int(i, v ? 1 : 0);
}

struct Output {
  DType dtype;
  std::vector<int64_t> shape;
  int64_t n;
};

template <typename T, typename F>
HostTensor map1(const Output& o, const std::vector<T>& a, F f) {
  HostTensor out = HostTensor::zeros(o.dtype, o.shape);
  for (int64_t i = 0; i < o.n; ++i) store(out, i, f(a[static_cast<size_t>(i)]));
  return out;
}

template <typename T, typename F>
HostTensor map2(const Output& o, const std::vector<T>& a, const std::vector<T>& b, F f) {
  HostTensor out = HostTensor::zeros(o.dtype, o.shape);
  for (int64_t i = 0; i < o.n; ++i)
    store(out, i, f(a[static_cast<size_t>(i)], b[static_cast<size_t>(i)]));
  return out;
}

// Integer arithmetic wraps modulo 2^64 like the hardware (and PyTorch's kernels) do.
int64_t wrap_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t wrap_mul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
int64_t wrap_neg(int64_t a) {
  return static_cast<int64_t>(uint64_t{0} - static_cast<uint64_t>(a));
}

// Integer division by zero raises in PyTorch; here it gives 0 (documented).
int64_t int_div_trunc(int64_t a, int64_t b) {
  if (b == 0) return 0;
  if (b == -1) return wrap_neg(a);
  return a / b;
}

int64_t int_div_floor(int64_t a, int64_t b) {
  if (b == 0) return 0;
  if (b == -1) return wrap_neg(a);
  return floor_div(a, b);
}

int64_t int_remainder(int64_t a, int64_t b) {  // Python %: sign of the divisor
  if (b == 0 || b == -1) return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

int64_t int_fmod(int64_t a, int64_t b) {  // C %: sign of the dividend
  if (b == 0 || b == -1) return 0;
  return a % b;
}

// ATen's powi: negative exponents give 0 except for bases 1 and -1.
int64_t int_pow(int64_t base, int64_t exp) {
  if (exp < 0) {
    if (base == 1) return 1;
    if (base == -1) return (-exp) % 2 != 0 ? -1 : 1;
    return 0;
  }
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) result = wrap_mul(result, base);
    base = wrap_mul(base, base);
    exp >>= 1;
  }
  return result;
}

// ATen's div_floor_floating: Python floor division on doubles.
double float_div_floor(double a, double b) {
  if (b == 0) return a / b;
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1.0;
  if (div == 0) return std::copysign(0.0, a / b);
  double floordiv = std::floor(div);
  if (div - floordiv > 0.5) floordiv += 1.0;
  return floordiv;
}

double float_remainder(double a, double b) {
  double mod = std::fmod(a, b);
  if (mod != 0 && ((b < 0) != (mod < 0))) mod += b;
  return mod;
}

double relu6(double x) {
  return std::isnan(x) ? x : std::min(std::max(x, 0.0), 6.0);
}

double nan_max(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? kNaN : std::max(a, b);
}
double nan_min(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? kNaN : std::min(a, b);
}

// Ops with an exact int64 rule, used when the compute type is integral or bool.
bool has_integer_rule(const Node& node) {
  switch (node.op()) {
    case OpId::Abs:
    case OpId::Neg:
    case OpId::Relu:
    case OpId::Floor:
    case OpId::Ceil:
    case OpId::Round:
    case OpId::Trunc:
    case OpId::Sign:
    case OpId::LogicalNot:
    case OpId::BitwiseNot:
    case OpId::IsNan:
    case OpId::Clamp:
    case OpId::Cast:
    case OpId::Add:
    case OpId::Sub:
    case OpId::Mul:
    case OpId::Pow:
    case OpId::Maximum:
    case OpId::Minimum:
    case OpId::Remainder:
    case OpId::Fmod:
    case OpId::Eq:
    case OpId::Ne:
    case OpId::Lt:
    case OpId::Le:
    case OpId::Gt:
    case OpId::Ge:
    case OpId::LogicalAnd:
    case OpId::LogicalOr:
    case OpId::LogicalXor:
    case OpId::BitwiseAnd:
    case OpId::BitwiseOr:
    case OpId::BitwiseXor:
    case OpId::Where:
      return true;
    case OpId::Div:
      return !node.attr_is_none("rounding_mode");
    default:
      return false;
  }
}

Expected<HostTensor> eval_integer(const EvalContext& ctx, const Output& o, DType compute) {
  const Node& node = ctx.node;
  auto arg = [&](size_t i) { return broadcast_ints(ctx.in(i), o.shape); };
  switch (node.op()) {
    case OpId::Abs:
      return map1(o, arg(0), [](int64_t x) { return x < 0 ? wrap_neg(x) : x; });
    case OpId::Neg:
      return map1(o, arg(0), [](int64_t x) { return wrap_neg(x); });
    case OpId::Relu:
      return map1(o, arg(0), [](int64_t x) { return std::max<int64_t>(x, 0); });
    case OpId::Floor:
    case OpId::Ceil:
    case OpId::Round:
    case OpId::Trunc:
    case OpId::Cast:
      return map1(o, arg(0), [](int64_t x) { return x; });
    case OpId::Sign:
      return map1(o, arg(0), [](int64_t x) { return int64_t{(x > 0) - (x < 0)}; });
    case OpId::LogicalNot:
      return map1(o, arg(0), [](int64_t x) { return x == 0; });
    case OpId::BitwiseNot:
      if (compute == DType::Bool) return map1(o, arg(0), [](int64_t x) { return x == 0; });
      return map1(o, arg(0), [](int64_t x) { return ~x; });
    case OpId::IsNan:
      return map1(o, arg(0), [](int64_t) { return false; });
    case OpId::Clamp: {
      const bool has_lo = !node.attr_is_none("min"), has_hi = !node.attr_is_none("max");
      const int64_t lo = has_lo ? node.attr_scalar("min").to_int() : 0;
      const int64_t hi = has_hi ? node.attr_scalar("max").to_int() : 0;
      return map1(o, arg(0), [=](int64_t x) {
        if (has_lo && x < lo) x = lo;
        if (has_hi && x > hi) x = hi;
        return x;
      });
    }
    case OpId::Add:
    case OpId::Sub: {
      int64_t alpha = node.attr_scalar("alpha").to_int();
      if (node.op() == OpId::Sub) alpha = wrap_neg(alpha);
      return map2(o, arg(0), arg(1),
                  [=](int64_t a, int64_t b) { return wrap_add(a, wrap_mul(alpha, b)); });
    }
    case OpId::Mul:
      return map2(o, arg(0), arg(1), wrap_mul);
    case OpId::Div:
      if (node.attr_str("rounding_mode") == "trunc") return map2(o, arg(0), arg(1), int_div_trunc);
      if (node.attr_str("rounding_mode") == "floor") return map2(o, arg(0), arg(1), int_div_floor);
      return ctx.error("unknown rounding_mode '{}'", node.attr_str("rounding_mode"));
    case OpId::Pow:
      return map2(o, arg(0), arg(1), int_pow);
    case OpId::Maximum:
      return map2(o, arg(0), arg(1), [](int64_t a, int64_t b) { return std::max(a, b); });
    case OpId::Minimum:
      return map2(o, arg(0), arg(1), [](int64_t a, int64_t b) { return std::min(a, b); });
    case OpId::Remainder:
      return map2(o, arg(0), arg(1), int_remainder);
    case OpId::Fmod:
      return map2(o, arg(0), arg(1), int_fmod);
    case OpId::Eq:
      return map2(o, arg(0), arg(1), [](int64_t a, int64_t b) { return a == b; });
    case OpId::Ne:
      return map2(o, arg(0), arg(1), [](int64_t a, int64_t b) { return a != b; });
    case OpId::Lt:
      return map2(o, arg(0), arg(1), [](int64_t a, int64_t b) { return a < b; });
    case OpId::Le:
      return map2(o, arg(0), arg(1), [](int64_t a, int64_t b) { return a <= b; });
    case OpId::Gt:
      return map2(o, arg(0), arg(1), [](int64_t a, int64_t b) { return a > b; });
    case OpId::Ge:
      return map2(o, arg(0), arg(1), [](int64_t a, int64_t b) { return a >= b; });
    case OpId::LogicalAnd:
      return map2(o, arg(0), arg(1), [](int64_t a, int64_t b) { return a != 0 && b != 0; });
    case OpId::LogicalOr:
      return map2(o, arg(0), arg(1), [](int64_t a, int64_t b) { return a != 0 || b != 0; });
    case OpId::LogicalXor:
      return map2(o, arg(0), arg(1), [](int64_t a, int64_t b) { return (a != 0) != (b != 0); });
    case OpId::BitwiseAnd:
      return map2(o, arg(0), arg(1), [](int64_t a, int64_t b) { return a & b; });
    case OpId::BitwiseOr:
      return map2(o, arg(0), arg(1), [](int64_t a, int64_t b) { return a | b; });
    case OpId::BitwiseXor:
      return map2(o, arg(0), arg(1), [](int64_t a, int64_t b) { return a ^ b; });
    case OpId::Where: {
      std::vector<int64_t> cond = arg(0), a = arg(1), b = arg(2);
      HostTensor out = HostTensor::zeros(o.dtype, o.shape);
      for (size_t i = 0; i < cond.size(); ++i)
        out.set_int(static_cast<int64_t>(i), cond[i] != 0 ? a[i] : b[i]);
      return out;
    }
    default:
      return ctx.unsupported("no integer rule for this op");
  }
}

Expected<HostTensor> eval_floating(const EvalContext& ctx, const Output& o) {
  const Node& node = ctx.node;
  auto arg = [&](size_t i) { return broadcast_doubles(ctx.in(i), o.shape); };
  switch (node.op()) {
    // ---- unary ----
    case OpId::Abs:
      return map1(o, arg(0), [](double x) { return std::fabs(x); });
    case OpId::Neg:
      return map1(o, arg(0), [](double x) { return -x; });
    case OpId::Exp:
      return map1(o, arg(0), [](double x) { return std::exp(x); });
    case OpId::Expm1:
      return map1(o, arg(0), [](double x) { return std::expm1(x); });
    case OpId::Log:
      return map1(o, arg(0), [](double x) { return std::log(x); });
    case OpId::Log2:
      return map1(o, arg(0), [](double x) { return std::log2(x); });
    case OpId::Log1p:
      return map1(o, arg(0), [](double x) { return std::log1p(x); });
    case OpId::Sqrt:
      return map1(o, arg(0), [](double x) { return std::sqrt(x); });
    case OpId::Rsqrt:
      return map1(o, arg(0), [](double x) { return 1.0 / std::sqrt(x); });
    case OpId::Reciprocal:
      return map1(o, arg(0), [](double x) { return 1.0 / x; });
    case OpId::Sin:
      return map1(o, arg(0), [](double x) { return std::sin(x); });
    case OpId::Cos:
      return map1(o, arg(0), [](double x) { return std::cos(x); });
    case OpId::Tan:
      return map1(o, arg(0), [](double x) { return std::tan(x); });
    case OpId::Tanh:
      return map1(o, arg(0), [](double x) { return std::tanh(x); });
    case OpId::Atan:
      return map1(o, arg(0), [](double x) { return std::atan(x); });
    case OpId::Erf:
      return map1(o, arg(0), [](double x) { return std::erf(x); });
    case OpId::Sigmoid:
      return map1(o, arg(0), [](double x) { return 1.0 / (1.0 + std::exp(-x)); });
    case OpId::Relu:
      return map1(o, arg(0), [](double x) { return std::isnan(x) ? x : (x > 0 ? x : 0.0); });
    case OpId::Gelu: {
      const std::string& approximate = node.attr_str("approximate");
      if (approximate == "tanh") {
        const double k = std::sqrt(2.0 / std::numbers::pi);
        return map1(o, arg(0), [=](double x) {
          return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
        });
      }
      if (approximate != "none") return ctx.error("unknown approximate '{}'", approximate);
      return map1(o, arg(0),
                  [](double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); });
    }
    case OpId::Silu:
      return map1(o, arg(0), [](double x) { return x / (1.0 + std::exp(-x)); });
    case OpId::Mish:
      return map1(o, arg(0), [](double x) { return x * std::tanh(std::log1p(std::exp(x))); });
    case OpId::Softplus: {
      const double beta = node.attr_float("beta"), threshold = node.attr_float("threshold");
      return map1(o, arg(0), [=](double x) {
        return x * beta > threshold ? x : std::log1p(std::exp(x * beta)) / beta;
      });
    }
    case OpId::Hardswish:
      return map1(o, arg(0), [](double x) { return x * relu6(x + 3.0) / 6.0; });
    case OpId::Hardsigmoid:
      return map1(o, arg(0), [](double x) { return relu6(x + 3.0) / 6.0; });
    case OpId::Hardtanh: {
      const double lo = node.attr_float("min_val"), hi = node.attr_float("max_val");
      return map1(o, arg(0), [=](double x) { return x < lo ? lo : (x > hi ? hi : x); });
    }
    case OpId::LeakyRelu: {
      const double slope = node.attr_float("negative_slope");
      return map1(o, arg(0), [=](double x) { return x > 0 ? x : x * slope; });
    }
    case OpId::Elu: {
      const double alpha = node.attr_float("alpha"), scale = node.attr_float("scale");
      const double input_scale = node.attr_float("input_scale");
      return map1(o, arg(0), [=](double x) {
        return x > 0 || std::isnan(x) ? x * scale : std::expm1(x * input_scale) * alpha * scale;
      });
    }
    case OpId::Floor:
      return map1(o, arg(0), [](double x) { return std::floor(x); });
    case OpId::Ceil:
      return map1(o, arg(0), [](double x) { return std::ceil(x); });
    case OpId::Round:
      return map1(o, arg(0), [](double x) { return std::nearbyint(x); });  // half to even
    case OpId::Trunc:
      return map1(o, arg(0), [](double x) { return std::trunc(x); });
    case OpId::Sign:
      return map1(o, arg(0), [](double x) { return double((0.0 < x) - (x < 0.0)); });  // NaN -> 0
    case OpId::LogicalNot:
      return map1(o, arg(0), [](double x) { return x == 0.0; });
    case OpId::IsNan:
      return map1(o, arg(0), [](double x) { return std::isnan(x); });
    case OpId::Cast:
      return map1(o, arg(0), [](double x) { return x; });
    case OpId::Clamp: {
      // As ATen's CPU kernel: NaN inputs propagate, NaN bounds are ignored, min > max gives max.
      const bool has_lo = !node.attr_is_none("min"), has_hi = !node.attr_is_none("max");
      const double lo = has_lo ? node.attr_scalar("min").to_double() : 0.0;
      const double hi = has_hi ? node.attr_scalar("max").to_double() : 0.0;
      return map1(o, arg(0), [=](double x) {
        if (has_lo && x < lo) x = lo;
        if (has_hi && x > hi) x = hi;
        return x;
      });
    }
    // ---- binary ----
    case OpId::Add:
    case OpId::Sub: {
      double alpha = node.attr_scalar("alpha").to_double();
      if (node.op() == OpId::Sub) alpha = -alpha;
      return map2(o, arg(0), arg(1), [=](double a, double b) { return a + alpha * b; });
    }
    case OpId::Mul:
      return map2(o, arg(0), arg(1), [](double a, double b) { return a * b; });
    case OpId::Div: {
      if (node.attr_is_none("rounding_mode"))
        return map2(o, arg(0), arg(1), [](double a, double b) { return a / b; });
      const std::string& mode = node.attr_str("rounding_mode");
      if (mode == "trunc")
        return map2(o, arg(0), arg(1), [](double a, double b) { return std::trunc(a / b); });
      if (mode == "floor") return map2(o, arg(0), arg(1), float_div_floor);
      return ctx.error("unknown rounding_mode '{}'", mode);
    }
    case OpId::Pow:
      return map2(o, arg(0), arg(1), [](double a, double b) { return std::pow(a, b); });
    case OpId::Maximum:
      return map2(o, arg(0), arg(1), nan_max);
    case OpId::Minimum:
      return map2(o, arg(0), arg(1), nan_min);
    case OpId::Remainder:
      return map2(o, arg(0), arg(1), float_remainder);
    case OpId::Fmod:
      return map2(o, arg(0), arg(1), [](double a, double b) { return std::fmod(a, b); });
    case OpId::Atan2:
      return map2(o, arg(0), arg(1), [](double a, double b) { return std::atan2(a, b); });
    case OpId::Eq:
      return map2(o, arg(0), arg(1), [](double a, double b) { return a == b; });
    case OpId::Ne:
      return map2(o, arg(0), arg(1), [](double a, double b) { return a != b; });
    case OpId::Lt:
      return map2(o, arg(0), arg(1), [](double a, double b) { return a < b; });
    case OpId::Le:
      return map2(o, arg(0), arg(1), [](double a, double b) { return a <= b; });
    case OpId::Gt:
      return map2(o, arg(0), arg(1), [](double a, double b) { return a > b; });
    case OpId::Ge:
      return map2(o, arg(0), arg(1), [](double a, double b) { return a >= b; });
    case OpId::LogicalAnd:
      return map2(o, arg(0), arg(1), [](double a, double b) { return a != 0 && b != 0; });
    case OpId::LogicalOr:
      return map2(o, arg(0), arg(1), [](double a, double b) { return a != 0 || b != 0; });
    case OpId::LogicalXor:
      return map2(o, arg(0), arg(1), [](double a, double b) { return (a != 0) != (b != 0); });
    case OpId::Where: {
      std::vector<double> cond = arg(0), a = arg(1), b = arg(2);
      HostTensor out = HostTensor::zeros(o.dtype, o.shape);
      for (size_t i = 0; i < cond.size(); ++i)
        out.set(static_cast<int64_t>(i), cond[i] != 0 ? a[i] : b[i]);
      return out;
    }
    case OpId::BitwiseNot:
    case OpId::BitwiseAnd:
    case OpId::BitwiseOr:
    case OpId::BitwiseXor:
      return ctx.error("bitwise ops need integer or bool operands");
    default:
      return ctx.unsupported("no rule for this elementwise op");
  }
}

}  // namespace

Expected<HostTensor> eval_elementwise(const EvalContext& ctx) {
  std::vector<std::vector<int64_t>> shapes;
  for (size_t i = 0; i < ctx.operands.size(); ++i) shapes.push_back(ctx.in(i).shape());
  auto shape = broadcast_concrete(shapes);
  if (!shape) {
    std::string list;
    for (const auto& s : shapes) list += (list.empty() ? "" : ", ") + shape_str(s);
    return ctx.error("operand shapes {} do not broadcast", list);
  }
  Output o{ctx.out_dtype(), *shape, numel_of(*shape)};
  const DType compute = elementwise_compute_type(ctx.node);
  if (!is_floating(compute) && has_integer_rule(ctx.node)) return eval_integer(ctx, o, compute);
  return eval_floating(ctx, o);
}

}  // namespace aotc::eval_internal

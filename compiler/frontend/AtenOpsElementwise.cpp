// ATen elementwise ops: unary math, activations, binary arithmetic and
// comparisons (Tensor and Scalar overloads, in-place variants), where,
// masked_fill, clamp, casts. One table entry per torch.export target.
#include <array>

#include "frontend/ImportContext.h"

namespace aotc {
namespace {

using R = Expected<std::vector<Value*>>;

R one(Expected<Value*> v) {
  if (!v) return std::move(v).error();
  return std::vector<Value*>{*v};
}

template <OpId Op>
R unary(ImportContext& c, const ArgList& a) {
  return one(c.make(Op, {a.tensor("self")}));
}

template <OpId Op>
R binary(ImportContext& c, const ArgList& a) {
  return one(c.make(Op, {a.tensor("self"), a.tensor("other")}));
}

template <OpId Op>
R binary_scalar(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar other, a.scalar("other"));
  return one(c.make(Op, {a.tensor("self"), c.scalar(other)}));
}

template <OpId Op>
R binary_alpha(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar alpha, a.scalar("alpha"));
  return one(c.make(Op, {a.tensor("self"), a.tensor("other")}, {{"alpha", alpha}}));
}

template <OpId Op>
R binary_scalar_alpha(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar other, a.scalar("other"));
  AOTC_ASSIGN_OR_RETURN(Scalar alpha, a.scalar("alpha"));
  return one(c.make(Op, {a.tensor("self"), c.scalar(other)}, {{"alpha", alpha}}));
}

R rsub_tensor(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar alpha, a.scalar("alpha"));
  return one(c.make(OpId::Sub, {a.tensor("other"), a.tensor("self")}, {{"alpha", alpha}}));
}

R rsub_scalar(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar other, a.scalar("other"));
  AOTC_ASSIGN_OR_RETURN(Scalar alpha, a.scalar("alpha"));
  return one(c.make(OpId::Sub, {c.scalar(other), a.tensor("self")}, {{"alpha", alpha}}));
}

Expected<AttrValue> rounding_mode(ImportContext& c, const ArgList& a) {
  auto mode = a.opt_str("rounding_mode");
  if (!mode) return AttrValue{};
  if (*mode != "trunc" && *mode != "floor") return c.invalid("unknown rounding_mode '{}'", *mode);
  return AttrValue{*mode};
}

R div_mode(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(AttrValue mode, rounding_mode(c, a));
  return one(c.make(OpId::Div, {a.tensor("self"), a.tensor("other")}, {{"rounding_mode", mode}}));
}

R div_scalar_mode(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(AttrValue mode, rounding_mode(c, a));
  AOTC_ASSIGN_OR_RETURN(Scalar other, a.scalar("other"));
  return one(c.make(OpId::Div, {a.tensor("self"), c.scalar(other)}, {{"rounding_mode", mode}}));
}

R floor_divide(ImportContext& c, const ArgList& a) {
  return one(c.make(OpId::Div, {a.tensor("self"), a.tensor("other")}, {{"rounding_mode", std::string("floor")}}));
}

R floor_divide_scalar(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar other, a.scalar("other"));
  return one(c.make(OpId::Div, {a.tensor("self"), c.scalar(other)}, {{"rounding_mode", std::string("floor")}}));
}

R pow_tensor_scalar(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar e, a.scalar("exponent"));
  return one(c.make(OpId::Pow, {a.tensor("self"), c.scalar(e)}));
}

R pow_tensor_tensor(ImportContext& c, const ArgList& a) {
  return one(c.make(OpId::Pow, {a.tensor("self"), a.tensor("exponent")}));
}

R pow_scalar_tensor(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar s, a.scalar("self"));
  return one(c.make(OpId::Pow, {c.scalar(s), a.tensor("exponent")}));
}

R square(ImportContext& c, const ArgList& a) { return one(c.make(OpId::Mul, {a.tensor("self"), a.tensor("self")})); }

R gelu(ImportContext& c, const ArgList& a) {
  const std::string& approx = a.str("approximate");
  if (approx != "none" && approx != "tanh") return c.invalid("unknown gelu approximation '{}'", approx);
  return one(c.make(OpId::Gelu, {a.tensor("self")}, {{"approximate", approx}}));
}

R softplus(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar beta, a.scalar("beta"));
  AOTC_ASSIGN_OR_RETURN(Scalar threshold, a.scalar("threshold"));
  return one(c.make(OpId::Softplus, {a.tensor("self")},
                    {{"beta", beta.to_double()}, {"threshold", threshold.to_double()}}));
}

R hardtanh(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar lo, a.scalar("min_val"));
  AOTC_ASSIGN_OR_RETURN(Scalar hi, a.scalar("max_val"));
  return one(c.make(OpId::Hardtanh, {a.tensor("self")}, {{"min_val", lo.to_double()}, {"max_val", hi.to_double()}}));
}

R relu6(ImportContext& c, const ArgList& a) {
  return one(c.make(OpId::Hardtanh, {a.tensor("self")}, {{"min_val", 0.0}, {"max_val", 6.0}}));
}

R leaky_relu(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar slope, a.scalar("negative_slope"));
  return one(c.make(OpId::LeakyRelu, {a.tensor("self")}, {{"negative_slope", slope.to_double()}}));
}

R elu(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar alpha, a.scalar("alpha"));
  AOTC_ASSIGN_OR_RETURN(Scalar scale, a.scalar("scale"));
  AOTC_ASSIGN_OR_RETURN(Scalar input_scale, a.scalar("input_scale"));
  return one(c.make(OpId::Elu, {a.tensor("self")},
                    {{"alpha", alpha.to_double()}, {"scale", scale.to_double()},
                     {"input_scale", input_scale.to_double()}}));
}

R clamp(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(auto lo, a.opt_scalar("min"));
  AOTC_ASSIGN_OR_RETURN(auto hi, a.opt_scalar("max"));
  if (!lo && !hi) return c.invalid("clamp needs at least one of min and max");
  return one(c.make(OpId::Clamp, {a.tensor("self")},
                    {{"min", lo ? AttrValue{*lo} : AttrValue{}}, {"max", hi ? AttrValue{*hi} : AttrValue{}}}));
}

R clamp_min(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar lo, a.scalar("min"));
  return one(c.make(OpId::Clamp, {a.tensor("self")}, {{"min", lo}}));
}

R clamp_max(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar hi, a.scalar("max"));
  return one(c.make(OpId::Clamp, {a.tensor("self")}, {{"max", hi}}));
}

R clamp_tensor(ImportContext& c, const ArgList& a) {
  Value* v = a.tensor("self");
  if (!a.tensor("min") && !a.tensor("max")) return c.invalid("clamp needs at least one of min and max");
  if (Value* lo = a.tensor("min")) {
    AOTC_ASSIGN_OR_RETURN(v, c.make(OpId::Maximum, {v, lo}));
  }
  if (Value* hi = a.tensor("max")) {
    AOTC_ASSIGN_OR_RETURN(v, c.make(OpId::Minimum, {v, hi}));
  }
  return one(v);
}

R where_self(ImportContext& c, const ArgList& a) {
  return one(c.make(OpId::Where, {a.tensor("condition"), a.tensor("self"), a.tensor("other")}));
}

R where_scalar_other(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar other, a.scalar("other"));
  return one(c.make(OpId::Where, {a.tensor("condition"), a.tensor("self"), c.scalar(other)}));
}

R where_scalar_self(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar self, a.scalar("self"));
  return one(c.make(OpId::Where, {a.tensor("condition"), c.scalar(self), a.tensor("other")}));
}

R where_scalars(ImportContext& c, const ArgList& a) {
  AOTC_ASSIGN_OR_RETURN(Scalar self, a.scalar("self"));
  AOTC_ASSIGN_OR_RETURN(Scalar other, a.scalar("other"));
  return one(c.make(OpId::Where, {a.tensor("condition"), c.scalar(self), c.scalar(other)}));
}

R masked_fill_scalar(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  AOTC_ASSIGN_OR_RETURN(Scalar value, a.scalar("value"));
  AOTC_ASSIGN_OR_RETURN(Value * w, c.make(OpId::Where, {a.tensor("mask"), c.scalar(value), self}));
  return one(c.cast(w, self->dtype()));
}

R masked_fill_tensor(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  Value* value = a.tensor("value");
  if (value->rank() != 0) return c.invalid("masked_fill value must be a 0-dim tensor");
  AOTC_ASSIGN_OR_RETURN(Value * w, c.make(OpId::Where, {a.tensor("mask"), value, self}));
  return one(c.cast(w, self->dtype()));
}

R to_dtype_arg(ImportContext& c, const ArgList& a) {
  Value* self = a.tensor("self");
  auto dtype = a.dtype("dtype");
  return one(dtype ? c.cast(self, *dtype) : Expected<Value*>(self));
}

R to_other(ImportContext& c, const ArgList& a) { return one(c.cast(a.tensor("self"), a.tensor("other")->dtype())); }

R logical_not_scalar_free(ImportContext& c, const ArgList& a) { return one(c.make(OpId::LogicalNot, {a.tensor("self")})); }

#define UNARY(name, op)                                                              \
  {"aten." name ".default", name "(Tensor self) -> Tensor", unary<OpId::op>},       \
  {"aten." name "_.default", name "_(Tensor(a!) self) -> Tensor(a!)", unary<OpId::op>, true}

#define BINARY(name, op)                                                                              \
  {"aten." name ".Tensor", name ".Tensor(Tensor self, Tensor other) -> Tensor", binary<OpId::op>},       \
  {"aten." name ".Scalar", name ".Scalar(Tensor self, Scalar other) -> Tensor", binary_scalar<OpId::op>}, \
  {"aten." name "_.Tensor", name "_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", binary<OpId::op>, true}, \
  {"aten." name "_.Scalar", name "_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", binary_scalar<OpId::op>, true}

#define BINARY_ALPHA(name, op)                                                                           \
  {"aten." name ".Tensor", name ".Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",          \
   binary_alpha<OpId::op>},                                                                                 \
  {"aten." name ".Scalar", name ".Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",             \
   binary_scalar_alpha<OpId::op>},                                                                          \
  {"aten." name "_.Tensor", name "_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)", \
   binary_alpha<OpId::op>, true},                                                                           \
  {"aten." name "_.Scalar", name "_.Scalar(Tensor(a!) self, Scalar other, Scalar alpha=1) -> Tensor(a!)",   \
   binary_scalar_alpha<OpId::op>, true}

#define BINARY_DEFAULT(name, op) \
  {"aten." name ".default", name "(Tensor self, Tensor other) -> Tensor", binary<OpId::op>}

const AtenOpEntry kOps[] = {
    UNARY("abs", Abs),
    UNARY("neg", Neg),
    UNARY("negative", Neg),
    UNARY("exp", Exp),
    UNARY("expm1", Expm1),
    UNARY("log", Log),
    UNARY("log2", Log2),
    UNARY("log1p", Log1p),
    UNARY("sqrt", Sqrt),
    UNARY("rsqrt", Rsqrt),
    UNARY("reciprocal", Reciprocal),
    UNARY("sin", Sin),
    UNARY("cos", Cos),
    UNARY("tan", Tan),
    UNARY("tanh", Tanh),
    UNARY("atan", Atan),
    UNARY("erf", Erf),
    UNARY("sigmoid", Sigmoid),
    UNARY("relu", Relu),
    UNARY("silu", Silu),
    UNARY("mish", Mish),
    UNARY("hardswish", Hardswish),
    UNARY("hardsigmoid", Hardsigmoid),
    UNARY("floor", Floor),
    UNARY("ceil", Ceil),
    UNARY("round", Round),
    UNARY("trunc", Trunc),
    UNARY("sign", Sign),
    UNARY("sgn", Sign),
    UNARY("bitwise_not", BitwiseNot),
    {"aten.logical_not.default", "logical_not(Tensor self) -> Tensor", logical_not_scalar_free},
    {"aten.isnan.default", "isnan(Tensor self) -> Tensor", unary<OpId::IsNan>},
    {"aten.square.default", "square(Tensor self) -> Tensor", square},
    {"aten.gelu.default", "gelu(Tensor self, *, str approximate='none') -> Tensor", gelu},
    {"aten.gelu_.default", "gelu_(Tensor(a!) self, *, str approximate='none') -> Tensor(a!)", gelu, true},
    {"aten.softplus.default", "softplus(Tensor self, Scalar beta=1, Scalar threshold=20) -> Tensor", softplus},
    {"aten.hardtanh.default", "hardtanh(Tensor self, Scalar min_val=-1, Scalar max_val=1) -> Tensor", hardtanh},
    {"aten.hardtanh_.default", "hardtanh_(Tensor(a!) self, Scalar min_val=-1, Scalar max_val=1) -> Tensor(a!)",
     hardtanh, true},
    {"aten.relu6.default", "relu6(Tensor self) -> Tensor", relu6},
    {"aten.relu6_.default", "relu6_(Tensor(a!) self) -> Tensor(a!)", relu6, true},
    {"aten.leaky_relu.default", "leaky_relu(Tensor self, Scalar negative_slope=0.01) -> Tensor", leaky_relu},
    {"aten.leaky_relu_.default", "leaky_relu_(Tensor(a!) self, Scalar negative_slope=0.01) -> Tensor(a!)",
     leaky_relu, true},
    {"aten.elu.default", "elu(Tensor self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1) -> Tensor", elu},
    {"aten.elu_.default",
     "elu_(Tensor(a!) self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1) -> Tensor(a!)", elu, true},
    {"aten.clamp.default", "clamp(Tensor self, Scalar? min=None, Scalar? max=None) -> Tensor", clamp},
    {"aten.clamp_.default", "clamp_(Tensor(a!) self, Scalar? min=None, Scalar? max=None) -> Tensor(a!)", clamp, true},
    {"aten.clip.default", "clip(Tensor self, Scalar? min=None, Scalar? max=None) -> Tensor", clamp},
    {"aten.clamp.Tensor", "clamp.Tensor(Tensor self, Tensor? min=None, Tensor? max=None) -> Tensor", clamp_tensor},
    {"aten.clamp_min.default", "clamp_min(Tensor self, Scalar min) -> Tensor", clamp_min},
    {"aten.clamp_max.default", "clamp_max(Tensor self, Scalar max) -> Tensor", clamp_max},

    BINARY_ALPHA("add", Add),
    BINARY_ALPHA("sub", Sub),
    BINARY("mul", Mul),
    BINARY("div", Div),
    BINARY("eq", Eq),
    BINARY("ne", Ne),
    BINARY("lt", Lt),
    BINARY("le", Le),
    BINARY("gt", Gt),
    BINARY("ge", Ge),
    BINARY("remainder", Remainder),
    BINARY("fmod", Fmod),
    BINARY("bitwise_and", BitwiseAnd),
    BINARY("bitwise_or", BitwiseOr),
    BINARY("bitwise_xor", BitwiseXor),
    BINARY_DEFAULT("maximum", Maximum),
    BINARY_DEFAULT("minimum", Minimum),
    BINARY_DEFAULT("atan2", Atan2),
    BINARY_DEFAULT("logical_and", LogicalAnd),
    BINARY_DEFAULT("logical_or", LogicalOr),
    BINARY_DEFAULT("logical_xor", LogicalXor),
    {"aten.rsub.Tensor", "rsub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", rsub_tensor},
    {"aten.rsub.Scalar", "rsub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor", rsub_scalar},
    {"aten.div.Tensor_mode", "div.Tensor_mode(Tensor self, Tensor other, *, str? rounding_mode) -> Tensor", div_mode},
    {"aten.div.Scalar_mode", "div.Scalar_mode(Tensor self, Scalar other, *, str? rounding_mode) -> Tensor",
     div_scalar_mode},
    {"aten.div_.Tensor_mode", "div_.Tensor_mode(Tensor(a!) self, Tensor other, *, str? rounding_mode) -> Tensor(a!)",
     div_mode, true},
    {"aten.true_divide.Tensor", "true_divide.Tensor(Tensor self, Tensor other) -> Tensor", binary<OpId::Div>},
    {"aten.floor_divide.default", "floor_divide(Tensor self, Tensor other) -> Tensor", floor_divide},
    {"aten.floor_divide.Scalar", "floor_divide.Scalar(Tensor self, Scalar other) -> Tensor", floor_divide_scalar},
    {"aten.pow.Tensor_Scalar", "pow.Tensor_Scalar(Tensor self, Scalar exponent) -> Tensor", pow_tensor_scalar},
    {"aten.pow.Tensor_Tensor", "pow.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor", pow_tensor_tensor},
    {"aten.pow.Scalar", "pow.Scalar(Scalar self, Tensor exponent) -> Tensor", pow_scalar_tensor},
    {"aten.pow_.Scalar", "pow_.Scalar(Tensor(a!) self, Scalar exponent) -> Tensor(a!)", pow_tensor_scalar, true},

    {"aten.where.self", "where.self(Tensor condition, Tensor self, Tensor other) -> Tensor", where_self},
    {"aten.where.ScalarOther", "where.ScalarOther(Tensor condition, Tensor self, Scalar other) -> Tensor",
     where_scalar_other},
    {"aten.where.ScalarSelf", "where.ScalarSelf(Tensor condition, Scalar self, Tensor other) -> Tensor",
     where_scalar_self},
    {"aten.where.Scalar", "where.Scalar(Tensor condition, Scalar self, Scalar other) -> Tensor", where_scalars},
    {"aten.masked_fill.Scalar", "masked_fill.Scalar(Tensor self, Tensor mask, Scalar value) -> Tensor",
     masked_fill_scalar},
    {"aten.masked_fill.Tensor", "masked_fill.Tensor(Tensor self, Tensor mask, Tensor value) -> Tensor",
     masked_fill_tensor},
    {"aten.masked_fill_.Scalar", "masked_fill_.Scalar(Tensor(a!) self, Tensor mask, Scalar value) -> Tensor(a!)",
     masked_fill_scalar, true},

    {"aten._to_copy.default",
     "_to_copy(Tensor self, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? "
     "pin_memory=None, bool non_blocking=False, MemoryFormat? memory_format=None) -> Tensor",
     to_dtype_arg},
    {"aten.to.dtype",
     "to.dtype(Tensor(a) self, ScalarType dtype, bool non_blocking=False, bool copy=False, MemoryFormat? "
     "memory_format=None) -> Tensor(a)",
     to_dtype_arg},
    {"aten.to.dtype_layout",
     "to.dtype_layout(Tensor(a) self, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? "
     "pin_memory=None, bool non_blocking=False, bool copy=False, MemoryFormat? memory_format=None) -> Tensor(a)",
     to_dtype_arg},
    {"aten.to.device",
     "to.device(Tensor(a) self, Device device, ScalarType dtype, bool non_blocking=False, bool copy=False, "
     "MemoryFormat? memory_format=None) -> Tensor(a)",
     to_dtype_arg},
    {"aten.to.other",
     "to.other(Tensor(a) self, Tensor other, bool non_blocking=False, bool copy=False, MemoryFormat? "
     "memory_format=None) -> Tensor(a)",
     to_other},
    {"aten.type_as.default", "type_as(Tensor self, Tensor other) -> Tensor", to_other},
};

}  // namespace

std::span<const AtenOpEntry> aten_elementwise_ops() { return kOps; }

}  // namespace aotc

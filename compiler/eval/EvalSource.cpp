// Reference evaluation of source ops: constant, scalar, full, arange.
#include "eval/EvalSupport.h"

namespace aotc::eval_internal {

Expected<HostTensor> eval_source(const EvalContext& ctx) {
  const Node& node = ctx.node;
  const DType dtype = ctx.out_dtype();
  switch (node.op()) {
    case OpId::Constant: {
      const HostTensor& data = node.constant_data();
      if (!data.defined()) return ctx.error("the constant has no data");
      // Constants are immutable, so the result shares their storage.
      return data;
    }
    case OpId::Scalar: {
      HostTensor t = HostTensor::zeros(dtype, {});
      set_scalar(t, 0, node.attr_scalar("value"));
      return t;
    }
    case OpId::Full: {
      std::vector<int64_t> shape;
      const auto& dims = node.attr_syms("shape");
      for (size_t d = 0; d < dims.size(); ++d) {
        AOTC_ASSIGN_OR_RETURN(int64_t v, ctx.eval_sym(dims[d], fmt::format("shape[{}]", d)));
        if (v < 0) return ctx.error("shape[{}] is {}, negative", d, v);
        shape.push_back(v);
      }
      HostTensor t = HostTensor::zeros(dtype, std::move(shape));
      const Scalar& value = node.attr_scalar("value");
      for (int64_t i = 0; i < t.numel(); ++i) set_scalar(t, i, value);
      return t;
    }
    case OpId::Arange: {
      AOTC_ASSIGN_OR_RETURN(int64_t length, ctx.eval_sym(node.attr_sym("length"), "length"));
      if (length < 0) return ctx.error("length is {}, negative", length);
      HostTensor t = HostTensor::zeros(dtype, {length});
      const Scalar& start = node.attr_scalar("start");
      const Scalar& step = node.attr_scalar("step");
      // Integer ranges are exact; others are start + i*step in double, like ATen's accscalar.
      const bool exact = !is_floating(dtype) && !start.is_float() && !step.is_float();
      for (int64_t i = 0; i < length; ++i) {
        if (exact) {
          t.set_int(i, start.to_int() + i * step.to_int());
        } else {
          t.set(i, start.to_double() + static_cast<double>(i) * step.to_double());
        }
      }
      return t;
    }
    default:
      return ctx.unsupported("not a source op the evaluator knows");
  }
}

}  // namespace aotc::eval_internal

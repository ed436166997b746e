// Kernel program utilities: buffer sizes, read/write sets, the text dump.
#include "codegen/KernelGraph.h"

#include <sstream>

namespace aotc::codegen {

SymExpr Buffer::numel() const {
  SymExpr n(1);
  for (const auto& d : shape) n = n * d;
  return n;
}

namespace {

struct KindName {
  std::string operator()(const PointwiseKernel&) const { return "pointwise"; }
  std::string operator()(const ReductionKernel&) const { return "reduction"; }
  std::string operator()(const RowOpKernel& k) const {
    switch (k.op) {
      case RowOpKernel::Op::kSoftmax: return "softmax";
      case RowOpKernel::Op::kLogSoftmax: return "log_softmax";
      case RowOpKernel::Op::kLayerNorm: return "layer_norm";
    }
    return "row_op";
  }
  std::string operator()(const GemmKernel&) const { return "gemm"; }
  std::string operator()(const ConvKernel&) const { return "conv"; }
  std::string operator()(const AttentionKernel&) const { return "attention"; }
  std::string operator()(const ScanKernel&) const { return "scan"; }
};

void add(std::vector<int>& v, int b) {
  if (b < 0) return;
  for (int x : v)
    if (x == b) return;
  v.push_back(b);
}

void add_expr(std::vector<int>& v, const Expr& e) {
  if (e) collect_buffers(e, v);
}

const char* combiner_name(ReductionKernel::Combiner c) {
  switch (c) {
    case ReductionKernel::Combiner::kSum: return "sum";
    case ReductionKernel::Combiner::kProd: return "prod";
    case ReductionKernel::Combiner::kMax: return "max";
    case ReductionKernel::Combiner::kMin: return "min";
    case ReductionKernel::Combiner::kArgmax: return "argmax";
    case ReductionKernel::Combiner::kArgmin: return "argmin";
    case ReductionKernel::Combiner::kAny: return "any";
    case ReductionKernel::Combiner::kAll: return "all";
    case ReductionKernel::Combiner::kMeanVar: return "mean_var";
  }
  return "?";
}

std::string view_str(const KernelGraph& kg, const StridedView& v) {
  std::string s = kg.buffer(v.buffer).name + shape_to_string(v.shape) + " strides [";
  for (size_t i = 0; i < v.strides.size(); ++i) s += (i ? ", " : "") + v.strides[i].to_string();
  s += "]";
  if (!(v.offset == SymExpr(0))) s += " offset " + v.offset.to_string();
  return s;
}

}  // namespace

std::string Kernel::kind_name() const { return std::visit(KindName{}, body); }

std::vector<int> Kernel::reads() const {
  std::vector<int> r;
  std::visit(
      [&](const auto& k) {
        using T = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<T, PointwiseKernel>) {
          for (const auto& s : k.stores) {
            add_expr(r, s.value);
            add_expr(r, s.offset);
          }
        } else if constexpr (std::is_same_v<T, ReductionKernel>) {
          add_expr(r, k.value);
          add_expr(r, k.valid);
          add_expr(r, k.epilogue);
        } else if constexpr (std::is_same_v<T, RowOpKernel>) {
          add_expr(r, k.value);
          add_expr(r, k.epilogue);
        } else if constexpr (std::is_same_v<T, GemmKernel>) {
          add(r, k.a.buffer);
          add(r, k.b.buffer);
          add(r, k.bias);
          if (k.norm_a) {
            add(r, k.norm_a->weight);
            add(r, k.norm_a->bias);
          }
          add_expr(r, k.epilogue);
        } else if constexpr (std::is_same_v<T, ConvKernel>) {
          add(r, k.input.buffer);
          add(r, k.weight);
          add(r, k.bias);
          add_expr(r, k.epilogue);
        } else if constexpr (std::is_same_v<T, AttentionKernel>) {
          add(r, k.q.buffer);
          add(r, k.k.buffer);
          add(r, k.v.buffer);
          if (k.mask) add(r, k.mask->buffer);
        } else if constexpr (std::is_same_v<T, ScanKernel>) {
          add(r, k.input.buffer);
        }
      },
      body);
  return r;
}

std::vector<int> Kernel::writes() const {
  std::vector<int> w;
  std::visit(
      [&](const auto& k) {
        using T = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<T, PointwiseKernel>) {
          for (const auto& s : k.stores) add(w, s.buffer);
        } else {
          add(w, k.out_buffer);
        }
      },
      body);
  return w;
}

std::string print_kernel_graph(const KernelGraph& kg) {
  std::ostringstream os;
  os << "kernel graph " << kg.model_name << " {\n";
  for (const Buffer& b : kg.buffers) {
    static const char* kinds[] = {"input", "output", "weight", "arena"};
    os << "  buffer " << b.name << ": " << dtype_name(b.dtype) << shape_to_string(b.shape) << " "
       << kinds[static_cast<int>(b.kind)];
    if (b.kind == Buffer::Kind::kWeight) os << " @" << b.weight_offset;
    if (b.kind == Buffer::Kind::kArena) os << " slot " << b.slot;
    if (b.kind == Buffer::Kind::kInput || b.kind == Buffer::Kind::kOutput) os << " #" << b.io_index;
    os << "\n";
  }
  for (size_t s = 0; s < kg.slot_sizes.size(); ++s)
    os << "  slot " << s << ": " << kg.slot_sizes[s].to_string() << " bytes at " << kg.slot_offsets[s].to_string()
       << "\n";
  os << "  arena: " << kg.arena_size.to_string() << " bytes; weights: " << kg.weights_size << " bytes\n";
  for (const Kernel& k : kg.kernels) {
    os << "  kernel " << k.name << " (" << k.kind_name() << ")";
    std::visit(
        [&](const auto& b) {
          using T = std::decay_t<decltype(b)>;
          if constexpr (std::is_same_v<T, PointwiseKernel>) {
            os << " over " << shape_to_string(b.domain) << "\n";
            for (const auto& s : b.stores)
              os << "    " << kg.buffer(s.buffer).name << "[" << expr_to_string(s.offset) << "] = "
                 << expr_to_string(s.value) << "\n";
          } else if constexpr (std::is_same_v<T, ReductionKernel>) {
            os << " " << combiner_name(b.combiner) << " over " << shape_to_string(b.domain) << " x "
               << shape_to_string(b.reduce_domain) << "\n    value " << expr_to_string(b.value) << "\n    "
               << kg.buffer(b.out_buffer).name << "[" << expr_to_string(b.out_offset)
               << "] = " << expr_to_string(b.epilogue) << "\n";
          } else if constexpr (std::is_same_v<T, RowOpKernel>) {
            os << " rows " << shape_to_string(b.rows) << " x " << b.row_length.to_string() << "\n    value "
               << expr_to_string(b.value) << "\n    " << kg.buffer(b.out_buffer).name << "["
               << expr_to_string(b.out_offset) << "] = " << expr_to_string(b.epilogue) << "\n";
          } else if constexpr (std::is_same_v<T, GemmKernel>) {
            os << " batch " << shape_to_string(b.batch) << " m " << b.m.to_string() << " n " << b.n.to_string()
               << " k " << b.k.to_string() << "\n    a " << view_str(kg, b.a) << "\n    b " << view_str(kg, b.b);
            if (b.bias >= 0) os << "\n    bias " << kg.buffer(b.bias).name;
            if (b.norm_a) {
              os << "\n    a layer-normalized over k, eps " << b.norm_a->eps;
              if (b.norm_a->weight >= 0) os << ", weight " << kg.buffer(b.norm_a->weight).name;
              if (b.norm_a->bias >= 0) os << ", bias " << kg.buffer(b.norm_a->bias).name;
            }
            os << "\n    " << kg.buffer(b.out_buffer).name << " = " << expr_to_string(b.epilogue) << "\n";
          } else if constexpr (std::is_same_v<T, ConvKernel>) {
            os << " groups " << b.groups << (b.transposed ? " transposed" : "") << "\n    input "
               << view_str(kg, b.input) << "\n    weight " << kg.buffer(b.weight).name;
            if (b.bias >= 0) os << "\n    bias " << kg.buffer(b.bias).name;
            os << "\n    " << kg.buffer(b.out_buffer).name << shape_to_string(b.out_shape) << " = "
               << expr_to_string(b.epilogue) << "\n";
          } else if constexpr (std::is_same_v<T, AttentionKernel>) {
            os << (b.causal ? " causal" : "") << " scale " << b.scale << "\n    q " << view_str(kg, b.q) << "\n    k "
               << view_str(kg, b.k) << "\n    v " << view_str(kg, b.v);
            if (b.mask) os << "\n    mask " << view_str(kg, *b.mask);
            os << "\n    -> " << kg.buffer(b.out_buffer).name;
            if (!b.out_strides.empty()) {
              os << " strides [";
              for (size_t i = 0; i < b.out_strides.size(); ++i) os << (i ? ", " : "") << b.out_strides[i].to_string();
              os << "]";
            }
            os << "\n";
          } else if constexpr (std::is_same_v<T, ScanKernel>) {
            os << " dim " << b.dim << "\n    " << view_str(kg, b.input) << " -> " << kg.buffer(b.out_buffer).name
               << "\n";
          }
        },
        k.body);
  }
  os << "}\n";
  return os.str();
}

}  // namespace aotc::codegen

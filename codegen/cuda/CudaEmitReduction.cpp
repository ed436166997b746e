// The CUDA emitter: reductions and row operations (softmax, log_softmax,
// layer_norm), see CudaEmitterImpl.h.
#include "codegen/cuda/CudaEmitterImpl.h"

namespace aotc::codegen::cuda_emit {

Status CudaEmitter::emit(const Kernel& k, const std::string& ps, const ReductionKernel& rk) {
  using C = ReductionKernel::Combiner;
  SymExpr outputs(1), extent(1);
  for (const auto& d : rk.domain) outputs = outputs * d;
  for (const auto& d : rk.reduce_domain) extent = extent * d;
  const auto max_extent = upper_bound(extent, kg_.symbols);
  const bool serial = max_extent && *max_extent <= 64;
  DType vt = rk.value->dtype;
  std::string vtype = register_ctype(register_type(vt));
  std::string acc_t = register_ctype(register_type(rk.acc_dtype));
  if (rk.combiner == C::kMax || rk.combiner == C::kMin) acc_t = vtype;
  const std::string lowest = is_floating(vt) ? "-INFINITY" : vt == DType::Bool ? "false" : "(" + vtype + ")(-0x7fffffffffffffffLL - 1)";
  const std::string highest = is_floating(vt) ? "INFINITY" : vt == DType::Bool ? "true" : "(" + vtype + ")0x7fffffffffffffffLL";

  std::string init, step;
  switch (rk.combiner) {
    case C::kSum: init = acc_t + " acc = 0;"; step = "acc += v;"; break;
    case C::kProd: init = acc_t + " acc = 1;"; step = "acc *= v;"; break;
    case C::kMax:
      init = acc_t + " acc = " + lowest + ";";
      step = vt == DType::Bool ? "acc = acc || v;" : "if (v > acc || v != v) acc = (acc != acc) ? acc : v;";
      break;
    case C::kMin:
      init = acc_t + " acc = " + highest + ";";
      step = vt == DType::Bool ? "acc = acc && v;" : "if (v < acc || v != v) acc = (acc != acc) ? acc : v;";
      break;
    case C::kAny: init = "bool acc = false;"; step = "acc = acc || (v != 0);"; break;
    case C::kAll: init = "bool acc = true;"; step = "acc = acc && (v != 0);"; break;
    case C::kArgmax:
    case C::kArgmin: {
      Index rv = loop_vars("@r", rk.reduce_domain.size());
      std::string flat = dcode(contiguous_offset(rk.reduce_domain, rv));
      const char* cmp = rk.combiner == C::kArgmax ? ">" : "<";
      init = vtype + " best = 0; int64_t best_index = -1;";
      step = std::string("if (best_index < 0 || (best == best && (v ") + cmp + " best || v != v))) { best = v; best_index = " +
             flat + "; }";
      break;
    }
    case C::kMeanVar:
      init = "float cnt = 0, mean = 0, m2 = 0;";
      step = "cnt += 1; const float d_ = v - mean; mean += d_ / cnt; m2 += d_ * (v - mean);";
      break;
  }
  auto value_code = [&](const std::string& indent) {
    ExprPrinter pr(naming());
    std::string t;
    std::string v = pr.print(rk.value, t, indent);
    return t + indent + "const " + vtype + " v = " + v + ";\n" + indent + step + "\n";
  };
  std::vector<std::string> inputs;
  std::string finals;
  if (rk.combiner == C::kMeanVar) {
    finals = "const float in0 = mean, in1 = m2, in2 = cnt;";
    inputs = {"in0", "in1", "in2"};
  } else if (rk.combiner == C::kArgmax || rk.combiner == C::kArgmin) {
    finals = "const int64_t in0 = best_index < 0 ? 0 : best_index;";
    inputs = {"in0"};
  } else {
    finals = "const " + acc_t + " in0 = acc;";
    inputs = {"in0"};
  }
  auto epilogue_code = [&](const std::string& indent) {
    ExprPrinter pr(naming(inputs), "u");
    std::string t = indent + finals + "\n";
    std::string off = pr.print(rk.out_offset, t, indent);
    std::string val = pr.print(rk.epilogue, t, indent);
    return t + indent + "aotc_gen::aotc_st(" + buf(rk.out_buffer) + ", " + off + ", " + val + ");\n";
  };
  std::string s = info(k.name, "256", "0", "0", "0");
  s += "extern \"C\" __global__ void __launch_bounds__(256) " + k.name + "(const " + ps + " p) {\n" + kKernelEntry;
  s += "  const int64_t outputs = " + dcode(outputs) + ";\n";
  if (serial) {
    s += "  for (int64_t flat = (int64_t)blockIdx.x * 256 + threadIdx.x; flat < outputs; flat += (int64_t)gridDim.x * 256) {\n";
    s += delinearize_code(rk.domain, "flat", "i", "    ");
    s += "    " + init + "\n";
    std::string in = "    ";
    for (size_t i = 0; i < rk.reduce_domain.size(); ++i) {
      s += in + fmt::format("for (int64_t r{} = 0; r{} < {}; ++r{}) {{\n", i, i, dcode(rk.reduce_domain[i]), i);
      in += "  ";
    }
    s += value_code(in);
    for (size_t i = rk.reduce_domain.size(); i-- > 0;) {
      in.resize(in.size() - 2);
      s += in + "}\n";
    }
    s += epilogue_code("    ");
    s += "  }\n}\n\n";
    dev_ += s;
    launch("aotc_blocks(" + hcode(outputs) + ", 256)", "1", "1", hcode(outputs) + " > 0");
    choose(k, "generated reduction (thread per output)", "reduced extent <= 64");
    return Status::ok();
  }
  // A block per output: threads stride over the reduced elements, then a tree.
  std::string sh_t = rk.combiner == C::kMeanVar ? "float" : (rk.combiner == C::kArgmax || rk.combiner == C::kArgmin) ? vtype : acc_t;
  s += "  __shared__ " + sh_t + " sh0[256];\n";
  if (rk.combiner == C::kArgmax || rk.combiner == C::kArgmin) s += "  __shared__ int64_t sh1[256];\n";
  if (rk.combiner == C::kMeanVar) s += "  __shared__ float sh1[256], sh2[256];\n";
  s += "  const int64_t extent = " + dcode(extent) + ";\n";
  s += "  for (int64_t out = blockIdx.x; out < outputs; out += gridDim.x) {\n";
  s += delinearize_code(rk.domain, "out", "i", "    ");
  s += "    " + init + "\n";
  s += "    for (int64_t rf = threadIdx.x; rf < extent; rf += 256) {\n";
  s += delinearize_code(rk.reduce_domain, "rf", "r", "      ");
  s += value_code("      ");
  s += "    }\n";
  switch (rk.combiner) {
    case C::kArgmax:
    case C::kArgmin: s += "    sh0[threadIdx.x] = best; sh1[threadIdx.x] = best_index;\n"; break;
    case C::kMeanVar: s += "    sh0[threadIdx.x] = cnt; sh1[threadIdx.x] = mean; sh2[threadIdx.x] = m2;\n"; break;
    default: s += "    sh0[threadIdx.x] = acc;\n"; break;
  }
  s += "    __syncthreads();\n";
  s += "    for (int s_ = 128; s_ > 0; s_ >>= 1) {\n      if ((int)threadIdx.x < s_) {\n";
  s += "        const int a_ = threadIdx.x, b_ = threadIdx.x + s_;\n";
  switch (rk.combiner) {
    case C::kSum: s += "        sh0[a_] += sh0[b_];\n"; break;
    case C::kProd: s += "        sh0[a_] *= sh0[b_];\n"; break;
    case C::kAny: s += "        sh0[a_] = sh0[a_] || sh0[b_];\n"; break;
    case C::kAll: s += "        sh0[a_] = sh0[a_] && sh0[b_];\n"; break;
    case C::kMax:
      s += vt == DType::Bool ? "        sh0[a_] = sh0[a_] || sh0[b_];\n"
                             : "        if (sh0[a_] == sh0[a_] && (sh0[b_] > sh0[a_] || sh0[b_] != sh0[b_])) sh0[a_] = sh0[b_];\n";
      break;
    case C::kMin:
      s += vt == DType::Bool ? "        sh0[a_] = sh0[a_] && sh0[b_];\n"
                             : "        if (sh0[a_] == sh0[a_] && (sh0[b_] < sh0[a_] || sh0[b_] != sh0[b_])) sh0[a_] = sh0[b_];\n";
      break;
    case C::kArgmax:
    case C::kArgmin: {
      const char* cmp = rk.combiner == C::kArgmax ? ">" : "<";
      s += "        const bool an_ = sh0[a_] != sh0[a_], bn_ = sh0[b_] != sh0[b_];\n";
      s += "        bool take_ = false;\n";
      s += "        if (sh1[b_] < 0) take_ = false;\n";
      s += "        else if (sh1[a_] < 0) take_ = true;\n";
      s += "        else if (an_ && bn_) take_ = sh1[b_] < sh1[a_];\n";
      s += "        else if (an_) take_ = false;\n";
      s += "        else if (bn_) take_ = true;\n";
      s += std::string("        else take_ = sh0[b_] ") + cmp + " sh0[a_] || (sh0[b_] == sh0[a_] && sh1[b_] < sh1[a_]);\n";
      s += "        if (take_) { sh0[a_] = sh0[b_]; sh1[a_] = sh1[b_]; }\n";
      break;
    }
    case C::kMeanVar:
      s += "        const float na_ = sh0[a_], nb_ = sh0[b_], n_ = na_ + nb_;\n";
      s += "        if (nb_ > 0) {\n          const float delta_ = sh1[b_] - sh1[a_];\n";
      s += "          sh1[a_] += delta_ * nb_ / n_;\n          sh2[a_] += sh2[b_] + delta_ * delta_ * na_ * nb_ / n_;\n";
      s += "          sh0[a_] = n_;\n        }\n";
      break;
  }
  s += "      }\n      __syncthreads();\n    }\n";
  s += "    if (threadIdx.x == 0) {\n";
  switch (rk.combiner) {
    case C::kArgmax:
    case C::kArgmin: s += "      const int64_t best_index = sh1[0];\n"; break;
    case C::kMeanVar: s += "      const float cnt = sh0[0], mean = sh1[0], m2 = sh2[0];\n"; break;
    default: s += "      const " + acc_t + " acc = sh0[0];\n"; break;
  }
  s += epilogue_code("      ");
  s += "    }\n    __syncthreads();\n  }\n}\n\n";
  dev_ += s;
  launch("aotc_blocks(" + hcode(outputs) + ", 1)", "1", "1", hcode(outputs) + " > 0");
  choose(k, "generated reduction (block per output)", "reduced extent > 64");
  return Status::ok();
}

Status CudaEmitter::emit(const Kernel& k, const std::string& ps, const RowOpKernel& rk) {
  SymExpr rows(1);
  for (const auto& d : rk.rows) rows = rows * d;
  auto n_max = upper_bound(rk.row_length, kg_.symbols).value_or(1 << 20);
  std::string cfg = n_max <= 32 ? "RowTiny" : n_max <= 256 ? "RowWarp" : n_max <= 1024 ? "RowWarpWide"
                                            : n_max <= 4096 ? "RowBlock" : "RowBlockWide";
  std::string vtype = register_ctype(register_type(rk.value->dtype));
  std::string s;
  s += "struct KL_" + k.name + " {\n  " + ps + " p;\n";
  s += "  __device__ float load(int64_t row, int64_t col) const {\n";
  s += delinearize_code(rk.rows, "row", "i", "    ");
  {
    ExprPrinter pr(naming());
    std::string t;
    std::string v = pr.print(rk.value, t, "    ");
    s += t + "    return (float)(" + v + ");\n  }\n};\n";
  }
  s += "struct KS_" + k.name + " {\n  " + ps + " p;\n";
  s += "  __device__ void store(int64_t row, int64_t col, float norm) const {\n";
  s += delinearize_code(rk.rows, "row", "i", "    ");
  {
    ExprPrinter pr(naming({"norm"}), "u");
    std::string t;
    std::string off = pr.print(rk.out_offset, t, "    ");
    std::string v = pr.print(rk.epilogue, t, "    ");
    s += t + "    aotc_gen::aotc_st(" + buf(rk.out_buffer) + ", " + off + ", " + v + ");\n  }\n};\n";
  }
  std::string C = "Cfg_" + k.name;
  s += "using " + C + " = aotc::cuda::" + cfg + ";\n";
  s += info(k.name, C + "::kThreads", C + "::kSmemBytes", C + "::kRowsPerBlock", "0");
  s += "extern \"C\" __global__ void __launch_bounds__(" + C + "::kThreads, " + C + "::kMinBlocks) " + k.name +
       "(const " + ps + " p) {\n" + kKernelEntry;
  s += "  const int64_t rows = " + dcode(rows) + ", n = " + dcode(rk.row_length) + ";\n";
  std::string ld = "KL_" + k.name + "{p}", st = "KS_" + k.name + "{p}";
  switch (rk.op) {
    case RowOpKernel::Op::kSoftmax: s += "  aotc::cuda::softmax_rows<" + C + ">(rows, n, " + ld + ", " + st + ");\n"; break;
    case RowOpKernel::Op::kLogSoftmax:
      s += "  aotc::cuda::log_softmax_rows<" + C + ">(rows, n, " + ld + ", " + st + ");\n";
      break;
    case RowOpKernel::Op::kLayerNorm:
      s += fmt::format("  aotc::cuda::layer_norm_rows<{}, float>(rows, n, {}, {}, (const float*)nullptr, (const float*)nullptr, {});\n",
                       C, ld, st, literal(Scalar::from_float(rk.eps), DType::Float32));
      break;
  }
  s += "}\n\n";
  dev_ += s;
  templates_.insert("rowops.cuh");
  launch("aotc_blocks(" + hcode(rows) + ", s->info[" + std::to_string(index_) + "].tile_m)", "1", "1",
         hcode(rows) + " > 0");
  choose(k, "aotc::cuda::" + std::string(rk.op == RowOpKernel::Op::kLayerNorm ? "layer_norm_rows"
                                         : rk.op == RowOpKernel::Op::kSoftmax ? "softmax_rows"
                                                                               : "log_softmax_rows") +
                "<" + cfg + ">",
         "row length up to " + std::to_string(n_max));
  return Status::ok();
}

}  // namespace aotc::codegen::cuda_emit

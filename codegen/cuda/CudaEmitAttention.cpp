// The CUDA emitter: scaled_dot_product_attention, see CudaEmitterImpl.h.
#include "codegen/cuda/CudaEmitterImpl.h"

namespace aotc::codegen::cuda_emit {

Status CudaEmitter::emit(const Kernel& k, const std::string& ps, const AttentionKernel& at) {
  StridedView q = at.q, kk = at.k, v = at.v;
  std::optional<StridedView> mask = at.mask;
  const Buffer& out = kg_.buffer(at.out_buffer);
  std::vector<StridedView*> views = {&q, &kk, &v};
  if (mask) views.push_back(&*mask);
  auto T = template_type(q.dtype);
  bool ok = T && kk.dtype == q.dtype && v.dtype == q.dtype && out.dtype == q.dtype && fold_leading_dims(views, 3);
  auto e = ok ? q.shape[3].constant() : std::nullopt;
  auto ev = ok ? v.shape[3].constant() : std::nullopt;
  if (!ok || !e || !ev || *e > 256 || *ev > 256) return emit_naive_attention(k, ps, at);
  bool fp32 = q.dtype == DType::Float32;
  auto vec_ok = [&](const StridedView& s, int64_t mult) {
    if (!(s.strides[3] == SymExpr(1))) return false;
    for (size_t i = 0; i < 3; ++i)
      if (!(s.strides[i] == SymExpr(0)) && !multiple_of(s.strides[i], mult)) return false;
    return multiple_of(s.offset, mult);
  };
  int64_t mult = fp32 ? 4 : 8;
  bool vec = vec_ok(q, mult) && vec_ok(kk, mult) && vec_ok(v, mult) && *e % mult == 0 && *ev % mult == 0;
  std::string cfg, label, fn = fp32 ? "attention_simt" : "attention_tc";
  auto round_up = [](int64_t x, int64_t m) { return (x + m - 1) / m * m; };
  if (fp32) {
    int64_t E = round_up(*e, 4), Ev = round_up(*ev, 32);
    // Warps over the keys where measured faster (docs/cuda-kernels.md, "Float32
    // attention with the warps over the keys"): head dims 64 and 128 with
    // 16-byte loads.
    if (*e == 64 && *ev == 64 && vec) { cfg = "aotc::cuda::AttnSimtKeysE64"; label = "AttnSimtKeysE64"; fn = "attention_simt_keys"; }
    else if (*e == 128 && *ev == 128 && vec) { cfg = "aotc::cuda::AttnSimtKeysE128"; label = "AttnSimtKeysE128"; fn = "attention_simt_keys"; }
    else if (*e == 64 && *ev == 64) { cfg = fmt::format("aotc::cuda::AttnSimtConfig<64, 64, 16, 64, {}>", vec); label = "AttnSimtE64"; }
    else if (*e == 128 && *ev == 128) { cfg = fmt::format("aotc::cuda::AttnSimtConfig<128, 128, 16, 32, {}>", vec); label = "AttnSimtE128"; }
    else { cfg = fmt::format("aotc::cuda::AttnSimtConfig<{}, {}, 16, 32, {}>", E, Ev, vec); label = fmt::format("AttnSimt<{}, {}>", E, Ev); }
  } else {
    if (*e == 64 && *ev == 64) {
      auto l_max = upper_bound(q.shape[2], kg_.symbols).value_or(1 << 20);
      cfg = fmt::format("aotc::cuda::AttnTcConfig<{}, 64, 64, {}, 64, {}>", *T, l_max <= 128 ? 16 : 64, vec);
      label = l_max <= 128 ? "AttnTcE64Short" : "AttnTcE64";
    } else if (*e == 128 && *ev == 128) {
      cfg = fmt::format("aotc::cuda::AttnTcConfig<{}, 128, 128, 64, 64, {}>", *T, vec);
      label = "AttnTcE128";
    } else {
      return emit_naive_attention(k, ps, at);
    }
  }
  std::string s;
  std::string M = "aotc::cuda::NoMask";
  if (mask) {
    M = "KM_" + k.name;
    s += "struct " + M + " {\n  " + ps + " p;\n  static constexpr bool kEnabled = true;\n";
    s += "  __device__ float operator()(int64_t b, int64_t h, int64_t i, int64_t j) const {\n";
    s += "    const int64_t off = " + dcode(mask->offset) + " + b * " + dcode(mask->strides[0]) + " + h * " +
         dcode(mask->strides[1]) + " + i * " + dcode(mask->strides[2]) + " + j * " + dcode(mask->strides[3]) + ";\n";
    if (mask->dtype == DType::Bool)
      s += "    return aotc_gen::aotc_ld(" + buf(mask->buffer) + ", off) ? 0.0f : -INFINITY;\n";
    else
      s += "    return (float)aotc_gen::aotc_ld(" + buf(mask->buffer) + ", off);\n";
    s += "  }\n};\n";
  }
  std::string C = "Cfg_" + k.name;
  s += "using " + C + " = " + cfg + ";\n";
  s += info(k.name, C + "::kThreads", C + "::kSmemBytes", C + "::kRows", "0");
  auto st = [&](const StridedView& x, int i) { return dcode(x.strides[static_cast<size_t>(i)]); };
  s += "extern \"C\" __global__ void __launch_bounds__(" + C + "::kThreads, " + C + "::kMinBlocks) " + k.name +
       "(const " + ps + " p) {\n" + kKernelEntry + "  aotc::cuda::AttentionParams ap;\n";
  s += "  ap.q = " + buf(q.buffer) + " + (" + dcode(q.offset) + "); ap.k = " + buf(kk.buffer) + " + (" +
       dcode(kk.offset) + "); ap.v = " + buf(v.buffer) + " + (" + dcode(v.offset) + ");\n";
  s += "  ap.q_stride_b = " + st(q, 0) + "; ap.q_stride_h = " + st(q, 1) + "; ap.q_stride_l = " + st(q, 2) +
       "; ap.q_stride_e = " + st(q, 3) + ";\n";
  s += "  ap.k_stride_b = " + st(kk, 0) + "; ap.k_stride_h = " + st(kk, 1) + "; ap.k_stride_s = " + st(kk, 2) +
       "; ap.k_stride_e = " + st(kk, 3) + ";\n";
  s += "  ap.v_stride_b = " + st(v, 0) + "; ap.v_stride_h = " + st(v, 1) + "; ap.v_stride_s = " + st(v, 2) +
       "; ap.v_stride_e = " + st(v, 3) + ";\n";
  s += "  ap.batch = " + dcode(q.shape[0]) + "; ap.heads = " + dcode(q.shape[1]) + "; ap.kv_heads = " +
       dcode(kk.shape[1]) + ";\n";
  s += "  ap.len_q = " + dcode(q.shape[2]) + "; ap.len_kv = " + dcode(kk.shape[2]) + "; ap.head_dim = " +
       dcode(q.shape[3]) + "; ap.head_dim_v = " + dcode(v.shape[3]) + ";\n";
  s += "  ap.scale = " + literal(Scalar::from_float(at.scale), DType::Float32) + "; ap.causal = " +
       (at.causal ? "1" : "0") + ";\n";
  // The output is [B, H, L, Ev], contiguous unless the lowering stored it permuted.
  SymExpr l = q.shape[2], evs = v.shape[3], h = q.shape[1];
  std::vector<SymExpr> os = at.out_strides;
  if (os.size() != 4) os = {h * l * evs, l * evs, evs, SymExpr(1)};
  s += "  const aotc::cuda::StridedAttentionOutput<" + *T + "> out{reinterpret_cast<" + *T + "*>(" +
       buf(at.out_buffer) + "), " + dcode(os[0]) + ", " + dcode(os[1]) + ", " + dcode(os[2]) + ", " + dcode(os[3]) +
       "};\n";
  s += "  aotc::cuda::" + fn + "<" + C + ">(ap, out, " + M +
       (mask ? "{p}" : "()") + ");\n}\n\n";
  dev_ += s;
  templates_.insert("attention.cuh");
  launch("aotc_blocks(" + hcode(q.shape[2]) + ", s->info[" + std::to_string(index_) + "].tile_m)",
         "(uint32_t)(" + hcode(q.shape[1]) + ")", "(uint32_t)(" + hcode(q.shape[0]) + ")",
         hcode(q.shape[2]) + " > 0 && " + hcode(q.shape[0]) + " > 0");
  choose(k, fn + "<" + label + ">",
         fp32 ? "float32: flash attention on CUDA cores (full float32 precision)"
              : "16-bit: flash attention on tensor cores");
  return Status::ok();
}

Status CudaEmitter::emit_naive_attention(const Kernel& k, const std::string& ps, const AttentionKernel& at) {
  size_t r = at.q.shape.size();
  Shape lead(at.q.shape.begin(), at.q.shape.end() - 2);
  Shape rows_shape = lead;
  rows_shape.push_back(at.q.shape[r - 2]);
  SymExpr total(1);
  for (const auto& d : rows_shape) total = total * d;
  std::string s = info(k.name, "128", "0", "0", "0");
  s += "extern \"C\" __global__ void __launch_bounds__(128) " + k.name + "(const " + ps + " p) {\n" + kKernelEntry;
  s += "  const int64_t total = " + dcode(total) + ";\n";
  s += "  for (int64_t flat = (int64_t)blockIdx.x * 128 + threadIdx.x; flat < total; flat += (int64_t)gridDim.x * 128) {\n";
  s += delinearize_code(rows_shape, "flat", "b", "    ");
  std::string qi = "b" + std::to_string(lead.size());
  auto off = [&](const StridedView& view, const std::string& row, const std::string& col, bool kv) {
    std::string o = dcode(view.offset);
    for (size_t i = 0; i < lead.size(); ++i) {
      std::string idx = "b" + std::to_string(i);
      if (kv && at.gqa_group > 1 && i + 1 == lead.size()) idx = "(" + idx + " / " + std::to_string(at.gqa_group) + ")";
      o += " + " + idx + " * " + dcode(view.strides[i]);
    }
    return o + " + " + row + " * " + dcode(view.strides[r - 2]) + " + " + col + " * " + dcode(view.strides[r - 1]);
  };
  std::string S = dcode(at.k.shape[r - 2]), E = dcode(at.q.shape[r - 1]), EV = dcode(at.v.shape[r - 1]);
  std::string score = "      double d = 0;\n      for (int64_t e = 0; e < " + E + "; ++e) d += (double)aotc_gen::aotc_ld(" +
                      buf(at.q.buffer) + ", " + off(at.q, qi, "e", false) + ") * (double)aotc_gen::aotc_ld(" +
                      buf(at.k.buffer) + ", " + off(at.k, "j", "e", true) + ");\n" +
                      fmt::format("      d *= {};\n", at.scale);
  if (at.causal) score += "      if (j > " + qi + ") d = -INFINITY;\n";
  if (at.mask) {
    std::string mo = off(*at.mask, qi, "j", false);
    if (at.mask->dtype == DType::Bool)
      score += "      if (!aotc_gen::aotc_ld(" + buf(at.mask->buffer) + ", " + mo + ")) d = -INFINITY;\n";
    else
      score += "      d += (double)aotc_gen::aotc_ld(" + buf(at.mask->buffer) + ", " + mo + ");\n";
  }
  s += "    double mx = -INFINITY;\n    for (int64_t j = 0; j < " + S + "; ++j) {\n" + score + "      if (d > mx) mx = d;\n    }\n";
  s += "    double sum = 0;\n    for (int64_t j = 0; j < " + S + "; ++j) {\n" + score +
       "      sum += mx == -INFINITY ? 0.0 : exp(d - mx);\n    }\n";
  s += "    for (int64_t ev = 0; ev < " + EV + "; ++ev) {\n      double acc = 0;\n";
  s += "      if (sum > 0) for (int64_t j = 0; j < " + S + "; ++j) {\n" + score + "        acc += exp(d - mx) / sum * "
       "(double)aotc_gen::aotc_ld(" + buf(at.v.buffer) + ", " + off(at.v, "j", "ev", true) + ");\n      }\n";
  std::string store = "flat * " + EV + " + ev";
  if (!at.out_strides.empty()) {
    store = dcode(at.out_strides[r - 2]) + " * " + qi + " + " + dcode(at.out_strides[r - 1]) + " * ev";
    for (size_t i = 0; i < lead.size(); ++i) store += " + " + dcode(at.out_strides[i]) + " * b" + std::to_string(i);
  }
  s += "      aotc_gen::aotc_st(" + buf(at.out_buffer) + ", " + store + ", (" +
       register_ctype(register_type(kg_.buffer(at.out_buffer).dtype)) + ")acc);\n    }\n  }\n}\n\n";
  dev_ += s;
  launch("aotc_blocks(" + hcode(total) + ", 128)", "1", "1", hcode(total) + " > 0");
  choose(k, "generated attention (thread per query row)", "dtype or head size the attention templates do not take");
  return Status::ok();
}

}  // namespace aotc::codegen::cuda_emit

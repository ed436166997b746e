// The CUDA emitter: GEMMs (SIMT, tensor-core and cuBLASLt candidates), see
// CudaEmitterImpl.h and docs/cuda-kernels.md.
#include "codegen/cuda/CudaEmitterImpl.h"

namespace aotc::codegen::cuda_emit {

Status CudaEmitter::emit(const Kernel& k, const std::string& ps, const GemmKernel& g) {
  const Buffer& out = kg_.buffer(g.out_buffer);
  size_t nb = g.batch.size();
  // One batch dim: merge several when the operand strides allow it.
  StridedView a = g.a, b = g.b;
  bool ok = true;
  if (nb != 1) {
    std::vector<StridedView*> views = {&a, &b};
    ok = fold_leading_dims(views, 2);
  }
  auto ta = template_type(a.dtype), tb = template_type(b.dtype);
  // A layer norm folded in (GemmKernel::norm_a): the pipelined float32
  // linear only, reading W diag(gamma) and c made at load.
  const bool norm = g.norm_a.has_value();
  const bool norm_ok = ok && a.dtype == DType::Float32 && b.dtype == DType::Float32 && out.dtype == DType::Float32 &&
                       a.strides[2] == SymExpr(1) && b.strides[1] == SymExpr(1) && b.offset == SymExpr(0) &&
                       kg_.buffer(b.buffer).kind == Buffer::Kind::kWeight && g.n.constant() && *g.n.constant() > 8 &&
                       g.k.constant() && !options_.allow_tf32;
  if (norm && !norm_ok)
    return make_error(ErrorCode::kInternal, "linear '{}': its folded layer norm needs float32 k-contiguous operands, "
                      "a weight B of static shape and no TF32", k.name);
  if (!ok || !ta || !tb || !template_type(out.dtype)) return emit_naive_gemm(k, ps, g);
  Shape out_shape = g.batch;
  out_shape.push_back(g.m);
  out_shape.push_back(g.n);
  Index point = loop_vars("@b", nb);
  point.push_back(SymExpr::symbol("@m"));
  point.push_back(SymExpr::symbol("@n"));
  SymExpr out_offset = contiguous_offset(out_shape, point);

  // Functor.
  std::string E = "KE_" + k.name;
  std::string s = "struct " + E + " {\n  " + ps + " p;\n";
  s += "  __device__ void operator()(int64_t b, int64_t m, int64_t n, float acc) const {\n";
  s += delinearize_code(g.batch, "b", "b", "    ");
  s += "    (void)b;\n";
  s += epilogue_body(g.epilogue, g.out_buffer, out_offset, g.bias, "n", "    ");
  s += "  }\n};\n";

  // Template choice.
  const SymExpr& a_sk = a.strides[2];
  const SymExpr& b_sk = b.strides[1];
  const bool fp32 = a.dtype == DType::Float32 && b.dtype == DType::Float32;
  const auto m_max = upper_bound(g.m, kg_.symbols).value_or(1 << 20);
  const auto m_min = g.m.bounds(kg_.symbols).min.value_or(1);
  const auto n_max = upper_bound(g.n, kg_.symbols).value_or(1 << 20);
  auto aligned = [&](const StridedView& v, int64_t k_elems) {
    for (size_t i = 0; i < v.strides.size(); ++i)
      if (!(v.strides[i] == SymExpr(1)) && !(v.strides[i] == SymExpr(0)) && !multiple_of(v.strides[i], k_elems))
        return false;
    return multiple_of(v.offset, k_elems);
  };
  struct Variant {
    std::string cfg, call, name;
    bool split_k = false;  // gemm_simt_linear: K may be split across blocks
  };
  // Every candidate for this GEMM, and the heuristic's pick among them:
  // (condition, candidate) pairs tried in order at run time, the condition a
  // host expression over m_, n_, k_ and s->sms; the last one's is not asked.
  std::vector<Variant> all;
  std::vector<std::pair<std::string, size_t>> heuristic;
  auto add = [&](Variant v) {
    for (size_t i = 0; i < all.size(); ++i)
      if (all[i].name == v.name) return i;
    all.push_back(std::move(v));
    return all.size() - 1;
  };
  std::string params = "  aotc::cuda::GemmParams gp;\n";
  params += "  gp.a = " + buf(a.buffer) + " + (" + dcode(a.offset) + ");\n";
  params += norm ? std::string("  gp.b = static_cast<const float*>(p.prepared);\n")
                 : "  gp.b = " + buf(b.buffer) + " + (" + dcode(b.offset) + ");\n";
  std::string norm_arg;  // gemm_simt_linear's RowNormA
  size_t norm_prepared = 0;
  if (norm) {
    const int64_t nn = *g.n.constant(), kk = *g.k.constant();
    norm_prepared = prepare_layer_norm_fold(b.buffer, g.norm_a->weight, g.norm_a->bias, nn, kk);
    norm_arg = fmt::format(
        ", aotc::cuda::RowNormA{{static_cast<const float*>(p.prepared) + {}, static_cast<const float*>(p.prepared) + {}, "
        "{:.9g}f}}",
        nn * kk, nn * kk + nn, g.norm_a->eps);
  }
  params += "  gp.m = " + dcode(g.m) + "; gp.n = " + dcode(g.n) + "; gp.k = " + dcode(g.k) + ";\n";
  params += "  gp.batch = " + dcode(a.shape[0]) + ";\n";
  params += "  gp.a_stride_batch = " + dcode(a.strides[0]) + "; gp.a_stride_m = " + dcode(a.strides[1]) +
            "; gp.a_stride_k = " + dcode(a.strides[2]) + ";\n";
  params += "  gp.b_stride_batch = " + dcode(b.strides[0]) + "; gp.b_stride_k = " + dcode(b.strides[1]) +
            "; gp.b_stride_n = " + dcode(b.strides[2]) + ";\n";
  std::string reason;
  std::string al = a_sk == SymExpr(1) ? "aotc::cuda::kKMajor" : "aotc::cuda::kMNMajor";
  std::string bl = b_sk == SymExpr(1) ? "aotc::cuda::kKMajor" : "aotc::cuda::kMNMajor";
  bool vec = false;
  if (fp32 && options_.allow_tf32) {
    heuristic.push_back({"", add({"aotc::cuda::TcGemmTf32<" + al + ", " + bl + ", 1, 1>",
                                       "aotc::cuda::gemm_tc<CFG>(gp, EPI);", "gemm_tc<TcGemmTf32>"})});
    reason = "float32 with --allow-tf32: tensor cores";
  } else if (fp32) {
    const bool k_contiguous = a_sk == SymExpr(1) && b_sk == SymExpr(1);
    vec = k_contiguous && multiple_of(g.k, 4) && aligned(a, 4) && aligned(b, 4);
    auto linear = [&](const char* tile, const char* label, int groups = 1) {
      return Variant{std::string("aotc::cuda::SimtLinearConfig<") + tile + ", " + (vec ? "true" : "false") +
                         (groups > 1 ? ", " + std::to_string(groups) : std::string()) + ">",
                     std::string("aotc::cuda::gemm_simt_linear<CFG") + (norm ? ", true" : "") +
                         ">(gp, EPI, aotc::cuda::SplitK{p.sk_partials, p.sk_counters, p.sk_splits}" + norm_arg + ");",
                     std::string("gemm_simt_linear<") + label + (vec ? "" : ", unaligned") + ">", true};
    };
    // gemm_simt.cuh's presets of the same names.
    const Variant narrow_tiles = linear("16, 32, 32, 2, 4, 4", "SimtLinearNarrow");
    const Variant narrow_k_tiles = linear("16, 32, 64, 2, 4, 3", "SimtLinearNarrowK", 2);
    const Variant square_tiles = linear("32, 32, 32, 2, 4, 4", "SimtLinearSquare");
    const Variant wide_split_tiles = linear("32, 64, 32, 4, 4, 4", "SimtLinearWideSplit", 2);
    const Variant medium_tiles = linear("64, 64, 32, 4, 4, 3", "SimtLinearMedium");
    auto simt = [&](const std::string& preset) {
      return Variant{"aotc::cuda::" + preset, "aotc::cuda::gemm_simt<CFG, float, float>(gp, EPI);",
                     "gemm_simt<" + preset + ">"};
    };
    if (n_max <= 8) {
      heuristic.push_back({"", add(simt("SimtGemmNarrowN"))});
      reason = "float32 with N <= 8: narrow SIMT tiles (full float32 precision)";
    } else if (k_contiguous) {
      // By M, then by blocks per SM (aotc_launch.h has the measurements);
      // only the variants the M range can reach are compiled in. Where K
      // fits one 32-wide slice (the MLPs), 16x32, 64x64 or 32x32 tiles;
      // else 16x32 tiles with 64-wide slices split in the block, 32x64
      // tiles with K split in the block, or 64x64 tiles.
      const int64_t narrow = aotc_launch::kLinearNarrowMaxM;
      const auto m_c = g.m.constant(), n_c = g.n.constant(), k_c = g.k.constant();
      const bool one_slice = k_c && *k_c <= 32;
      const Variant& small = one_slice ? narrow_tiles : narrow_k_tiles;
      if (m_max <= narrow) {
        heuristic.push_back({"", add(small)});
      } else if (m_c && n_c && k_c) {
        // All sizes known: decided here for the SM count of the GPUs it is built for.
        const bool medium = aotc_launch::linear_medium_tiles(*m_c, *n_c, *k_c, kAssumedSms);
        const bool split = aotc_launch::linear_split_tiles(*m_c, *n_c, kAssumedSms);
        heuristic.push_back({"", one_slice ? add(medium ? medium_tiles : square_tiles)
                                 : !medium ? add(small)
                                 : split   ? add(wide_split_tiles)
                                           : add(medium_tiles)});
      } else if (one_slice) {
        if (m_min <= narrow) heuristic.push_back({fmt::format("m_ <= {}", narrow), add(small)});
        heuristic.push_back({"aotc_launch::linear_medium_tiles(m_, n_, k_, s->sms)", add(medium_tiles)});
        heuristic.push_back({"", add(square_tiles)});
      } else {
        heuristic.push_back({(m_min <= narrow ? fmt::format("m_ <= {} || ", narrow) : std::string()) +
                                 "!aotc_launch::linear_medium_tiles(m_, n_, k_, s->sms)",
                             add(small)});
        heuristic.push_back({"aotc_launch::linear_split_tiles(m_, n_, s->sms)", add(wide_split_tiles)});
        heuristic.push_back({"", add(medium_tiles)});
      }
      reason = "float32, k-contiguous operands: pipelined SIMT linear (full float32 precision)";
    } else {
      std::string preset = m_max <= 16 ? "SimtGemmTiny" : n_max <= 64 ? "SimtGemmSmall" : "SimtGemmMedium";
      heuristic.push_back({"", add(simt(preset))});
      reason = "float32 strided operands: SIMT GEMM (full float32 precision)";
    }
    // What tuning may pick instead (all keep full float32 precision).
    if (k_contiguous) {
      add(narrow_tiles);
      add(narrow_k_tiles);
      add(square_tiles);
      add(wide_split_tiles);
      add(linear("16, 64, 32, 2, 4, 4", "SimtLinearSmall"));
      add(linear("32, 64, 32, 2, 4, 4", "SimtLinearWide"));
      add(medium_tiles);
    }
    if (norm)
      reason = "layer norm folded in; " + reason;  // the SIMT presets take no folded norm
    else
      for (const char* preset : {"SimtGemmNarrowN", "SimtGemmTiny", "SimtGemmSmall", "SimtGemmMedium"}) add(simt(preset));
  } else if (a.dtype == b.dtype) {
    std::string T = *ta;
    vec = multiple_of(g.k, 8) && aligned(a, 8) && aligned(b, 8) && a_sk == SymExpr(1) && b_sk == SymExpr(1);
    std::string align = vec ? "0, 0" : "1, 1";
    Variant small{"aotc::cuda::TcGemmSmall<" + T + ", " + al + ", " + bl + ", " + align + ">",
                  "aotc::cuda::gemm_tc<CFG>(gp, EPI);", "gemm_tc<TcGemmSmall>"};
    Variant medium{"aotc::cuda::TcGemmMedium<" + T + ", " + al + ", " + bl + ", " + align + ">",
                   "aotc::cuda::gemm_tc<CFG>(gp, EPI);", "gemm_tc<TcGemmMedium>"};
    if (m_min <= 64) heuristic.push_back({"m_ <= 64", add(small)});
    if (m_max > 64) heuristic.push_back({"", add(medium)});
    add(small);
    add(medium);
    reason = "16-bit operands: tensor cores (mma.sync), float32 accumulation";
  } else {
    return emit_naive_gemm(k, ps, g);
  }
  for (const auto& v : all) templates_.insert(v.call.find("gemm_tc") != std::string::npos ? "gemm_tc.cuh" : "gemm_simt.cuh");
  // cuBLASLt, last among the candidates: for the types it takes, where the
  // runtime finds it. A bias alone rides in its epilogue; any other
  // epilogue runs as a pointwise kernel over its output afterwards.
  const bool lt_types = fp32 ? out.dtype == DType::Float32
                             : a.dtype == b.dtype && (a.dtype == DType::Float16 || a.dtype == DType::BFloat16) &&
                                   (out.dtype == a.dtype || out.dtype == DType::Float32);
  const bool lt_ok = options_.use_cublaslt && lt_types && !norm;
  const bool lt_bias = g.bias >= 0 && is_plain_input(g.epilogue) && kg_.buffer(g.bias).dtype == out.dtype;
  const bool lt_epi = !lt_bias && (g.bias >= 0 || !is_plain_input(g.epilogue));
  const size_t lt_index = lt_ok ? all.size() : std::string::npos;
  if (lt_ok) all.push_back({"", "", "cublaslt"});
  // Measured on an H200 (docs/cuda-kernels.md): the FLOPs from which the
  // heuristic calls cuBLASLt first.
  const char* lt_min_flops = fp32 ? (options_.allow_tf32 ? kCublasLtMinFlopsTf32 : kCublasLtMinFlopsFp32)
                                  : kCublasLtMinFlops16;

  // Tuning: measure every candidate (tuning build), or take the cache's pick.
  std::string key;
  if (all.size() > 1) {
    key = problem_key(fmt::format("gemm a={}[{}] b={}[{}] out={} batch={} m={} n={} k={} aligned={}{}",
                                  dtype_name(a.dtype), a_sk == SymExpr(1) ? "k-major" : "mn-major",
                                  dtype_name(b.dtype), b_sk == SymExpr(1) ? "k-major" : "mn-major",
                                  dtype_name(out.dtype), a.shape[0].to_string(), g.m.to_string(), g.n.to_string(),
                                  g.k.to_string(), vec ? 1 : 0,
                                  std::string(options_.allow_tf32 ? " tf32" : "") + (norm ? " layer-norm-a" : "")),
                      {a.shape[0], g.m, g.n, g.k});
  }
  std::vector<std::string> all_names;
  for (const auto& v : all) all_names.push_back(v.name);
  Tuned tuned = tune(k, key, all_names);
  std::vector<size_t> emitted;  // indices into `all` of the kernels compiled in
  // cuBLASLt's call before the kernels, which run where it returns 2; its
  // FLOPs threshold.
  bool library = false;
  std::string library_min_flops;
  if (tuned.measure) {
    for (size_t i = 0; i < all.size(); ++i)
      if (i != lt_index) emitted.push_back(i);
  } else if (tuned.choice >= 0 && static_cast<size_t>(tuned.choice) != lt_index) {
    emitted.push_back(static_cast<size_t>(tuned.choice));
  } else {
    for (const auto& [cond, i] : heuristic) emitted.push_back(i);
    if (lt_ok && tuned.choice >= 0) {
      library = true;
      library_min_flops = "0";  // measured faster at the tuned sizes: at any size
    } else if (lt_ok && std::string(lt_min_flops) != "inf") {
      library = true;
      library_min_flops = lt_min_flops;
    }
  }
  // One kernel per emitted candidate.
  std::vector<std::pair<std::string, std::string>> compiled_in;
  for (size_t i : emitted) compiled_in.push_back({all[i].cfg, all[i].call});
  const std::vector<size_t> slots = candidate_kernels(k, ps, E, params, compiled_in, s);
  size_t lt_epi_slot = 0;
  if ((library || (tuned.measure && lt_ok)) && lt_epi) {
    Shape domain = g.batch;
    domain.push_back(g.m);
    domain.push_back(g.n);
    SymExpr total(1);
    for (const auto& d : domain) total = total * d;
    const std::string name = k.name + "_epi";
    s += grid_stride_head(name, ps, total);
    s += "    const int64_t n = flat % (" + dcode(g.n) + "), m = flat / (" + dcode(g.n) + ") % (" + dcode(g.m) +
         "), b = flat / ((" + dcode(g.n) + ") * (" + dcode(g.m) + "));\n    (void)m;\n";
    s += delinearize_code(g.batch, "b", "b", "    ");
    s += "    (void)b;\n";
    s += "    float acc = (float)aotc_gen::aotc_ld(" + buf(g.out_buffer) + ", flat);\n";
    s += epilogue_body(g.epilogue, g.out_buffer, out_offset, g.bias, "n", "    ");
    s += "  }\n}\n";
    lt_epi_slot = extra_kernel(name);
  }
  dev_ += s + "\n";
  // The cuBLASLt call, its status in st_; then its epilogue kernel.
  auto library_code = [&](const std::string& min_flops, const std::string& indent) {
    std::string c = indent + "aotc_model::CublasLtGemm lt_{};\n";
    c += indent + fmt::format("lt_.id = {}; lt_.ab_dtype = {}; lt_.out_dtype = {}; lt_.allow_tf32 = {};\n", index_,
                              c10_code(a.dtype), c10_code(out.dtype), options_.allow_tf32 ? 1 : 0);
    c += indent + "lt_.batch = batch_; lt_.m = m_; lt_.n = n_; lt_.k = k_;\n";
    c += indent + "lt_.a_stride_batch = " + hcode(a.strides[0]) + "; lt_.a_stride_m = " + hcode(a.strides[1]) +
         "; lt_.a_stride_k = " + hcode(a.strides[2]) + ";\n";
    c += indent + "lt_.b_stride_batch = " + hcode(b.strides[0]) + "; lt_.b_stride_k = " + hcode(b.strides[1]) +
         "; lt_.b_stride_n = " + hcode(b.strides[2]) + ";\n";
    c += indent + "lt_.min_flops = " + min_flops + ";\n";
    c += indent + "lt_.a = " + buf(a.buffer) + " + (" + hcode(a.offset) + "); lt_.b = " + buf(b.buffer) + " + (" +
         hcode(b.offset) + ");\n";
    c += indent + "lt_.bias = " + (lt_bias ? buf(g.bias) : std::string("nullptr")) + "; lt_.out = " +
         buf(g.out_buffer) + ";\n";
    c += indent + "const int st_ = aotc_model::cuda_cublaslt_gemm(rc, &lt_, error, error_size);\n";
    c += indent + "if (st_ == 1) return 1;\n";
    return c;
  };
  const std::string lt_epi_launch =
      lt_epi ? fmt::format("AOTC_LAUNCH({}, aotc_blocks(batch_ * m_ * n_, 256), 1, 1, p);\n", lt_epi_slot) : "";
  auto launch_code = [&](size_t e, const std::string& indent) {
    const size_t slot = slots[e];
    if (all[emitted[e]].split_k) {
      uses_split_k_ = true;
      return fmt::format(
          "{0}const uint32_t gx_ = aotc_blocks(n_, s->info[{1}].tile_n), gy_ = aotc_blocks(m_, s->info[{1}].tile_m);\n"
          "{0}p.sk_splits = aotc_split_k(s, (int64_t)gx_ * gy_ * batch_, aotc_blocks(k_, s->info[{1}].tile_k), "
          "(int64_t)s->info[{1}].tile_m * s->info[{1}].tile_n, batch_, s->sms);\n"
          "{0}AOTC_LAUNCH({1}, gx_, gy_, aotc_batch_blocks(batch_ * p.sk_splits), p);\n",
          indent, slot);
    }
    return fmt::format("{}AOTC_LAUNCH({}, aotc_blocks(n_, s->info[{}].tile_n), aotc_blocks(m_, s->info[{}].tile_m), "
                       "aotc_batch_blocks(batch_), p);\n",
                       indent, slot, slot, slot);
  };
  std::string fill = fills_.back();
  if (norm) fill += fmt::format("    p.prepared = s->prepared[{}];\n", norm_prepared);
  std::string h = "  {\n" + fill + "    const int64_t m_ = " + hcode(g.m) + ", n_ = " + hcode(g.n) + ", k_ = " +
                  hcode(g.k) + ", batch_ = " + hcode(a.shape[0]) + ";\n    (void)k_;\n    if (m_ > 0 && n_ > 0 && batch_ > 0) {\n";
  if (tuned.measure) {
    // The heuristic's pick, as a candidate index, then every candidate timed.
    std::string pick;
    for (size_t i = 0; i < heuristic.size(); ++i)
      pick += i + 1 == heuristic.size() ? std::to_string(heuristic[i].second)
                                        : fmt::format("({}) ? {} : ", heuristic[i].first, heuristic[i].second);
    std::string cases;
    for (size_t e = 0; e < emitted.size(); ++e)
      cases += fmt::format("          case {}: {{\n{}            return 0;\n          }}\n", e, launch_code(e, "            "));
    if (lt_ok) {
      cases += fmt::format("          case {}: {{\n", lt_index) + library_code("0", "            ") +
               "            if (st_ == 2) return 2;\n" + (lt_epi ? "            " + lt_epi_launch : "") +
               "            return 0;\n          }\n";
      if (std::string(lt_min_flops) != "inf")
        pick = fmt::format("2.0 * (double)batch_ * (double)m_ * (double)n_ * (double)k_ >= {} ? {} : ({})",
                           lt_min_flops, lt_index, pick);
    }
    h += tune_call(tuned.node, all.size(), pick, cases);
  } else {
    std::string own;  // the first emitted candidate whose condition holds
    for (size_t e = 0; e < emitted.size(); ++e) {
      std::string when;
      for (const auto& [c, i] : heuristic)
        if (i == emitted[e]) when = c;
      std::string cond = e + 1 == emitted.size() || when.empty() ? "" : fmt::format("if ({}) ", when);
      own += "      " + cond + "{\n" + launch_code(e, "        ") + "      }\n";
      if (e + 1 < emitted.size()) own += "      else ";
    }
    if (library) {
      h += library_code(library_min_flops, "      ");
      h += "      if (st_ == 0) {\n" + (lt_epi ? "        " + lt_epi_launch : "") + "      } else {\n" +
           indent_lines(own, "  ") + "      }\n";
    } else {
      h += own;
    }
  }
  h += "    }\n  }\n";
  launches_ += h;
  std::string impls = library || (tuned.measure && lt_ok) ? "cublaslt" : "";
  for (size_t i : emitted) impls += (impls.empty() ? "" : " | ") + all[i].name;
  const std::string lt_what = std::string("its heuristics' first algorithm") +
                              (fp32 && !options_.allow_tf32 ? " on FMA units, full float32" : "") +
                              (lt_bias ? ", bias in its epilogue" : lt_epi ? "; epilogue as a pointwise kernel after it" : "");
  if (tuned.measure) {
    reason = "tuning build: every candidate measured";
  } else if (tuned.choice >= 0 && static_cast<size_t>(tuned.choice) == lt_index) {
    reason = tuned.reason + "; cuBLASLt runs " + lt_what + "; where the runtime finds no cuBLASLt: " + reason +
             (emitted.size() > 1 ? ", variant picked by size at run time" : "");
  } else if (tuned.choice >= 0) {
    reason = tuned.reason;
  } else if (library) {
    reason = std::string("cuBLASLt where the runtime finds it and the GEMM has at least ") + library_min_flops +
             " FLOPs (" + lt_what + "), else " + reason +
             (emitted.size() > 1 ? "; variant picked by size at run time" : "") + tuned.reason;
  } else {
    reason += (emitted.size() > 1 ? "; variant picked by size at run time" : "") + tuned.reason;
  }
  choose(k, impls, reason, key);
  return Status::ok();
}

Status CudaEmitter::emit_naive_gemm(const Kernel& k, const std::string& ps, const GemmKernel& g) {
  Shape out_shape = g.batch;
  out_shape.push_back(g.m);
  out_shape.push_back(g.n);
  Index point = loop_vars("@b", g.batch.size());
  point.push_back(SymExpr::symbol("@m"));
  point.push_back(SymExpr::symbol("@n"));
  SymExpr total(1);
  for (const auto& d : out_shape) total = total * d;
  std::string s = grid_stride_head(k.name, ps, total);
  s += "    int64_t rem_ = flat;\n    const int64_t n = rem_ % (" + dcode(g.n) + "); rem_ /= (" + dcode(g.n) + ");\n";
  s += "    const int64_t m = rem_ % (" + dcode(g.m) + "); rem_ /= (" + dcode(g.m) + ");\n";
  for (size_t i = g.batch.size(); i-- > 0;)
    s += fmt::format("    const int64_t b{} = {};\n", i, i == 0 ? "rem_" : "rem_ % (" + dcode(g.batch[i]) + "); rem_ /= (" + dcode(g.batch[i]) + ")");
  s += "    (void)rem_;\n";
  bool fp = is_floating(g.a.dtype);
  std::string acc_t = fp ? "double" : "int64_t";
  Index ai = loop_vars("@b", g.batch.size()), bi = ai;
  ai.push_back(SymExpr::symbol("@m"));
  ai.push_back(SymExpr::symbol("@kk"));
  bi.push_back(SymExpr::symbol("@kk"));
  bi.push_back(SymExpr::symbol("@n"));
  auto sym = [](const std::string& x) { return x == "@kk" ? std::string("kk") : device_symbol(x); };
  s += "    " + acc_t + " sum = 0;\n";
  s += "    for (int64_t kk = 0; kk < " + dcode(g.k) + "; ++kk)\n";
  s += "      sum += (" + acc_t + ")aotc_gen::aotc_ld(" + buf(g.a.buffer) + ", " +
       index_code(strided_offset(g.a, ai), Naming{sym, nullptr, nullptr}) + ") * (" + acc_t + ")aotc_gen::aotc_ld(" +
       buf(g.b.buffer) + ", " + index_code(strided_offset(g.b, bi), Naming{sym, nullptr, nullptr}) + ");\n";
  s += "    float acc = (float)sum;\n";
  s += epilogue_body(g.epilogue, g.out_buffer, contiguous_offset(out_shape, point), g.bias, "n", "    ");
  s += "  }\n}\n\n";
  dev_ += s;
  launch("aotc_blocks(" + hcode(total) + ", 256)", "1", "1", hcode(total) + " > 0");
  choose(k, "generated GEMM (thread per output)", "dtype or strides the GEMM templates do not take");
  return Status::ok();
}

}  // namespace aotc::codegen::cuda_emit

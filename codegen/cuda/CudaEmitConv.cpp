// The CUDA emitter: 2-D convolutions (conv2d_nchw, conv2d_simt and cuDNN
// candidates), see CudaEmitterImpl.h and docs/cuda-kernels.md.
#include "codegen/cuda/CudaEmitterImpl.h"

namespace aotc::codegen::cuda_emit {

Status CudaEmitter::emit(const Kernel& k, const std::string& ps, const ConvKernel& c) {
  const Buffer& w = kg_.buffer(c.weight);
  const Buffer& out = kg_.buffer(c.out_buffer);
  auto t = template_type(c.input.dtype);
  bool ok = c.out_shape.size() == 4 && !c.transposed && t && c.input.dtype == w.dtype &&
            template_type(out.dtype) && c.input.is_contiguous();
  Index point = loop_vars("@i", c.out_shape.size());
  SymExpr out_offset = contiguous_offset(c.out_shape, point);
  if (!ok) return emit_naive_conv(k, ps, c, out_offset);
  std::string E = "KE_" + k.name;
  std::string s = "struct " + E + " {\n  " + ps + " p;\n";
  s += "  __device__ void operator()(int64_t i0, int64_t i1, int64_t i2, int64_t i3, float acc) const {\n";
  s += epilogue_body(c.epilogue, c.out_buffer, out_offset, c.bias, "i1", "    ");
  s += "  }\n};\n";
  const Shape& in = c.input.shape;
  auto ws = contiguous_strides(w.shape);
  std::string params = "  aotc::cuda::Conv2dParams cp;\n";
  params += "  cp.x = " + buf(c.input.buffer) + "; cp.w = " + buf(c.weight) + ";\n";
  params += "  cp.batch = " + dcode(in[0]) + "; cp.in_c = " + dcode(in[1]) + "; cp.in_h = " + dcode(in[2]) +
            "; cp.in_w = " + dcode(in[3]) + ";\n";
  params += "  cp.out_c = " + dcode(c.out_shape[1]) + "; cp.out_h = " + dcode(c.out_shape[2]) + "; cp.out_w = " +
            dcode(c.out_shape[3]) + "; cp.k_h = " + dcode(w.shape[2]) + "; cp.k_w = " + dcode(w.shape[3]) + ";\n";
  params += fmt::format("  cp.stride_h = {}; cp.stride_w = {}; cp.pad_h = {}; cp.pad_w = {}; cp.dil_h = {}; cp.dil_w = {}; cp.groups = {};\n",
                        c.stride[0], c.stride[1], c.padding[0], c.padding[1], c.dilation[0], c.dilation[1], c.groups);
  params += "  cp.x_stride_n = " + dcode(c.input.strides[0]) + "; cp.x_stride_c = " + dcode(c.input.strides[1]) +
            "; cp.x_stride_h = " + dcode(c.input.strides[2]) + "; cp.x_stride_w = " + dcode(c.input.strides[3]) + ";\n";
  params += "  cp.w_stride_o = " + dcode(ws[0]) + "; cp.w_stride_c = " + dcode(ws[1]) + "; cp.w_stride_h = " +
            dcode(ws[2]) + "; cp.w_stride_w = " + dcode(ws[3]) + ";\n";

  // aotc's own kernels. groups = 1 with the filter's sizes known (always,
  // for programs torch.export writes): conv2d_nchw, whose geometry is
  // compiled in, with 64x64 output tiles, or 64x32 where those leave SMs
  // idle (small N, or few tiles and a short K: aotc_launch.h); split-K
  // across blocks when the tiles alone leave SMs idle. Other convolutions:
  // the generic conv2d_simt.
  struct Variant {
    std::string cfg, call, name;
    int prepared = -1;  // the load-time weight it reads through p.prepared (Winograd's U)
  };
  std::vector<Variant> all;
  size_t winograd_index = SIZE_MAX;  // in `all`
  // Winograd tiles: 2x2 outputs each, over all images.
  const SymExpr winograd_tiles = c.input.shape[0] * SymExpr::ceildiv(c.out_shape[2], SymExpr(2)) *
                                 SymExpr::ceildiv(c.out_shape[3], SymExpr(2));
  std::vector<size_t> heuristic;  // the candidates the heuristic compiles in
  std::string pick_code = "0";    // host code: which of them runs
  const auto kh = w.shape[2].constant(), kw = w.shape[3].constant();
  const bool fast = c.groups == 1 && kh && kw;
  const SymExpr gemm_m = in[0] * c.out_shape[2] * c.out_shape[3];
  const SymExpr gemm_k = in[1] * w.shape[2] * w.shape[3];
  const auto in_c = in[1].constant();
  std::string own_reason;
  if (fast) {
    const std::string geo = fmt::format("aotc::cuda::ConvGeometry<{}, {}, {}, {}, {}, {}, {}, {}>", *kh, *kw,
                                        c.stride[0], c.stride[1], c.padding[0], c.padding[1], c.dilation[0],
                                        c.dilation[1]);
    // Channels in blocks of the k slice (16): one window position per slice
    // (conv.cuh, ConvNchwLoader), 5-12% faster on ResNet-18's convolutions
    // on an H200 (docs/cuda-kernels.md). Image stems (3 channels) keep the
    // weight's own order.
    const bool channel_blocks = in_c && *in_c % 16 == 0;
    for (const char* preset : {"ConvNchwSmall", "ConvNchwMedium", "ConvNchwMediumTall"})
      all.push_back({std::string("aotc::cuda::") + preset,
                     "aotc::cuda::conv2d_nchw<CFG, " + geo + ", " + *t + (channel_blocks ? ", true" : "") +
                         ">(cp, EPI, " +
                         "aotc::cuda::SplitK{p.sk_partials, p.sk_counters, p.sk_splits});",
                     std::string("conv2d_nchw<") + preset + ">"});
    const auto m = gemm_m.constant(), n = c.out_shape[1].constant(), kk = gemm_k.constant();
    const auto n_max = upper_bound(c.out_shape[1], kg_.symbols).value_or(1 << 20);
    if (n_max <= 32) {
      heuristic = {0};  // conv_small_tiles at any M
    } else if (m && n && kk) {
      heuristic = {aotc_launch::conv_small_tiles(*m, *n, *kk, kAssumedSms)  ? size_t{0}
                   : aotc_launch::conv_tall_tiles(*m, *n, *kk, kAssumedSms) ? size_t{2}
                                                                            : size_t{1}};
    } else {
      heuristic = {0, 1, 2};
      pick_code = fmt::format(
          "aotc_launch::conv_small_tiles(m_, {0}, {1}, s->sms) ? 0 : aotc_launch::conv_tall_tiles(m_, {0}, {1}, "
          "s->sms) ? 2 : 1",
          hcode(c.out_shape[1]), hcode(gemm_k));
    }
    // Winograd F(2x2, 3x3) for 3x3 stride-1 float32 convolutions over a
    // weight of the package (its transform U is made at load time): 2.25x
    // fewer multiplies, errors like conv2d_nchw's (docs/cuda-kernels.md,
    // "Winograd"). Taken where its blocks cover a third of the SMs
    // (winograd_pays); not for image stems (it reads channels in chunks of
    // 8, measured from 20 channels up).
    const auto oc = c.out_shape[1].constant();
    const auto tiles_max = upper_bound(winograd_tiles, kg_.symbols);
    const auto image_max = upper_bound(in[1] * in[2] * in[3], kg_.symbols);
    const bool winograd = *kh == 3 && *kw == 3 && c.stride[0] == 1 && c.stride[1] == 1 && c.dilation[0] == 1 &&
                          c.dilation[1] == 1 && c.input.dtype == DType::Float32 && w.kind == Buffer::Kind::kWeight &&
                          in_c && *in_c >= 16 && oc && *oc % 4 == 0 && 16 * *in_c * *oc < (int64_t{1} << 31) && tiles_max &&
                          *tiles_max < (int64_t{1} << 31) && image_max && *image_max < (int64_t{1} << 31);
    if (winograd) {
      winograd_index = all.size();
      all.push_back({"aotc::cuda::WinogradF2x3Medium",
                     fmt::format("cp.w = static_cast<const float*>(p.prepared); "
                                 "aotc::cuda::conv2d_winograd_f2x3<CFG, {}>(cp, EPI);",
                                 geo),
                     "conv2d_winograd_f2x3<WinogradF2x3Medium>"});
      const auto tiles_c = winograd_tiles.constant();
      const std::string pays = fmt::format("aotc_launch::winograd_pays({}, {}, s->sms)", *oc, hcode(winograd_tiles));
      if (tiles_c && heuristic.size() == 1) {
        if (aotc_launch::winograd_pays(*oc, *tiles_c, kAssumedSms)) heuristic = {winograd_index};
      } else if (heuristic.size() == 1) {
        pick_code = pays + " ? " + std::to_string(winograd_index) + " : " + std::to_string(heuristic[0]);
        heuristic = {heuristic[0], winograd_index};
      } else {
        heuristic.push_back(winograd_index);
        pick_code = pays + " ? " + std::to_string(winograd_index) + " : " + pick_code;
      }
    }
    if (heuristic.size() == 1) pick_code = std::to_string(heuristic[0]);
    own_reason = fmt::format("implicit GEMM on CUDA cores (full float32 precision), {}x{} filter compiled in{}; "
                             "64x64 output tiles, 64x32 when N <= 32, M <= 512 or 64x64 leaves SMs idle, "
                             "8x4 per thread from two waves of tiles and K >= 512; "
                             "K split across blocks when the tiles alone leave SMs idle",
                             *kh, *kw, channel_blocks ? ", channels in blocks of 16" : "");
  } else {
    all.push_back({"aotc::cuda::ConvSimtNchw",
                   "aotc::cuda::conv2d_simt<CFG, " + *t + ", false>(cp, EPI, aotc::cuda::SplitK{p.sk_partials, "
                   "p.sk_counters, p.sk_splits});",
                   "conv2d_simt<ConvSimtNchw>"});
    heuristic = {0};
    own_reason = std::string("implicit GEMM on CUDA cores (full float32 precision)") +
                 (c.groups == 1 ? "; K split across blocks when the output tiles leave SMs idle" : "");
  }

  // cuDNN where the runtime finds it: the convolution into the output, then
  // the epilogue in place (the memory plan never lets the output share
  // memory with a buffer the epilogue reads).
  const bool cudnn_ok = options_.use_cudnn && out.dtype == c.input.dtype &&
                        (c.input.dtype == DType::Float32 || c.input.dtype == DType::Float16 ||
                         c.input.dtype == DType::BFloat16);
  const bool epilogue = c.bias >= 0 || !is_plain_input(c.epilogue);
  // Measured on an H200 (docs/cuda-kernels.md): in float32 on FMA units
  // cuDNN's call costs more than it saves below the threshold; tensor
  // cores move the point down.
  const bool tensor_cores = c.input.dtype != DType::Float32 || options_.allow_tf32;
  // On FMA units conv2d_nchw comes close to cuDNN's float32 algorithms
  // (ResNet-18 at batch 32 on an H200: faster on the GPU for 7 of the 16
  // convolutions cuDNN took and eagerly for 12; 8% slower over the model,
  // mostly cuDNN's FFT on layer 2) and spares the process cuDNN's start-up
  // (150-290 ms): cuDNN stays compiled in, off unless AOTC_CUDNN_MIN_FLOPS
  // or a tuning cache asks for it.
  const bool cudnn_on_request = fast && !tensor_cores;
  const char* min_flops = tensor_cores ? kCudnnMinFlopsTensorCores
                          : cudnn_on_request ? kCudnnOnRequest
                                             : kCudnnMinFlopsFma;
  const bool few_channels = fast && in_c && *in_c < 8;
  std::vector<std::string> names;
  for (const auto& v : all) names.push_back(v.name);
  const size_t cudnn_index = names.size();
  if (cudnn_ok) names.push_back("cudnn");
  std::string key;
  if (names.size() > 1) {
    key = problem_key(fmt::format("conv2d {} n={} c={} h={} w={} k={} r={} s={} stride={},{} pad={},{} dil={},{} "
                                  "groups={}{}",
                                  dtype_name(c.input.dtype), in[0].to_string(), in[1].to_string(), in[2].to_string(),
                                  in[3].to_string(), c.out_shape[1].to_string(), w.shape[2].to_string(),
                                  w.shape[3].to_string(), c.stride[0], c.stride[1], c.padding[0], c.padding[1],
                                  c.dilation[0], c.dilation[1], c.groups, options_.allow_tf32 ? " tf32" : ""),
                      {in[0], in[1], in[2], in[3]});
  }
  const Tuned tuned = tune(k, key, names);
  // Which of aotc's kernels are compiled in, and whether cuDNN is called first.
  std::vector<size_t> emitted;
  bool cudnn = false;
  if (tuned.measure) {
    for (size_t i = 0; i < all.size(); ++i) emitted.push_back(i);
  } else if (tuned.choice >= 0 && static_cast<size_t>(tuned.choice) < all.size()) {
    emitted.push_back(static_cast<size_t>(tuned.choice));
  } else if (tuned.choice >= 0) {
    emitted = heuristic;
    cudnn = true;  // the cache's pick: cuDNN at any size, aotc's kernel without it
  } else {
    emitted = heuristic;
    // The heuristic: cuDNN from the FLOP threshold up, except on FMA units
    // for a convolution over fewer than 8 channels (an image stem), where
    // aotc's kernel was faster at every size measured.
    cudnn = cudnn_ok && !(few_channels && !tensor_cores);
  }
  // Winograd's U, when compiled in: made once at load time from the weight.
  if (std::find(emitted.begin(), emitted.end(), winograd_index) != emitted.end()) {
    all[winograd_index].prepared = prepare_winograd_weight(c.weight, *c.out_shape[1].constant(), *in_c);
    own_reason += "; Winograd F(2x2, 3x3) (2.25x fewer multiplies, filter transformed at load) where its 32x32 "
                  "blocks cover a third of the SMs";
  }
  std::vector<std::pair<std::string, std::string>> compiled_in;
  for (size_t i : emitted) compiled_in.push_back({all[i].cfg, all[i].call});
  const std::vector<size_t> slots = candidate_kernels(k, ps, E, params, compiled_in, s);
  size_t epi_slot = 0;
  SymExpr total(1);
  for (const auto& d : c.out_shape) total = total * d;
  if ((cudnn || tuned.measure) && cudnn_ok && epilogue) {
    const std::string name = k.name + "_epi";
    s += grid_stride_head(name, ps, total);
    s += delinearize_code(c.out_shape, "flat", "i", "    ");
    s += "    float acc = (float)aotc_gen::aotc_ld(" + buf(c.out_buffer) + ", flat);\n";
    s += epilogue_body(c.epilogue, c.out_buffer, out_offset, c.bias, "i1", "    ");
    s += "  }\n}\n\n";
    epi_slot = extra_kernel(name);
  }
  dev_ += s + "\n";
  templates_.insert("conv.cuh");
  const size_t slot = index_;
  std::string h = "  {\n" + fills_.back() + "    const int64_t m_ = " + hcode(gemm_m) + ", k_ = " + hcode(gemm_k) +
                  ";\n    (void)k_;\n    if (m_ > 0) {\n";
  auto launch_code = [&](size_t e, const std::string& indent) {
    const size_t sl = slots[e];
    if (emitted[e] == winograd_index) {
      // One block per 32 output channels x 32 Winograd tiles; no split-K.
      return indent + fmt::format("p.prepared = s->prepared[{}];\n", all[emitted[e]].prepared) + indent +
             fmt::format("AOTC_LAUNCH({}, aotc_blocks({}, s->info[{}].tile_n), aotc_blocks({}, s->info[{}].tile_m), 1, p);\n",
                         sl, hcode(c.out_shape[1]), sl, hcode(winograd_tiles), sl);
    }
    std::string o = indent + fmt::format("const uint32_t gx_ = aotc_blocks({} / {}, s->info[{}].tile_n), gy_ = "
                                         "aotc_blocks(m_, s->info[{}].tile_m);\n",
                                         hcode(c.out_shape[1]), c.groups, sl, sl);
    if (c.groups == 1) {
      // K = C * KH * KW; split it when the output tiles alone leave SMs
      // idle: up to two blocks per SM, as the kernels' launch bounds allow.
      uses_split_k_ = true;
      o += indent + fmt::format("p.sk_splits = aotc_split_k(s, (int64_t)gx_ * gy_, aotc_blocks(k_, s->info[{0}].tile_k), "
                                "(int64_t)s->info[{0}].tile_m * s->info[{0}].tile_n, 1, {1} * s->sms);\n",
                                sl, fast ? "aotc_launch::kConvBlocksPerSm" : "2");
      o += indent + fmt::format("AOTC_LAUNCH({}, gx_, gy_, (uint32_t)p.sk_splits, p);\n", sl);
    } else {
      o += indent + fmt::format("AOTC_LAUNCH({}, gx_, gy_, {}, p);\n", sl, c.groups);
    }
    return o;
  };
  // The heuristic's kernel: the one emitted, or the pick among them.
  std::string own;
  if (emitted.size() == 1) {
    own = launch_code(0, "      ");
  } else {
    own = "      switch (" + pick_code + ") {  // a candidate's index\n";
    for (size_t e = 0; e < emitted.size(); ++e)
      own += fmt::format("        {}: {{\n", e + 1 < emitted.size() ? "case " + std::to_string(emitted[e]) : std::string("default")) +
             launch_code(e, "          ") + "          break;\n        }\n";
    own += "      }\n";
  }
  std::string call;  // cuDNN: the convolution descriptor, the call, its status in st_
  if (cudnn || (tuned.measure && cudnn_ok)) {
    call += "      aotc_model::CudnnConv2d cv_{};\n";
    call += fmt::format("      cv_.id = {}; cv_.dtype = {}; cv_.allow_tf32 = {}; cv_.groups = {};\n", slot,
                        c10_code(c.input.dtype), options_.allow_tf32 ? 1 : 0, c.groups);
    call += "      cv_.n = " + hcode(in[0]) + "; cv_.c = " + hcode(in[1]) + "; cv_.h = " + hcode(in[2]) +
            "; cv_.w = " + hcode(in[3]) + ";\n";
    call += "      cv_.k = " + hcode(c.out_shape[1]) + "; cv_.r = " + hcode(w.shape[2]) + "; cv_.s = " +
            hcode(w.shape[3]) + "; cv_.out_h = " + hcode(c.out_shape[2]) + "; cv_.out_w = " +
            hcode(c.out_shape[3]) + ";\n";
    call += fmt::format("      cv_.pad_h = {}; cv_.pad_w = {}; cv_.stride_h = {}; cv_.stride_w = {}; cv_.dil_h = {}; cv_.dil_w = {};\n",
                        c.padding[0], c.padding[1], c.stride[0], c.stride[1], c.dilation[0], c.dilation[1]);
    // Measured or tuned: cuDNN at any size; else from the threshold up.
    call += fmt::format("      cv_.min_flops = {};\n",
                        tuned.measure || static_cast<size_t>(tuned.choice) == cudnn_index ? "0" : min_flops);
    call += "      cv_.x = " + buf(c.input.buffer) + "; cv_.weight = " + buf(c.weight) + "; cv_.y = " +
            buf(c.out_buffer) + ";\n";
    call += "      const int st_ = aotc_model::cuda_cudnn_conv2d(rc, &cv_, error, error_size);\n";
    call += "      if (st_ == 1) return 1;\n";
  }
  const std::string epi_launch =
      epilogue ? fmt::format("AOTC_LAUNCH({}, aotc_blocks({}, 256), 1, 1, p);\n", epi_slot, hcode(total)) : "";
  if (tuned.measure) {
    // Candidates: aotc's kernels, then cuDNN (2 when the runtime has none).
    std::string pick = pick_code;  // the heuristic's, as a candidate index
    std::string cases;
    for (size_t e = 0; e < emitted.size(); ++e)
      cases += fmt::format("          case {}: {{\n{}            return 0;\n          }}\n", e,
                           launch_code(e, "            "));
    if (cudnn_ok) {
      cases += fmt::format("          case {}: {{\n", cudnn_index) + indent_lines(call, "      ") +
               "            if (st_ == 2) return 2;\n" + (epilogue ? "            " + epi_launch : "") +
               "            return 0;\n          }\n";
      std::string flops = fmt::format("2.0 * (double)m_ * (double)({}) * (double)(({}) / {}) * (double)({}) * (double)({})",
                                      hcode(c.out_shape[1]), hcode(in[1]), c.groups, hcode(w.shape[2]),
                                      hcode(w.shape[3]));
      if (!(few_channels && !tensor_cores)) pick = fmt::format("{} >= {} ? {} : ({})", flops, min_flops, cudnn_index, pick);
    }
    h += tune_call(tuned.node, names.size(), pick, cases);
  } else if (cudnn) {
    h += call;
    h += "      if (st_ == 0) {\n";
    if (epilogue) h += "        " + epi_launch;
    h += "      } else {\n" + indent_lines(own, "  ") + "      }\n";
  } else {
    h += own;
  }
  h += "    }\n  }\n";
  launches_ += h;
  std::string own_names;
  for (size_t e : emitted) own_names += (own_names.empty() ? "" : " / ") + all[e].name;
  const std::string cudnn_what = std::string("its heuristics' first algorithm") +
                                 (c.input.dtype == DType::Float32 && !options_.allow_tf32 ? " on FMA units, full float32" : "") +
                                 (epilogue ? "; epilogue as a pointwise kernel after it" : "");
  if (tuned.measure) {
    std::string every;
    for (const auto& n : names) every += (every.empty() ? "" : " | ") + n;
    choose(k, every, "tuning build: every candidate measured", key);
  } else if (tuned.choice >= 0 && static_cast<size_t>(tuned.choice) == cudnn_index) {
    choose(k, "cudnn | " + own_names,
           tuned.reason + " (" + cudnn_what + "); aotc's kernel where the runtime finds no cuDNN", key);
  } else if (tuned.choice >= 0) {
    choose(k, own_names, tuned.reason + "; " + own_reason, key);
  } else if (cudnn && cudnn_on_request) {
    choose(k, own_names,
           own_reason + "; cuDNN compiled in, used only when AOTC_CUDNN_MIN_FLOPS asks (on FMA units this kernel "
                        "comes close to its float32 algorithms and spares its start-up)" + tuned.reason,
           key);
  } else if (cudnn) {
    choose(k, "cudnn | " + own_names,
           std::string("cuDNN where the runtime finds it and the convolution has at least ") + min_flops +
               " FLOPs (" + cudnn_what + "), else " + own_reason + tuned.reason,
           key);
  } else {
    const std::string why_not = cudnn_ok && few_channels && !tensor_cores
                                    ? "; not cuDNN: fewer than 8 input channels, where its FMA algorithms are slower"
                                    : "";
    choose(k, own_names, own_reason + why_not + tuned.reason, key);
  }
  return Status::ok();
}

Status CudaEmitter::emit_naive_conv(const Kernel& k, const std::string& ps, const ConvKernel& c, const SymExpr& out_offset) {
  const Buffer& w = kg_.buffer(c.weight);
  size_t nsp = c.out_shape.size() - 2;
  SymExpr total(1);
  for (const auto& d : c.out_shape) total = total * d;
  int64_t cin_per_group = w.shape[c.transposed ? 0 : 1].constant().value() / (c.transposed ? c.groups : 1);
  int64_t cout = c.out_shape[1].constant().value();
  int64_t cout_per_group = cout / c.groups;
  std::string s = grid_stride_head(k.name, ps, total);
  s += delinearize_code(c.out_shape, "flat", "i", "    ");
  s += "    double sum = 0;\n";
  s += fmt::format("    const int64_t grp = i1 / {};\n", cout_per_group);
  s += fmt::format("    for (int64_t ci = 0; ci < {}; ++ci) {{\n", cin_per_group);
  std::string in2 = "      ";
  for (size_t d = 0; d < nsp; ++d) {
    s += in2 + fmt::format("for (int64_t q{} = 0; q{} < {}; ++q{}) {{\n", d, d, dcode(w.shape[2 + d]), d);
    in2 += "  ";
  }
  std::string valid = "true";
  std::string xoff = fmt::format("i0 * {} + (grp * {} + ci) * {}", dcode(c.input.strides[0]), cin_per_group,
                                 dcode(c.input.strides[1]));
  for (size_t d = 0; d < nsp; ++d) {
    if (c.transposed) {
      s += in2 + fmt::format("const int64_t t{} = i{} + {} - q{} * {};\n", d, d + 2, c.padding[d], d, c.dilation[d]);
      s += in2 + fmt::format("const int64_t x{} = t{} / {};\n", d, d, c.stride[d]);
      valid += fmt::format(" && t{} >= 0 && t{} % {} == 0 && x{} < {}", d, d, c.stride[d], d, dcode(c.input.shape[2 + d]));
    } else {
      s += in2 + fmt::format("const int64_t x{} = i{} * {} - {} + q{} * {};\n", d, d + 2, c.stride[d], c.padding[d], d,
                             c.dilation[d]);
      valid += fmt::format(" && x{} >= 0 && x{} < {}", d, d, dcode(c.input.shape[2 + d]));
    }
    xoff += fmt::format(" + x{} * {}", d, dcode(c.input.strides[2 + d]));
  }
  SymExpr wk(1);
  for (size_t d = 0; d < nsp; ++d) wk = wk * w.shape[2 + d];
  std::string woff = c.transposed
                         ? fmt::format("((grp * {} + ci) * {} + (i1 % {})) * {}", cin_per_group, cout_per_group,
                                       cout_per_group, dcode(wk))
                         : fmt::format("(i1 * {} + ci) * {}", cin_per_group, dcode(wk));
  SymExpr inner(1);
  for (size_t d = nsp; d-- > 0;) {
    woff += fmt::format(" + q{} * {}", d, dcode(inner));
    inner = inner * w.shape[2 + d];
  }
  s += in2 + "if (" + valid + ")\n" + in2 + "  sum += (double)aotc_gen::aotc_ld(" + buf(c.input.buffer) + ", " + xoff +
       ") * (double)aotc_gen::aotc_ld(" + buf(c.weight) + ", " + woff + ");\n";
  for (size_t d = nsp; d-- > 0;) {
    in2.resize(in2.size() - 2);
    s += in2 + "}\n";
  }
  s += "    }\n    float acc = (float)sum;\n";
  s += epilogue_body(c.epilogue, c.out_buffer, out_offset, c.bias, "i1", "    ");
  s += "  }\n}\n\n";
  dev_ += s;
  launch("aotc_blocks(" + hcode(total) + ", 256)", "1", "1", hcode(total) + " > 0");
  choose(k, "generated convolution (thread per output)", "not a 2-d convolution the templates take");
  return Status::ok();
}

}  // namespace aotc::codegen::cuda_emit

// KernelSources: see KernelSources.h. The struct layouts that host code
// mirrors (GemmParams, AttentionParams, Conv2dParams, EpiArgs, the strided
// output functor) are pinned by static_asserts in the sources; the GPU check
// asserts the same sizes on its host mirrors.
#include "KernelSources.h"

#include <initializer_list>

namespace aotc::cuda_test {
namespace {

// Functors a generator would emit, shared by the units. `Epi` is a GEMM
// epilogue that fuses bias, an activation, a residual add, the cast to the
// output type and a strided store; the others are attention masks, row-op
// loaders/storers and pointwise bodies.
constexpr const char* kPrelude = R"cuda(
#include "half.cuh"
#include "elementwise.cuh"
#define AOTC_TEST_INFO(name, threads, smem, tile_m, tile_n) \
  extern "C" __constant__ long long name##_info[4] = {threads, smem, tile_m, tile_n};
namespace aotc_test {
using namespace aotc::cuda;
enum Act : int { kIdentity, kRelu, kSigmoid, kSilu, kGeluTanh, kGelu, kHardswish, kMish, kSoftplus };
template <int kAct>
__device__ __forceinline__ float act(float v) {
  if constexpr (kAct == kRelu) return aotc_relu(v);
  else if constexpr (kAct == kSigmoid) return aotc_sigmoid(v);
  else if constexpr (kAct == kSilu) return aotc_silu(v);
  else if constexpr (kAct == kGeluTanh) return aotc_gelu_tanh(v);
  else if constexpr (kAct == kGelu) return aotc_gelu(v);
  else if constexpr (kAct == kHardswish) return aotc_hardswish(v);
  else if constexpr (kAct == kMish) return aotc_mish(v);
  else if constexpr (kAct == kSoftplus) return aotc_softplus(v);
  else return v;
}
struct EpiArgs {
  void* out;
  const void* bias;      // [N], output type
  const void* residual;  // [M, res_sm], output type
  int64_t out_sb, out_sm, out_sn, res_sm;
};
static_assert(sizeof(EpiArgs) == 56, "host mirror layout");
template <class TOut, int kAct, bool kBias, bool kResidual>
struct Epi {
  EpiArgs a;
  __device__ void operator()(int64_t b, int64_t m, int64_t n, float acc) const {
    float v = acc;
    if constexpr (kBias) v += to_float(static_cast<const TOut*>(a.bias)[n]);
    v = act<kAct>(v);
    if constexpr (kResidual) v += to_float(static_cast<const TOut*>(a.residual)[m * a.res_sm + n]);
    static_cast<TOut*>(a.out)[b * a.out_sb + m * a.out_sm + n * a.out_sn] = from_float<TOut>(v);
  }
};
}  // namespace aotc_test
using namespace aotc_test;
)cuda";

struct Builder {
  KernelUnit unit;
  Builder(std::string name, std::string family, std::initializer_list<const char*> headers) {
    unit.name = std::move(name);
    unit.family = std::move(family);
    for (const char* h : headers) unit.source += std::string("#include \"") + h + "\"\n";
    unit.source += kPrelude;
  }
  Builder& code(const std::string& text) {
    unit.source += text;
    return *this;
  }
  /// `using Cfg_<name> = cfg;`, the info constant, and the kernel with `params` and `body`.
  Builder& kernel(const std::string& name, const std::string& cfg, const std::string& tile_m,
                  const std::string& tile_n, const std::string& params, const std::string& body,
                  const std::string& threads = "", const std::string& smem = "") {
    // Launch bounds always with both arguments (see common.cuh).
    const std::string c = "Cfg_" + name;
    const std::string th = threads.empty() ? c + "::kThreads" : threads;
    const std::string sm = smem.empty() ? c + "::kSmemBytes" : smem;
    const std::string bounds = threads.empty() ? th + ", " + c + "::kMinBlocks" : th + ", 1";
    unit.source += "using " + c + " = " + cfg + ";\n";
    unit.source +=
        "AOTC_TEST_INFO(" + name + ", " + th + ", " + sm + ", " + tile_m + ", " + tile_n + ")\n";
    unit.source += "extern \"C\" __global__ void __launch_bounds__(" + bounds + ") " + name + "(" +
                   params + ") {\n  " + body + "\n}\n";
    unit.kernels.push_back(name);
    return *this;
  }
};

const char* kGemmAsserts = "static_assert(sizeof(GemmParams) == 96, \"host mirror layout\");\n";
const char* kAttnAsserts =
    "static_assert(sizeof(AttentionParams) == 184, \"host mirror layout\");\n"
    "static_assert(sizeof(StridedAttentionOutput<float>) == 40, \"host mirror layout\");\n"
    "struct DenseMask { const float* m; int64_t ld;\n"
    "  __device__ float operator()(int64_t, int64_t, int64_t i, int64_t j) const { return m[i * ld "
    "+ j]; } };\n";

KernelUnit simt_gemm(const std::string& name, const std::string& cfg, const std::string& ta,
                     const std::string& tb, const std::string& epi) {
  Builder b(name, "gemm_simt", {"gemm_simt.cuh"});
  b.code(kGemmAsserts);
  b.kernel(name, cfg, "Cfg_" + name + "::kBM", "Cfg_" + name + "::kBN", "GemmParams p, EpiArgs e",
           "gemm_simt<Cfg_" + name + ", " + ta + ", " + tb + ">(p, " + epi + "{e});");
  return b.unit;
}

KernelUnit tc_gemm(const std::string& name, const std::string& cfg, const std::string& epi) {
  Builder b(name, "gemm_tc", {"gemm_tc.cuh"});
  b.code(kGemmAsserts);
  b.kernel(name, cfg, "Cfg_" + name + "::kBM", "Cfg_" + name + "::kBN", "GemmParams p, EpiArgs e",
           "gemm_tc<Cfg_" + name + ">(p, " + epi + "{e});");
  return b.unit;
}

// Linear layers with split-K; the epilogue's activation, bias and residual are
// chosen at run time here (a generator specializes them).
KernelUnit simt_linear(const std::string& name, const std::string& cfg) {
  Builder b(name, "gemm_simt", {"gemm_simt.cuh"});
  b.code(kGemmAsserts);
  b.code(R"cuda(
static_assert(sizeof(SplitK) == 24, "host mirror layout");
struct EpiRt {
  EpiArgs a;
  int64_t act;
  __device__ void operator()(int64_t b, int64_t m, int64_t n, float acc) const {
    float v = acc;
    if (a.bias) v += static_cast<const float*>(a.bias)[n];
    switch (act) {
      case kRelu: v = aotc_relu(v); break;
      case kSigmoid: v = aotc_sigmoid(v); break;
      case kGeluTanh: v = aotc_gelu_tanh(v); break;
      default: break;
    }
    if (a.residual) v += static_cast<const float*>(a.residual)[m * a.res_sm + n];
    static_cast<float*>(a.out)[b * a.out_sb + m * a.out_sm + n * a.out_sn] = v;
  }
};
)cuda");
  b.kernel(name, cfg, "Cfg_" + name + "::kBM", "Cfg_" + name + "::kBN",
           "GemmParams p, EpiArgs e, int64_t act, SplitK split",
           "gemm_simt_linear<Cfg_" + name + ">(p, EpiRt{e, act}, split);");
  return b.unit;
}

KernelUnit attention(const std::string& name, const std::string& fn, const std::string& cfg,
                     const std::string& out_type, bool masked) {
  Builder b(name, "attention", {"attention.cuh"});
  b.code(kAttnAsserts);
  const std::string params = "AttentionParams p, StridedAttentionOutput<" + out_type + "> o" +
                             std::string(masked ? ", const float* mask, int64_t mask_ld" : "");
  const std::string body =
      fn + "<Cfg_" + name + ">(p, o" + (masked ? ", DenseMask{mask, mask_ld});" : ");");
  b.kernel(name, cfg, "Cfg_" + name + "::kRows", "0", params, body);
  return b.unit;
}

constexpr const char* kRowParams =
    "int64_t rows, int64_t n, const float* x, int64_t ldx, float* y, int64_t ldy";
constexpr const char* kStridedIO =
    "StridedRowLoader<float>{x, ldx, 1}, StridedRowStorer<float>{y, ldy, 1}";
constexpr const char* kVecIO = "ContiguousRowLoader4{x, ldx}, ContiguousRowStorer4{y, ldy}";

KernelUnit rowop(const std::string& name, const std::string& fn, const std::string& cfg, bool vec) {
  Builder b(name, "rowops", {"rowops.cuh"});
  b.kernel(name, cfg, "Cfg_" + name + "::kRowsPerBlock", "0", kRowParams,
           fn + "<Cfg_" + name + ">(rows, n, " + (vec ? kVecIO : kStridedIO) + ");");
  return b.unit;
}

KernelUnit layer_norm(const std::string& name, const std::string& cfg, bool vec) {
  Builder b(name, "rowops", {"rowops.cuh"});
  b.kernel(name, cfg, "Cfg_" + name + "::kRowsPerBlock", "0",
           std::string(kRowParams) + ", const float* w, const float* bias, float eps",
           "layer_norm_rows<Cfg_" + name + ", float>(rows, n, " + (vec ? kVecIO : kStridedIO) +
               ", w, bias, eps);");
  return b.unit;
}

KernelUnit row_reductions() {
  Builder b("row_reductions", "rowops", {"rowops.cuh"});
  const char* kinds[][2] = {{"reduce_sum", "kSum"}, {"reduce_mean", "kMean"},
                            {"reduce_max", "kMax"}, {"reduce_min", "kMin"},
                            {"reduce_var", "kVar"}, {"reduce_std", "kStd"}};
  for (const auto& k : kinds) {
    const std::string name = k[0];
    b.kernel(name, "RowWarpWide", "Cfg_" + name + "::kRowsPerBlock", "0",
             "int64_t rows, int64_t n, const float* x, int64_t ldx, float* y, int64_t correction",
             std::string("reduce_rows<Cfg_") + name + ", RowReduction::" + k[1] +
                 ">(rows, n, StridedRowLoader<float>{x, ldx, 1}, StridedRowStorer<float>{y, 1, 0}, "
                 "correction);");
  }
  return b.unit;
}

KernelUnit elementwise_f32() {
  Builder b("elementwise_f32", "elementwise", {});
  b.code(R"cuda(
template <int kAct>
struct ActBody {
  const float* x;
  float* y;
  __device__ void operator()(int64_t i) const { y[i] = act<kAct>(x[i]); }
  __device__ void vec(int64_t i) const {
    float4 v = load_float4(x + i);
    v.x = act<kAct>(v.x); v.y = act<kAct>(v.y); v.z = act<kAct>(v.z); v.w = act<kAct>(v.w);
    store_float4(y + i, v);
  }
};
)cuda");
  const char* acts[][2] = {{"ew_relu", "kRelu"},          {"ew_sigmoid", "kSigmoid"},
                           {"ew_silu", "kSilu"},          {"ew_gelu", "kGelu"},
                           {"ew_gelu_tanh", "kGeluTanh"}, {"ew_hardswish", "kHardswish"},
                           {"ew_mish", "kMish"},          {"ew_softplus", "kSoftplus"}};
  for (const auto& a : acts) {
    b.kernel(a[0], std::string("ActBody<") + a[1] + ">", "4", "0",
             "int64_t n, const float* x, float* y",
             std::string("for_each_index_vec<4>(n, ActBody<") + a[1] + ">{x, y});", "256", "0");
  }
  return b.unit;
}

KernelUnit elementwise_bf16() {
  Builder b("elementwise_bf16", "elementwise", {});
  b.code(R"cuda(
struct SiluBf16 {
  const bf16* x;
  bf16* y;
  __device__ void operator()(int64_t i) const { y[i] = from_float<bf16>(aotc_silu(to_float(x[i]))); }
  __device__ void vec(int64_t i) const {
    float v[8];
    load8_to_float(x + i, v);
#pragma unroll
    for (int j = 0; j < 8; ++j) v[j] = aotc_silu(v[j]);
    store8_from_float(y + i, v);
  }
};
)cuda");
  b.kernel("ew_silu_bf16", "SiluBf16", "8", "0", "int64_t n, const bf16* x, bf16* y",
           "for_each_index_vec<8>(n, SiluBf16{x, y});", "256", "0");
  return b.unit;
}

KernelUnit conv(const std::string& name, const std::string& cfg, bool channels_inner) {
  Builder b(name, "conv", {"conv.cuh"});
  b.code(R"cuda(
static_assert(sizeof(Conv2dParams) == 208, "host mirror layout");
struct ConvBiasRelu {
  float* out; const float* bias; int64_t sn, sc, sh, sw;
  __device__ void operator()(int64_t n, int64_t oc, int64_t oh, int64_t ow, float acc) const {
    out[n * sn + oc * sc + oh * sh + ow * sw] = aotc_relu(acc + bias[oc]);
  }
};
)cuda");
  b.kernel(name, cfg, "Cfg_" + name + "::kBM", "Cfg_" + name + "::kBN",
           "Conv2dParams p, float* out, const float* bias, int64_t sn, int64_t sc, int64_t sh, "
           "int64_t sw",
           "conv2d_simt<Cfg_" + name + ", float, " + (channels_inner ? "true" : "false") +
               ">(p, ConvBiasRelu{out, bias, sn, sc, sh, sw});");
  return b.unit;
}

/// The bias + ReLU epilogue of the conv2d_nchw and Winograd units (their
/// shared epilogue contract), storing through NCHW strides.
const char* const kConvBiasRelu = R"cuda(
struct ConvNchwBiasRelu {
  float* out; const float* bias; int64_t sn, sc, sh, sw;
  __device__ void operator()(int64_t n, int64_t oc, int64_t oh, int64_t ow, float acc) const {
    out[n * sn + oc * sc + oh * sh + ow * sw] = aotc_relu(acc + bias[oc]);
  }
};
)cuda";

/// conv2d_nchw: the filter geometry is compiled in (as the generator does),
/// with split-K; channel_blocks: the (channel block, tap, channel) reduction
/// order (the generator's choice when C is a multiple of 16).
KernelUnit conv_nchw(const std::string& name, const std::string& cfg, const std::string& geometry,
                     bool channel_blocks = false) {
  Builder b(name, "conv", {"conv.cuh"});
  b.code(kConvBiasRelu);
  b.kernel(name, cfg, "Cfg_" + name + "::kBM", "Cfg_" + name + "::kBN",
           "Conv2dParams p, float* out, const float* bias, int64_t sn, int64_t sc, int64_t sh, "
           "int64_t sw, SplitK split",
           "conv2d_nchw<Cfg_" + name + ", ConvGeometry<" + geometry +
               ">, float" + (channel_blocks ? ", true" : "") +
               ">(p, ConvNchwBiasRelu{out, bias, sn, sc, sh, sw}, split);");
  return b.unit;
}

/// Winograd F(2x2, 3x3) (winograd.cuh): the fused convolution with the same
/// bias + ReLU epilogue as conv_nchw, reading the transformed weight U, and
/// the filter transform that writes U (256 threads, grid-stride). Tile sizes
/// in the info constant: tile_m = Winograd tiles (2x2 outputs) per block,
/// tile_n = output channels per block.
KernelUnit conv_winograd(const std::string& name, const std::string& cfg,
                         const std::string& geometry) {
  Builder b(name, "conv", {"winograd.cuh"});
  b.code(kConvBiasRelu);
  b.kernel(name, cfg, "Cfg_" + name + "::kBP", "Cfg_" + name + "::kBK",
           "Conv2dParams p, float* out, const float* bias, int64_t sn, int64_t sc, int64_t sh, "
           "int64_t sw",
           "conv2d_winograd_f2x3<Cfg_" + name + ", ConvGeometry<" + geometry +
               ">>(p, ConvNchwBiasRelu{out, bias, sn, sc, sh, sw});");
  const std::string ft = name + "_filter";
  b.kernel(ft, cfg, "0", "0", "const float* w, float* u, int64_t out_c, int64_t in_c",
           "winograd_f2x3_filter_transform(w, u, out_c, in_c);", "256", "0");
  return b.unit;
}

std::vector<KernelUnit> build_units() {
  std::vector<KernelUnit> u;
  // float32 SIMT GEMM: MLP (bias+relu, bias+sigmoid), transformer linears
  // (bias, bias+gelu_tanh, bias+residual), big, transposed operands, bf16 inputs.
  u.push_back(simt_gemm("simt_tiny_bias_relu", "SimtGemmTiny", "float", "float",
                        "Epi<float, kRelu, true, false>"));
  u.push_back(simt_gemm("simt_small_bias_relu", "SimtGemmSmall", "float", "float",
                        "Epi<float, kRelu, true, false>"));
  u.push_back(simt_gemm("simt_narrow_bias_sigmoid", "SimtGemmNarrowN", "float", "float",
                        "Epi<float, kSigmoid, true, false>"));
  u.push_back(simt_gemm("simt_wide_bias", "SimtGemmWide", "float", "float",
                        "Epi<float, kIdentity, true, false>"));
  u.push_back(simt_gemm("simt_wide_bias_gelu_tanh", "SimtGemmWide", "float", "float",
                        "Epi<float, kGeluTanh, true, false>"));
  u.push_back(simt_gemm("simt_wide_bias_residual", "SimtGemmWide", "float", "float",
                        "Epi<float, kIdentity, true, true>"));
  u.push_back(simt_gemm("simt_medium_bias", "SimtGemmMedium", "float", "float",
                        "Epi<float, kIdentity, true, false>"));
  u.push_back(simt_gemm("simt_large_store", "SimtGemmLarge", "float", "float",
                        "Epi<float, kIdentity, false, false>"));
  u.push_back(simt_gemm("simt_small_mn_store", "SimtGemmConfig<32, 32, 16, 2, 4, false, false>",
                        "float", "float", "Epi<float, kIdentity, false, false>"));
  u.push_back(simt_gemm("simt_tiny_bf16_bias_silu", "SimtGemmTiny", "bf16", "bf16",
                        "Epi<bf16, kSilu, true, false>"));
  u.push_back(simt_linear("linear_small", "SimtLinearSmall"));
  u.push_back(simt_linear("linear_wide", "SimtLinearWide"));
  u.push_back(simt_linear("linear_medium", "SimtLinearMedium"));
  // K split between thread groups inside the block.
  u.push_back(simt_linear("linear_narrow_k", "SimtLinearNarrowK"));
  u.push_back(simt_linear("linear_wide_split", "SimtLinearWideSplit"));
  u.push_back(simt_linear("linear_narrow_k_any", "SimtLinearConfig<16, 32, 64, 2, 4, 3, false, 2>"));
  u.push_back(simt_linear("linear_g4_8x4", "SimtLinearConfig<32, 64, 32, 8, 4, 4, true, 4>"));
  // Tile shapes measured against the presets (kernel check --filter gptm).
  u.push_back(simt_linear("linear_t16x32", "SimtLinearConfig<16, 32, 32, 2, 4, 4>"));
  u.push_back(simt_linear("linear_t32x32", "SimtLinearConfig<32, 32, 32, 2, 4, 4>"));
  u.push_back(simt_linear("linear_t16x64k16", "SimtLinearConfig<16, 64, 16, 2, 4, 6>"));
  u.push_back(simt_linear("linear_small_any", "SimtLinearConfig<16, 64, 32, 2, 4, 4, false>"));

  // Tensor-core GEMM: the bf16 SiLU MLP, transformer, big, layouts, alignment, tf32.
  u.push_back(
      tc_gemm("tc_small_bf16_bias_silu", "TcGemmSmall<bf16>", "Epi<bf16, kSilu, true, false>"));
  u.push_back(
      tc_gemm("tc_small_bf16_bias", "TcGemmSmall<bf16>", "Epi<bf16, kIdentity, true, false>"));
  u.push_back(
      tc_gemm("tc_medium_bf16_bias", "TcGemmMedium<bf16>", "Epi<bf16, kIdentity, true, false>"));
  u.push_back(
      tc_gemm("tc_medium_bf16_store", "TcGemmMedium<bf16>", "Epi<bf16, kIdentity, false, false>"));
  u.push_back(tc_gemm("tc_medium_k32_bf16_store", "TcGemmMediumK32<bf16>",
                      "Epi<bf16, kIdentity, false, false>"));
  u.push_back(
      tc_gemm("tc_large_bf16_store", "TcGemmLarge<bf16>", "Epi<bf16, kIdentity, false, false>"));
  u.push_back(tc_gemm("tc_large_sm90_bf16_store", "TcGemmLargeSm90<bf16>",
                      "Epi<bf16, kIdentity, false, false>"));
  u.push_back(tc_gemm("tc_medium_f16_mn_f32out", "TcGemmMedium<fp16, kMNMajor, kMNMajor>",
                      "Epi<float, kIdentity, false, false>"));
  u.push_back(tc_gemm("tc_small_bf16_align1_f32out", "TcGemmSmall<bf16, kKMajor, kKMajor, 1, 1>",
                      "Epi<float, kIdentity, false, false>"));
  u.push_back(tc_gemm("tc_tf32_store", "TcGemmTf32<>", "Epi<float, kIdentity, false, false>"));
  u.push_back(tc_gemm("tc_tf32_mn_store", "TcGemmTf32<kMNMajor, kMNMajor>",
                      "Epi<float, kIdentity, false, false>"));

  // Attention: float32 SIMT and bf16/fp16 tensor cores; masks; head dims 64, 128, 96 (generic).
  u.push_back(attention("attn_simt_e64", "attention_simt", "AttnSimtE64", "float", false));
  u.push_back(attention("attn_simt_e64_mask", "attention_simt", "AttnSimtE64", "float", true));
  u.push_back(attention("attn_simt_e128", "attention_simt", "AttnSimtE128", "float", false));
  u.push_back(attention("attn_keys_e64", "attention_simt_keys", "AttnSimtKeysE64", "float", false));
  u.push_back(attention("attn_keys_e64_mask", "attention_simt_keys", "AttnSimtKeysE64", "float", true));
  u.push_back(attention("attn_keys_e128", "attention_simt_keys", "AttnSimtKeysE128", "float", false));
  // Two stages and 32-key slices: the template's other paths.
  u.push_back(attention("attn_keys_e64_w4k32s2", "attention_simt_keys", "AttnSimtKeysConfig<64, 64, 4, 32, 2>",
                        "float", false));
  u.push_back(attention("attn_simt_e96_any", "attention_simt",
                        "AttnSimtConfig<96, 96, 16, 64, false>", "float", false));
  u.push_back(attention("attn_tc_e64_bf16", "attention_tc", "AttnTcE64<bf16>", "bf16", false));
  u.push_back(
      attention("attn_tc_e64s_bf16", "attention_tc", "AttnTcE64Short<bf16>", "bf16", false));
  u.push_back(attention("attn_tc_e64_bf16_mask", "attention_tc", "AttnTcE64<bf16>", "bf16", true));
  u.push_back(attention("attn_tc_e128_f16", "attention_tc", "AttnTcE128<fp16>", "fp16", false));
  u.push_back(attention("attn_tc_e96_bf16", "attention_tc",
                        "AttnTcConfig<bf16, 96, 96, 64, 64, true>", "bf16", false));

  // Row ops.
  u.push_back(rowop("softmax_tiny", "softmax_rows", "RowTiny", false));
  u.push_back(rowop("softmax_warp_vec", "softmax_rows", "RowWarp", true));
  u.push_back(rowop("softmax_warpwide", "softmax_rows", "RowWarpWide", false));
  u.push_back(rowop("softmax_block", "softmax_rows", "RowBlock", false));
  u.push_back(rowop("softmax_blockwide_vec", "softmax_rows", "RowBlockWide", true));
  u.push_back(rowop("log_softmax_tiny", "log_softmax_rows", "RowTiny", false));
  u.push_back(layer_norm("layer_norm_warp_vec", "RowWarp", true));
  u.push_back(layer_norm("layer_norm_block", "RowBlock", false));
  u.push_back(row_reductions());

  // Pointwise.
  u.push_back(elementwise_f32());
  u.push_back(elementwise_bf16());

  // Convolution (implicit GEMM).
  u.push_back(conv("conv_nchw_bias_relu", "ConvSimtNchw", false));
  u.push_back(conv("conv_nhwc_bias_relu", "ConvSimtNhwc", true));
  u.push_back(conv_nchw("conv_fast_3x3_small", "ConvNchwSmall", "3, 3, 1, 1, 1, 1, 1, 1"));
  u.push_back(conv_nchw("conv_fast_3x3_medium", "ConvNchwMedium", "3, 3, 1, 1, 1, 1, 1, 1"));
  u.push_back(conv_nchw("conv_fast_3x3s2_small", "ConvNchwSmall", "3, 3, 2, 2, 1, 1, 1, 1"));
  u.push_back(conv_nchw("conv_fast_7x7s2_medium", "ConvNchwMedium", "7, 7, 2, 2, 3, 3, 1, 1"));
  u.push_back(conv_nchw("conv_fast_3x3_tall", "ConvNchwMediumTall", "3, 3, 1, 1, 1, 1, 1, 1"));
  u.push_back(conv_nchw("conv_fast_1x1s2_small", "ConvNchwSmall", "1, 1, 2, 2, 0, 0, 1, 1"));
  u.push_back(conv_nchw("conv_fast_cb_3x3_small", "ConvNchwSmall", "3, 3, 1, 1, 1, 1, 1, 1", true));
  u.push_back(conv_nchw("conv_fast_cb_3x3_medium", "ConvNchwMedium", "3, 3, 1, 1, 1, 1, 1, 1", true));
  u.push_back(conv_nchw("conv_fast_cb_3x3s2_small", "ConvNchwSmall", "3, 3, 2, 2, 1, 1, 1, 1", true));
  u.push_back(conv_nchw("conv_fast_cb_1x1s2_small", "ConvNchwSmall", "1, 1, 2, 2, 0, 0, 1, 1", true));
  u.push_back(conv_nchw("conv_fast_cb_3x3_tall", "ConvNchwMediumTall", "3, 3, 1, 1, 1, 1, 1, 1", true));
  // Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (pad 1, as in ResNet).
  u.push_back(conv_winograd("conv_wino_3x3_bias_relu", "WinogradF2x3Medium", "3, 3, 1, 1, 1, 1, 1, 1"));
  return u;
}

}  // namespace

const std::vector<KernelUnit>& kernel_units() {
  static const std::vector<KernelUnit> units = build_units();
  return units;
}

}  // namespace aotc::cuda_test

// Every fixture compiles for the CUDA target on this GPU-less machine (NVRTC
// in-process): the package says cuda, lists its archs and kernel choices, and
// the same input compiles to a byte-identical package.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "E2eSupport.h"
#include "Npy.h"
#include "aotc/runtime.hpp"
#include "codegen/Compiler.h"
#include "codegen/templates/common/aotc_launch.h"

using namespace aotc;
using namespace aotc::e2e;

namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

/// How many times `what` occurs in `text`.
size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

void check_cuda_package(const std::string& model) {
  auto package = compiled_fixture(model, "cuda");
  auto manifest = nlohmann::json::parse(aotc::read_package_manifest(package.string()));
  REQUIRE(manifest["models"].size() == 1);
  const auto& m = manifest["models"][0];
  CHECK(m["name"] == "model");
  CHECK(m["target"] == "cuda");
  CHECK(m["archs"] == nlohmann::json::array({"sm_80", "sm_90"}));
  REQUIRE(m["kernels"].size() > 0);
  for (const auto& k : m["kernels"]) CHECK_FALSE(k["kernel"].get<std::string>().empty());
}

}  // namespace

TEST_CASE("cuda compile: mlp") { check_cuda_package("mlp"); }
TEST_CASE("cuda compile: mlp_core_aten") { check_cuda_package("mlp_core_aten"); }
TEST_CASE("cuda compile: silu_mlp_bf16") { check_cuda_package("silu_mlp_bf16"); }
TEST_CASE("cuda compile: small_cnn") { check_cuda_package("small_cnn"); }
TEST_CASE("cuda compile: gpt_block") { check_cuda_package("gpt_block"); }
TEST_CASE("cuda compile: resnet18") { check_cuda_package("resnet18"); }

TEST_CASE("cuda compile: the same model twice gives a byte-identical package") {
  auto first = compiled_fixture("mlp", "cuda");
  std::filesystem::create_directories(scratch_dir() / "again_cuda");
  auto second = scratch_dir() / "again_cuda" / first.filename();
  codegen::CompileOptions o;
  o.target = "cuda";
  auto r = codegen::compile_package(testing::fixture("mlp/model.pt2"), second, o);
  REQUIRE(r.has_value());
  bool identical = read_text(first) == read_text(second);
  CHECK(identical);
}

TEST_CASE("cuda compile: a cuda package on a host without a GPU is refused clearly") {
  auto package = compiled_fixture("mlp", "cuda");
  try {
    aotc::Model::load(package.string());
    // A GPU is present: nothing to check here (the GPU tests cover it).
  } catch (const aotc::RuntimeError& e) {
    std::string msg = e.what();
    INFO(msg);
    CHECK((msg.find("CUDA") != std::string::npos || msg.find("cuda") != std::string::npos));
  }
}

TEST_CASE("cuda compile: an arch below sm_80 is refused with the reason") {
  codegen::CompileOptions o;
  o.target = "cuda";
  o.archs = {"sm_75"};
  auto r = codegen::compile_package(testing::fixture("mlp/model.pt2"), scratch_dir() / "old.pt2", o);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("sm_80") != std::string::npos);
}

// ---- kernel selection: what the heuristics pick for each kind of node --------------

namespace {

// node -> "kernel" of a CUDA package's manifest.
std::map<std::string, std::string> kernels_of(const std::filesystem::path& package) {
  auto manifest = nlohmann::json::parse(aotc::read_package_manifest(package.string()));
  std::map<std::string, std::string> out;
  for (const auto& k : manifest["models"][0]["kernels"]) out[k["node"]] = k["kernel"];
  return out;
}

// node -> "kernel" of `graph` compiled for sm_90 into scratch_dir() / name.pt2.
std::map<std::string, std::string> kernels_of(Graph& graph, const std::string& name) {
  codegen::CompileOptions o;
  o.target = "cuda";
  o.archs = {"sm_90"};
  const auto package = scratch_dir() / (name + ".pt2");
  auto r = codegen::compile_graph(graph, package, o);
  if (!r) FAIL(r.error().message);
  return kernels_of(package);
}

}  // namespace

TEST_CASE("cuda selection: float32 GEMMs stay on full-precision SIMT kernels, fused with their epilogues") {
  auto mlp = kernels_of(compiled_fixture("mlp", "cuda"));
  // fc1 + relu: one GEMM with the activation in its epilogue; K = 10 is not a
  // multiple of 4, so the unaligned (scalar-load) variant, small and medium by M.
  CHECK(mlp["linear+relu"] == "gemm_simt_linear<SimtLinearNarrow, unaligned> | gemm_simt_linear<SimtLinearMedium, "
                              "unaligned> | gemm_simt_linear<SimtLinearSquare, unaligned>");
  // fc2 has N = 1: narrow-N tiles, sigmoid fused.
  CHECK(mlp["linear_1+sigmoid"] == "gemm_simt<SimtGemmNarrowN>");
  CHECK(mlp.size() == 2);  // nothing else: no separate activation kernels

  auto gpt = kernels_of(compiled_fixture("gpt_block", "cuda"));
  // The sequence length is symbolic (2..512): all three tile shapes, picked at run time.
  // The qkv and fc linears have the layer norms before them folded in.
  CHECK(gpt["layer_norm+linear"] == "gemm_simt_linear<SimtLinearNarrowK> | gemm_simt_linear<SimtLinearWideSplit> | "
                                    "gemm_simt_linear<SimtLinearMedium>");
  CHECK(gpt.count("linear_1+add") == 1);                // residual add in the projection's epilogue
  CHECK(gpt.count("layer_norm_1+linear_2+gelu") == 1);  // gelu(tanh) in the MLP's first GEMM
  CHECK(gpt.count("linear_3+add_1") == 1);
}

TEST_CASE("cuda selection: float32 linears take the tile shape measured fastest for their size") {
  // H200 and H100, gpt_block's linears (aotc_launch.h): 16x32 tiles up to
  // M = 128 and wherever 64x64 tiles, split-K included, would give fewer
  // than half the SMs a block; else 32x64 tiles with K split in the block
  // where 64x64 tiles alone cover fewer than half the SMs, else 64x64.
  using aotc_launch::linear_medium_tiles;
  using aotc_launch::linear_split_tiles;
  CHECK(aotc_launch::kLinearNarrowMaxM == 128);
  CHECK(linear_medium_tiles(512, 768, 256, 132));     // qkv: 96 tiles
  CHECK(linear_medium_tiles(512, 1024, 256, 132));    // fc: 128 tiles
  CHECK(linear_medium_tiles(512, 256, 1024, 132));    // out: 32 tiles x 4 shares of K
  CHECK_FALSE(linear_medium_tiles(512, 256, 256, 132));  // proj: 32 tiles x 2 shares
  CHECK_FALSE(linear_split_tiles(512, 768, 132));     // qkv: 96 tiles of 64x64
  CHECK_FALSE(linear_split_tiles(512, 1024, 132));    // fc: 128
  CHECK(linear_split_tiles(512, 256, 132));           // out: 32
  CHECK(linear_split_tiles(200, 768, 132));           // qkv at M = 200: 48
  CHECK(linear_medium_tiles(200, 768, 256, 132));     //   (96 blocks with 2 shares of K)
  // resnet18's classifier (K 512) at batch 1-32: the narrow tiles with K
  // split in the block, never 32x32.
  auto resnet = kernels_of(compiled_fixture("resnet18", "cuda"));
  CHECK(resnet["linear"].find("gemm_simt_linear<SimtLinearNarrowK>") == 0);
  CHECK(resnet["linear"].find("SimtLinearSquare") == std::string::npos);

  codegen::CompileOptions o;
  o.target = "cuda";
  o.archs = {"sm_90"};
  o.dump_dir = scratch_dir() / "dump_gpt_tiles";
  auto r = codegen::compile_package(testing::fixture("gpt_block/model.pt2"), scratch_dir() / "gpt_tiles.pt2", o);
  REQUIRE(r.has_value());
  const std::string wrapper = read_text(*o.dump_dir / "wrapper.cpp");
  CHECK(count_of(wrapper, "if (m_ <= 128 || !aotc_launch::linear_medium_tiles(m_, n_, k_, s->sms)) {") == 4);
  CHECK(count_of(wrapper, "if (aotc_launch::linear_split_tiles(m_, n_, s->sms)) {") == 4);
  // The device code instantiates each preset's config with its thread groups.
  const std::string device = read_text(*o.dump_dir / "device.cu");
  CHECK(count_of(device, "SimtLinearConfig<16, 32, 64, 2, 4, 3, true, 2>") == 4);
  CHECK(count_of(device, "SimtLinearConfig<32, 64, 32, 4, 4, 4, true, 2>") == 4);

  // Static sizes decide at compile time: the same linear at M = 16, 200, 512.
  struct Case {
    int64_t m, n, k;
    const char* kernel;
  };
  for (const Case c : {Case{16, 768, 256, "gemm_simt_linear<SimtLinearNarrowK>"},
                       Case{512, 256, 256, "gemm_simt_linear<SimtLinearNarrowK>"},
                       Case{200, 768, 256, "gemm_simt_linear<SimtLinearWideSplit>"},
                       Case{512, 256, 1024, "gemm_simt_linear<SimtLinearWideSplit>"},
                       Case{512, 1024, 256, "gemm_simt_linear<SimtLinearMedium>"},
                       Case{512, 16, 10, "gemm_simt_linear<SimtLinearSquare, unaligned>"},
                       Case{16, 16, 12, "gemm_simt_linear<SimtLinearNarrow>"}}) {
    const std::string name =
        "linear_" + std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.k);
    INFO(name);
    CHECK(kernels_of(*linear_graph(c.m, c.n, c.k), name)["linear"] == c.kernel);
  }
}

TEST_CASE("cuda selection: float32 attention splits the keys over warps for head dims 64 and 128") {
  struct Case {
    int64_t heads, kv_heads, e;
    const char* kernel;
  };
  for (const Case c : {Case{4, 4, 64, "attention_simt_keys<AttnSimtKeysE64>"},
                       Case{8, 2, 128, "attention_simt_keys<AttnSimtKeysE128>"},
                       Case{2, 2, 80, "attention_simt<AttnSimt<80, 96>>"},
                       Case{2, 2, 32, "attention_simt<AttnSimt<32, 32>>"}}) {
    auto graph = attention_graph(c.heads, c.kv_heads, c.e, true);
    CHECK(kernels_of(*graph, "attention_e" + std::to_string(c.e))["scaled_dot_product_attention"] == c.kernel);
  }
}

TEST_CASE("cuda selection: attention, rows, convolution and 16-bit GEMMs") {
  auto gpt = kernels_of(compiled_fixture("gpt_block", "cuda"));
  // Head dim 64, float32, 16-byte loads: the block's warps split the keys.
  CHECK(gpt["scaled_dot_product_attention"] == "attention_simt_keys<AttnSimtKeysE64>");
  // Both layer norms are folded into the linears after them
  // (test_cuda_layer_norm_fold.cpp); log_softmax below is the row kernel.
  CHECK(gpt.count("layer_norm") == 0);
  CHECK(gpt["layer_norm+linear"].find("gemm_simt_linear<SimtLinearNarrowK>") == 0);
  auto cnn = kernels_of(compiled_fixture("small_cnn", "cuda"));
  // Batch norm folded into the convolution at compile time; relu in its
  // epilogue; aotc's implicit GEMM with 64x32 tiles (16 and 32 output
  // channels). Float32 on FMA units: cuDNN only on request.
  CHECK(cnn["conv2d+relu"] == "conv2d_nchw<ConvNchwSmall>");
  CHECK(cnn["conv2d_1+relu_1"] == "conv2d_nchw<ConvNchwSmall>");
  for (const auto& [node, kernel] : cnn) CHECK(node.find("batch_norm") == std::string::npos);
  CHECK(cnn["log_softmax"] == "aotc::cuda::log_softmax_rows<RowTiny>");  // rows of 10
  auto bf16 = kernels_of(compiled_fixture("silu_mlp_bf16", "cuda"));
  CHECK(bf16["linear+silu"] == "gemm_tc<TcGemmSmall> | gemm_tc<TcGemmMedium>");  // tensor cores
}

TEST_CASE("cuda selection: ResNet-18's convolutions take the tile size measured fastest for their shape") {
  // aotc_launch::conv_small_tiles against the H200 measurements behind it
  // (docs/cuda-kernels.md, "Convolution tiles"): 64x32 tiles for N <= 32,
  // for M <= 512, and where 64x64 tiles (with split-K) leave SMs idle.
  using aotc_launch::conv_small_tiles;
  CHECK(conv_small_tiles(2048, 16, 27, 132));          // small_cnn: 16 output channels
  CHECK_FALSE(conv_small_tiles(6272, 64, 576, 132));   // ResNet-18 layer1 3x3, batch 2: 98 tiles x 4 shares
  CHECK_FALSE(conv_small_tiles(1568, 128, 1152, 132)); // layer2 3x3
  CHECK(conv_small_tiles(392, 256, 2304, 132));        // layer3: 7 rows of tiles
  CHECK(conv_small_tiles(98, 512, 4608, 132));         // layer4
  CHECK(conv_small_tiles(1568, 128, 64, 132));         // 1x1 downsample, K = 64: 50 blocks of 64x64
  CHECK_FALSE(conv_small_tiles(1568, 512, 256, 132));  // the same at batch 32: 200 blocks
  CHECK_FALSE(conv_small_tiles(25088, 64, 147, 132));  // the 7x7 stem
  // 8x4 per thread (ConvNchwMediumTall) from two waves of 64x64 tiles with a
  // long K: what autotune picked for ResNet-18's 3x3 convolutions at batch
  // 32 on an H200, and not at batch 2.
  using aotc_launch::conv_tall_tiles;
  CHECK(conv_tall_tiles(100352, 64, 576, 132));        // layer1 3x3, batch 32: 1568 tiles
  CHECK(conv_tall_tiles(25088, 128, 1152, 132));       // layer2 3x3, batch 32
  CHECK(conv_tall_tiles(6272, 256, 2304, 132));        // layer3 3x3, batch 32: 392 tiles
  CHECK_FALSE(conv_tall_tiles(25088, 128, 64, 132));   // 1x1 downsample, batch 32: short K
  CHECK_FALSE(conv_tall_tiles(6272, 64, 576, 132));    // layer1 3x3, batch 2: 98 tiles
  CHECK_FALSE(conv_tall_tiles(401408, 64, 147, 132));  // the stem, batch 32: short K
  CHECK(aotc_launch::conv_blocks(6272, 64, 576, 64, 64, 16, 132) == 98 * 4);
  // Winograd F(2x2, 3x3) where its 32 x 32 blocks cover a third of the SMs:
  // autotune on an H200 picked it at batch 32 on every 3x3 layer and at
  // batch 2 on layers 1 and 2 (98 and 52 blocks), not on layers 3 and 4.
  using aotc_launch::winograd_pays;
  CHECK(winograd_pays(64, 2 * 28 * 28, 132));         // layer1, batch 2: 2 x 49 blocks
  CHECK(winograd_pays(128, 2 * 14 * 14, 132));        // layer2, batch 2: 4 x 13
  CHECK_FALSE(winograd_pays(256, 2 * 7 * 7, 132));    // layer3, batch 2: 8 x 4
  CHECK_FALSE(winograd_pays(512, 2 * 4 * 4, 132));    // layer4, batch 2: 16 x 1
  CHECK(winograd_pays(512, 32 * 4 * 4, 132));         // layer4, batch 32: 16 x 16
  CHECK(winograd_pays(128, 32 * 14 * 14, 132));       // layer2, batch 32

  auto resnet = kernels_of(compiled_fixture("resnet18", "cuda"));
  size_t small = 0, medium = 0, winograd = 0, convs = 0;
  for (const auto& [node, kernel] : resnet) {
    if (node.rfind("conv2d", 0) != 0) continue;
    ++convs;
    small += kernel.find("conv2d_nchw<ConvNchwSmall>") != std::string::npos;
    medium += kernel.find("conv2d_nchw<ConvNchwMedium>") != std::string::npos;
    winograd += kernel == "conv2d_winograd_f2x3<WinogradF2x3Medium>";
  }
  CHECK(convs == 20);
  CHECK(small == 11);    // three 1x1 downsamples, layer3 and layer4
  CHECK(medium == 2);    // stem, layer2's stride-2 3x3
  CHECK(winograd == 7);  // layer1 and layer2's stride-1 3x3 (batch 2)
  CHECK(resnet["conv2d+relu_"] == "conv2d_nchw<ConvNchwMedium>");  // 3 input channels: no cuDNN
  CHECK(resnet["conv2d_1+relu__1"] == "conv2d_winograd_f2x3<WinogradF2x3Medium>");  // cuDNN on request only
  CHECK(resnet["conv2d_5+relu__5"] == "conv2d_nchw<ConvNchwMedium>");  // layer2, stride 2
}

TEST_CASE("cuda selection: convolutions over a multiple of 16 channels read them in blocks, the image stem does not") {
  codegen::CompileOptions o;
  o.target = "cuda";
  o.archs = {"sm_90"};
  o.dump_dir = scratch_dir() / "dump_resnet_blocks";
  auto r = codegen::compile_package(testing::fixture("resnet18/model.pt2"), scratch_dir() / "resnet_blocks.pt2", o);
  REQUIRE(r.has_value());
  std::string text = read_text(*o.dump_dir / "device.cu");
  auto count = [&](const std::string& what) { return count_of(text, what); };
  // 19 convolutions over 64-512 channels, of which layer1's and layer2's
  // 7 stride-1 3x3 take Winograd at batch 2; the 7x7 stem over 3 keeps the
  // weight's order.
  CHECK(count(", float, true>(cp, ") == 12);
  CHECK(count("ConvGeometry<7, 7, 2, 2, 3, 3, 1, 1>, float>(cp, ") == 1);
  // Winograd reads its U, made at load by one filter kernel per weight.
  CHECK(count("aotc::cuda::conv2d_winograd_f2x3<") == 7);
  const std::string wrapper = read_text(*o.dump_dir / "wrapper.cpp");
  CHECK(count_of(wrapper, "aotc_model::cuda_device_alloc(") == 7);
  CHECK(count_of(wrapper, "p.prepared = s->prepared[") == 7);
  // small_cnn's first convolution has 3 input channels, its second 16.
  o.dump_dir = scratch_dir() / "dump_cnn_blocks";
  r = codegen::compile_package(testing::fixture("small_cnn/model.pt2"), scratch_dir() / "cnn_blocks.pt2", o);
  REQUIRE(r.has_value());
  text = read_text(*o.dump_dir / "device.cu");
  CHECK(count(", float, true>(cp, ") == 1);
  CHECK(count(", float>(cp, ") == 1);
}

TEST_CASE("cuda selection: a convolution with a symbolic batch and 64 channels picks its tile size at run time") {
  // No fixture has one (small_cnn's have at most 32 output channels,
  // ResNet-18's batch is static): the program is built in code.
  auto graph = dynamic_conv_graph(64, 64);
  auto& g = *graph;
  codegen::CompileOptions o;
  o.target = "cuda";
  o.archs = {"sm_90"};
  o.dump_dir = scratch_dir() / "dump_dynamic_conv";
  const auto out = scratch_dir() / "dynamic_conv.pt2";
  auto r = codegen::compile_graph(g, out, o);  // host compile and NVRTC of all three variants
  REQUIRE(r.has_value());
  auto kernels = kernels_of(out);
  REQUIRE(kernels.size() >= 1);
  std::string conv_kernel;
  for (const auto& [node, kernel] : kernels)
    if (node.rfind("conv", 0) == 0) conv_kernel = kernel;
  CHECK(conv_kernel == "conv2d_nchw<ConvNchwSmall> / conv2d_nchw<ConvNchwMedium> / conv2d_nchw<ConvNchwMediumTall> / "
                       "conv2d_winograd_f2x3<WinogradF2x3Medium>");
  const std::string wrapper = read_text(*o.dump_dir / "wrapper.cpp");
  CHECK(wrapper.find("aotc_launch::winograd_pays(64, ") != std::string::npos);
  CHECK(wrapper.find("aotc_launch::conv_small_tiles(m_, ") != std::string::npos);
  CHECK(wrapper.find("aotc_launch::conv_tall_tiles(m_, ") != std::string::npos);
  CHECK(wrapper.find("default: {") != std::string::npos);
}

TEST_CASE("cuda selection: --allow-tf32 moves float32 GEMMs to tensor cores") {
  codegen::CompileOptions o;
  o.target = "cuda";
  o.archs = {"sm_90"};
  o.allow_tf32 = true;
  auto out = scratch_dir() / "gpt_tf32.pt2";
  auto r = codegen::compile_package(testing::fixture("gpt_block/model.pt2"), out, o);
  REQUIRE(r.has_value());
  auto gpt = kernels_of(out);
  // cuBLASLt's TF32 path first where the runtime finds it (test_cuda_cublaslt.cpp), else aotc's TF32 kernel.
  CHECK(gpt["linear"] == "cublaslt | gemm_tc<TcGemmTf32>");
  CHECK(gpt["linear_2+gelu"] == "cublaslt | gemm_tc<TcGemmTf32>");
}

TEST_CASE("cuda selection: convolutions call cuDNN with the precision asked for, and --no-cudnn keeps aotc's kernel") {
  auto wrapper_of = [](const std::string& name, bool tf32, bool cudnn) {
    codegen::CompileOptions o;
    o.target = "cuda";
    o.archs = {"sm_90"};
    o.allow_tf32 = tf32;
    o.use_cudnn = cudnn;
    o.dump_dir = scratch_dir() / ("dump_" + name);
    auto r = codegen::compile_package(testing::fixture("small_cnn/model.pt2"), scratch_dir() / (name + ".pt2"), o);
    REQUIRE(r.has_value());
    std::string text = read_text(*o.dump_dir / "wrapper.cpp");
    REQUIRE(!text.empty());
    return std::make_pair(text, kernels_of(scratch_dir() / (name + ".pt2")));
  };
  auto count = count_of;
  auto [fp32, fp32_kernels] = wrapper_of("cnn_fp32", false, true);
  // The second convolution, compiled in but off by default; the first has 3
  // input channels (no cuDNN on FMA units at all).
  CHECK(count(fp32, "aotc_model::cuda_cudnn_conv2d(rc, &cv_") == 1);
  CHECK(count(fp32, "cv_.allow_tf32 = 0;") == 1);   // full float32 by default
  CHECK(count(fp32, "cv_.min_flops = 1e300;") == 1);  // FMA units: only when AOTC_CUDNN_MIN_FLOPS asks
  CHECK(count(fp32, "_epi\",") == 1);  // bias + relu after cuDNN, as a kernel of its own
  CHECK(fp32_kernels["conv2d+relu"] == "conv2d_nchw<ConvNchwSmall>");
  auto [tf32, tf32_kernels] = wrapper_of("cnn_tf32", true, true);
  CHECK(count(tf32, "cv_.allow_tf32 = 1;") == 2);  // tensor cores: cuDNN for both
  CHECK(count(tf32, "cv_.min_flops = 2e8;") == 2);
  auto [own, own_kernels] = wrapper_of("cnn_own", false, false);
  CHECK(count(own, "cuda_cudnn_conv2d") == 0);
  CHECK(count(own, "_epi\",") == 0);
  CHECK(own_kernels["conv2d+relu"] == "conv2d_nchw<ConvNchwSmall>");
  auto manifest = nlohmann::json::parse(aotc::read_package_manifest((scratch_dir() / "cnn_own.pt2").string()));
  CHECK(manifest["models"][0]["compiler"]["cudnn"] == "false");
}

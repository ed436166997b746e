// A layer norm whose only reader is a float32 linear is folded into that
// linear on the CUDA target (LoweringOptions::fold_layer_norm,
// gemm_simt.cuh's RowNormA): what is folded, what is not, and what the
// generated code does with it. The results on a GPU are checked in
// test_cuda_end_to_end.cpp.
#include "CudaCompileSupport.h"
#include "codegen/Lowering.h"

using namespace aotc;
using namespace aotc::e2e;

namespace {

codegen::KernelGraph lower(const Graph& g, bool fold) {
  codegen::LoweringOptions o;
  o.fold_layer_norm = fold;
  auto kg = codegen::lower_graph(g, o);
  if (!kg) FAIL(kg.error().message);
  return std::move(*kg);
}

size_t count_kinds(const codegen::KernelGraph& kg, const std::string& kind) {
  size_t n = 0;
  for (const auto& k : kg.kernels) n += k.kind_name() == kind;
  return n;
}

const codegen::GemmKernel& first_gemm(const codegen::KernelGraph& kg) {
  for (const auto& k : kg.kernels)
    if (const auto* g = std::get_if<codegen::GemmKernel>(&k.body)) return *g;
  FAIL("no GEMM kernel");
  throw;
}

}  // namespace

TEST_CASE("layer norm fold: a norm read only by a linear becomes part of it") {
  auto g = layer_norm_linear_graph(256, 768, true);
  const codegen::KernelGraph folded = lower(*g, true);
  REQUIRE(folded.kernels.size() == 1);
  const codegen::GemmKernel& gemm = first_gemm(folded);
  REQUIRE(gemm.norm_a.has_value());
  CHECK(gemm.norm_a->eps == 1e-5);
  // The linear reads the norm's input, and the norm's weight and bias stay
  // live (they are read by the GEMM kernel now).
  CHECK(folded.buffer(gemm.a.buffer).kind == codegen::Buffer::Kind::kInput);
  const auto reads = folded.kernels[0].reads();
  CHECK(std::count(reads.begin(), reads.end(), gemm.norm_a->weight) == 1);
  CHECK(std::count(reads.begin(), reads.end(), gemm.norm_a->bias) == 1);
  CHECK(folded.buffer(gemm.norm_a->weight).kind == codegen::Buffer::Kind::kWeight);
  CHECK(folded.kernels[0].nodes.front() == (*g->outputs()[0]->node()->operand(0)).name());
  const std::string text = codegen::print_kernel_graph(folded);
  CHECK(text.find("a layer-normalized over k, eps 1e-05, weight w_ln_w, bias w_ln_b") != std::string::npos);

  // Off (the CPU target): a norm kernel, then the GEMM.
  const codegen::KernelGraph plain = lower(*g, false);
  CHECK(plain.kernels.size() == 2);
  CHECK(count_kinds(plain, "layer_norm") == 1);
  CHECK_FALSE(first_gemm(plain).norm_a.has_value());

  // Without weight and bias.
  const codegen::KernelGraph bare = lower(*layer_norm_linear_graph(64, 32, false), true);
  REQUIRE(bare.kernels.size() == 1);
  CHECK(first_gemm(bare).norm_a->weight == -1);
  CHECK(first_gemm(bare).norm_a->bias == -1);
}

TEST_CASE("layer norm fold: not where the norm has another reader, is an output, or the linear is too narrow") {
  // A second linear: each would redo the statistics; the norm stays a kernel.
  const codegen::KernelGraph two = lower(*layer_norm_linear_graph(256, 64, true, NormReaders::kAlsoSecondLinear), true);
  CHECK(count_kinds(two, "layer_norm") == 1);
  CHECK(count_kinds(two, "gemm") == 2);
  // The normalized value is an output itself.
  const codegen::KernelGraph out = lower(*layer_norm_linear_graph(256, 64, true, NormReaders::kAlsoOutput), true);
  CHECK(count_kinds(out, "layer_norm") == 1);
  CHECK_FALSE(first_gemm(out).norm_a.has_value());
  // N <= 8 takes the narrow SIMT GEMM, which has no fold.
  const codegen::KernelGraph narrow = lower(*layer_norm_linear_graph(256, 8, true), true);
  CHECK(count_kinds(narrow, "layer_norm") == 1);
  CHECK(count_kinds(lower(*layer_norm_linear_graph(256, 9, true), true), "layer_norm") == 0);
}

TEST_CASE("layer norm fold: gpt_block's two norms go into the qkv and fc linears") {
  const Compiled gpt = compile_cuda("gpt_block", "fold_gpt_block");
  CHECK(gpt.kernels.size() == 5);  // 4 GEMMs, attention
  for (const char* node : {"layer_norm+linear", "layer_norm_1+linear_2+gelu"}) {
    INFO(node);
    REQUIRE(gpt.kernels.count(node) == 1);
    const auto& k = gpt.kernels.at(node);
    CHECK(k["op"] == "gemm");
    CHECK(k["details"]["reason"].get<std::string>().starts_with("layer norm folded in; "));
    CHECK(k["details"]["tuning_key"].get<std::string>().find(" layer-norm-a ") != std::string::npos);
  }
  // The fold's weights are made once at load (W diag(gamma), c), and
  // the two linears read them through p.prepared.
  CHECK(count(gpt.wrapper, "LayerNormFoldParams lp{") == 2);
  CHECK(count(gpt.wrapper, "p.prepared = s->prepared[0];") == 1);
  CHECK(count(gpt.wrapper, "p.prepared = s->prepared[1];") == 1);
  CHECK(gpt.device.find("aotc::cuda::layer_norm_fold_weights(p.w, p.gamma, p.beta, p.out, p.n, p.k);") !=
        std::string::npos);
  // Three tile variants each, all with the norm: qkv is 768 x 256, fc 1024 x 256.
  CHECK(count(gpt.device, "gemm_simt_linear<Cfg_k0_linear_v") == 3);
  // W' [n, k], then c and w1 [n] each.
  CHECK(count(gpt.device, "aotc::cuda::RowNormA{static_cast<const float*>(p.prepared) + 196608, "
                          "static_cast<const float*>(p.prepared) + 197376, 1e-05f}") == 3);
  CHECK(count(gpt.device, "aotc::cuda::RowNormA{static_cast<const float*>(p.prepared) + 262144, "
                          "static_cast<const float*>(p.prepared) + 263168, 1e-05f}") == 3);
  CHECK(gpt.device.find("cublaslt") == std::string::npos);

  // With --allow-tf32 (tensor cores, no fold) and on the CPU the norms stay kernels.
  const Compiled tf32 = compile_cuda("gpt_block", "fold_gpt_block_tf32", [](codegen::CompileOptions& o) {
    o.allow_tf32 = true;
  });
  CHECK(tf32.kernels.size() == 7);
  REQUIRE(tf32.kernels.count("layer_norm") == 1);
  CHECK(tf32.kernels.at("layer_norm")["op"] == "layer_norm");
  compile_cuda("gpt_block", "fold_gpt_block_cpu", [](codegen::CompileOptions& o) {
    o.target = "cpu";
    o.archs.clear();
  });
  const std::string cpu = read_text(scratch_dir() / "dump_fold_gpt_block_cpu" / "kernels.txt");
  CHECK(count(cpu, "(layer_norm)") == 2);
  CHECK(cpu.find("layer-normalized") == std::string::npos);
}

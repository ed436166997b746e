// cuBLASLt as a GEMM candidate, without a GPU: when generated code calls it
// (a tuning cache's pick, the heuristic for TF32, every tuning build), what
// it passes (types, strides, a bias fused into its epilogue), the epilogue
// kernel that follows it otherwise, and aotc's kernels compiled in as the
// fallback for hosts without it. The GPU side (results against PyTorch, with
// and without AOTC_CUBLASLT=0) is scripts/gpu/session.sh's stage `lt`.
#include "CudaCompileSupport.h"

using namespace aotc;
using namespace aotc::e2e;
using codegen::TuningCache;

namespace {

// A cache whose entries for `nodes` of a plain compile pick cuBLASLt.
std::shared_ptr<TuningCache> pick_cublaslt(const Compiled& plain, const std::vector<std::string>& nodes) {
  auto cache = std::make_shared<TuningCache>();
  for (const auto& node : nodes) {
    const std::string key = plain.kernels.at(node)["details"]["tuning_key"];
    cache->put({key, "sm_90", "NVIDIA H200", "cublaslt", std::string(plain.kernels.at(node)["kernel"]).substr(0, 10),
                {{"cublaslt", 3.0}}});
  }
  return cache;
}

}  // namespace

TEST_CASE("cublaslt: a cache entry sends a GEMM to cuBLASLt, aotc's kernels compiled in as its fallback") {
  auto plain = compile_cuda("gpt_block", "lt_plain_gpt");
  CHECK(count(plain.wrapper, "cuda_cublaslt_gemm(") == 0);  // float32: only where tuning measured it faster
  // The output projection and the MLP's second linear (the other two have
  // their layer norms folded in, which cuBLASLt cannot take).
  const std::vector<std::string> nodes = {"linear_1+add", "linear_3+add_1"};
  auto cache = pick_cublaslt(plain, nodes);
  auto lt = compile_cuda("gpt_block", "lt_cached_gpt", [&](codegen::CompileOptions& o) { o.tuning = cache; });
  for (const std::string& node : nodes) {
    INFO(node);
    CHECK(lt.kernels.at(node)["kernel"] == "cublaslt | " + std::string(plain.kernels.at(node)["kernel"]));
    const std::string reason = lt.kernels.at(node)["details"]["reason"];
    CHECK(reason.rfind("tuning cache: fastest measured on NVIDIA H200 (sm_90) 3.0 us", 0) == 0);
    CHECK(reason.find("where the runtime finds no cuBLASLt: float32, k-contiguous operands") != std::string::npos);
    CHECK(reason.find("epilogue as a pointwise kernel") != std::string::npos);
  }
  CHECK(lt.kernels.at("layer_norm+linear")["kernel"] == plain.kernels.at("layer_norm+linear")["kernel"]);
  // Two calls, each at any size, each falling back to the kernels on status 2.
  CHECK(count(lt.wrapper, "cuda_cublaslt_gemm(rc, &lt_, error, error_size)") == 2);
  CHECK(count(lt.wrapper, "lt_.min_flops = 0;") == 2);
  CHECK(count(lt.wrapper, "if (st_ == 0) {") == 2);
  // Row-major activations ([s, 256] attention, [s, 1024] GELU) times the
  // k-major weight views.
  CHECK(count(lt.wrapper, "lt_.a_stride_m = (int64_t)256; lt_.a_stride_k = (int64_t)1;") == 1);
  CHECK(count(lt.wrapper, "lt_.a_stride_m = (int64_t)1024; lt_.a_stride_k = (int64_t)1;") == 1);
  CHECK(count(lt.wrapper, "lt_.b_stride_k = (int64_t)1; lt_.b_stride_n = (int64_t)256;") == 1);
  CHECK(count(lt.wrapper, "lt_.b_stride_k = (int64_t)1; lt_.b_stride_n = (int64_t)1024;") == 1);
  CHECK(count(lt.wrapper, "lt_.ab_dtype = 6; lt_.out_dtype = 6; lt_.allow_tf32 = 0;") == 2);
  // Both keep bias and residual add in a pointwise kernel over cuBLASLt's output.
  CHECK(count(lt.wrapper, "lt_.bias = nullptr;") == 2);
  CHECK(count(lt.device, "_linear_1_epi(") == 1);
  CHECK(count(lt.device, "_linear_3_epi(") == 1);
  // The fallback kernels are all still there.
  CHECK(count(lt.device, "aotc::cuda::gemm_simt_linear<") == count(plain.device, "aotc::cuda::gemm_simt_linear<"));

  // small_cnn's classifier is bias only: cuBLASLt's epilogue adds it.
  auto cnn = compile_cuda("small_cnn", "lt_plain_cnn");
  auto cnn_lt = compile_cuda("small_cnn", "lt_cached_cnn",
                             [&](codegen::CompileOptions& o) { o.tuning = pick_cublaslt(cnn, {"linear"}); });
  CHECK(count(cnn_lt.wrapper, "lt_.bias = p.b_w_p_fc_bias;") == 1);
  CHECK(count(cnn_lt.device, "_linear_epi(") == 0);
  CHECK(std::string(cnn_lt.kernels.at("linear")["details"]["reason"]).find("bias in its epilogue") !=
        std::string::npos);
}

TEST_CASE("cublaslt: 16-bit GEMMs pass their type, and a bfloat16 bias rides in the epilogue") {
  auto plain = compile_cuda("silu_mlp_bf16", "lt_plain_bf16");
  auto cache = pick_cublaslt(plain, {"linear+silu", "linear_1"});
  auto lt = compile_cuda("silu_mlp_bf16", "lt_cached_bf16", [&](codegen::CompileOptions& o) { o.tuning = cache; });
  CHECK(count(lt.wrapper, "lt_.ab_dtype = 15; lt_.out_dtype = 15;") == 2);
  CHECK(lt.kernels.at("linear_1")["kernel"] == "cublaslt | " + std::string(plain.kernels.at("linear_1")["kernel"]));
  CHECK(count(lt.device, "_linear_epi(") == 1);  // SiLU after cuBLASLt
  CHECK(count(lt.device, "_linear_1_epi(") == 0);
  CHECK(count(lt.wrapper, "lt_.bias = nullptr;") == 1);
}

TEST_CASE("cublaslt: TF32 GEMMs call it from 1e6 FLOPs by default, --no-cublaslt keeps aotc's kernels only") {
  auto tf32 = compile_cuda("gpt_block", "lt_tf32_gpt", [](codegen::CompileOptions& o) { o.allow_tf32 = true; });
  size_t gemms = 0;
  for (const auto& [node, k] : tf32.kernels) {
    if (k["op"] != "gemm") continue;
    ++gemms;
    INFO(node);
    CHECK(k["kernel"] == "cublaslt | gemm_tc<TcGemmTf32>");
    CHECK(std::string(k["details"]["reason"]).find("cuBLASLt where the runtime finds it and the GEMM has at least 1e6 FLOPs") == 0);
  }
  CHECK(gemms == 4);
  CHECK(count(tf32.wrapper, "lt_.min_flops = 1e6;") == 4);
  CHECK(count(tf32.wrapper, "lt_.allow_tf32 = 1;") == 4);

  auto off = compile_cuda("gpt_block", "lt_off_gpt", [](codegen::CompileOptions& o) {
    o.allow_tf32 = true;
    o.use_cublaslt = false;
  });
  CHECK(count(off.wrapper, "cuda_cublaslt_gemm(") == 0);
  for (const auto& [node, k] : off.kernels)
    if (k["op"] == "gemm") CHECK(k["kernel"] == "gemm_tc<TcGemmTf32>");
  CHECK(off.manifest["models"][0]["compiler"]["cublaslt"] == "false");
  CHECK_FALSE(tf32.manifest["models"][0]["compiler"].contains("cublaslt"));
}

TEST_CASE("cublaslt: a tuning build measures it as every GEMM's last candidate") {
  auto t = compile_cuda("mlp", "lt_tuning_mlp", [](codegen::CompileOptions& o) { o.tuning_build = true; });
  REQUIRE(t.summary.tunables.size() == 2);
  for (const auto& node : t.summary.tunables) {
    INFO(node.function);
    CHECK(node.candidates.back() == "cublaslt");
    const size_t lt = node.candidates.size() - 1;
    // Its case in the node's switch: the call, "cannot run here" passed on, then the epilogue kernel.
    CHECK(count(t.wrapper, fmt::format("case {}: {{\n            aotc_model::CublasLtGemm lt_{{}};", lt)) >= 1);
  }
  CHECK(count(t.wrapper, "aotc_model::CublasLtGemm lt_{};") == 2);
  CHECK(count(t.wrapper, "if (st_ == 2) return 2;") == 2);
  CHECK(count(t.device, "_epi(") == 2);  // ReLU and sigmoid follow cuBLASLt
  auto off = compile_cuda("mlp", "lt_tuning_off_mlp", [](codegen::CompileOptions& o) {
    o.tuning_build = true;
    o.use_cublaslt = false;
  });
  for (const auto& node : off.summary.tunables) CHECK(node.candidates.back() != "cublaslt");
}

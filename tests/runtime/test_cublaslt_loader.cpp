// Finding cuBLASLt at run time (runtime/model/CublasLt.h), without a GPU:
// which library loads, what AOTC_CUBLASLT does, and that a model asks for its
// own kernel (status 2) whenever cuBLASLt is not there or cannot take the
// GEMM. ctest runs each test case in a process of its own, so each sees the
// loader's first (and only) search.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "CudaLibs.h"
#include "aotc_model.h"

namespace {

// out[2x3] = a[2x4] * b[4x3], row-major, float32.
aotc_model::CublasLtGemm small_gemm() {
  aotc_model::CublasLtGemm g{};
  g.ab_dtype = 6;
  g.out_dtype = 6;
  g.batch = 1, g.m = 2, g.n = 3, g.k = 4;
  g.a_stride_m = 4, g.a_stride_k = 1;
  g.b_stride_k = 3, g.b_stride_n = 1;
  return g;
}

bool toolkit_has_cublaslt() {
  return std::filesystem::exists("/usr/local/cuda/lib64/libcublasLt.so.13") ||
         std::filesystem::exists("/usr/local/cuda/lib/libcublasLt.so.13");
}

}  // namespace

TEST_CASE("cublaslt: AOTC_CUBLASLT=0 turns it off and GEMMs fall back to aotc's kernels") {
  setenv("AOTC_CUBLASLT", "0", 1);
  std::string where;
  CHECK_FALSE(aotc_model::rt::cublaslt_available(&where));
  CHECK(where == "turned off by AOTC_CUBLASLT=0");
  aotc_model::rt::CublasLtInstance instance;
  char error[256] = {};
  CHECK(instance.gemm(small_gemm(), nullptr, error, sizeof error) == 2);
  CHECK(error[0] == '\0');
  // A call marks the instance as one whose runs use a library (CUDA graphs
  // are then captured after a plain run), whatever the answer.
  aotc_model::rt::CudaLibs libs;
  aotc_model::RunContext rc{};
  rc.libs = &libs;
  aotc_model::CublasLtGemm g = small_gemm();
  CHECK_FALSE(libs.called);
  CHECK(aotc_model::cuda_cublaslt_gemm(&rc, &g, error, sizeof error) == 2);
  CHECK(libs.called);
}

TEST_CASE("cublaslt: an AOTC_CUBLASLT path that does not load is named") {
  setenv("AOTC_CUBLASLT", "/nonexistent/cublas", 1);
  std::string where;
  CHECK_FALSE(aotc_model::rt::cublaslt_available(&where));
  CHECK(where.find("AOTC_CUBLASLT=/nonexistent/cublas does not load") != std::string::npos);
  CHECK(where.find("/nonexistent/cublas/libcublasLt.so.13") != std::string::npos);
}

TEST_CASE("cublaslt: the CUDA toolkit's cuBLASLt loads on a machine without a GPU") {
  unsetenv("AOTC_CUBLASLT");
  std::string where;
  const bool found = aotc_model::rt::cublaslt_available(&where);
  INFO(where);
  if (toolkit_has_cublaslt()) {
    CHECK(found);
    CHECK(where.find("libcublasLt.so.13 (cuBLASLt 13.") != std::string::npos);
  } else if (!found) {
    CHECK(where.find("libcublasLt.so.13 not found (set AOTC_CUBLASLT") == 0);
  }
}

TEST_CASE("cublaslt: a run without the instance's library state asks for aotc's kernel") {
  aotc_model::RunContext rc{};
  aotc_model::CublasLtGemm g = small_gemm();
  char error[64] = {};
  CHECK(aotc_model::cuda_cublaslt_gemm(&rc, &g, error, sizeof error) == 2);
  CHECK(aotc_model::cuda_cublaslt_gemm(nullptr, &g, error, sizeof error) == 2);
}

TEST_CASE("cublaslt: GEMMs it cannot take run aotc's kernel, before any CUDA call") {
  unsetenv("AOTC_CUBLASLT");
  unsetenv("AOTC_CUBLASLT_MIN_FLOPS");
  if (!toolkit_has_cublaslt()) return;  // nothing to load: the status is 2 anyway (checked above)
  REQUIRE(aotc_model::rt::cublaslt_available(nullptr));
  aotc_model::rt::CublasLtInstance instance;
  char error[512] = {};
  auto status = [&](aotc_model::CublasLtGemm g) { return instance.gemm(g, nullptr, error, sizeof error); };
  aotc_model::CublasLtGemm g = small_gemm();  // 2 * 2 * 3 * 4 = 48 FLOPs
  g.min_flops = 49;
  CHECK(status(g) == 2);  // below its threshold
  g = small_gemm();
  g.a_stride_m = 8, g.a_stride_k = 2;  // neither of a's strides is 1: no cuBLASLt layout
  CHECK(status(g) == 2);
  g = small_gemm();
  g.b_stride_k = 1, g.b_stride_n = 2;  // b's columns overlap (leading dimension 2 < k = 4)
  CHECK(status(g) == 2);
  g = small_gemm();
  g.batch = 3;  // batch stride 0 (a broadcast operand)
  CHECK(status(g) == 2);
  g = small_gemm();
  g.ab_dtype = 15, g.out_dtype = 5;  // bfloat16 in, float16 out
  CHECK(status(g) == 2);
  g = small_gemm();
  g.out_dtype = 15;  // float32 in, bfloat16 out
  CHECK(status(g) == 2);
  g = small_gemm();
  g.k = 0;
  CHECK(status(g) == 2);
  CHECK(error[0] == '\0');
}

TEST_CASE("cublaslt: AOTC_CUBLASLT_MIN_FLOPS overrides the compiled threshold (and a failed call is named)") {
  unsetenv("AOTC_CUBLASLT");
  setenv("AOTC_CUBLASLT_MIN_FLOPS", "0", 1);
  if (!toolkit_has_cublaslt()) return;
  REQUIRE(aotc_model::rt::cublaslt_available(nullptr));
  aotc_model::CublasLtGemm g = small_gemm();
  g.id = 5;
  g.min_flops = 1e15;
  g.a_stride_m = 1, g.a_stride_k = 2;  // a transposed: still a cuBLASLt operand
  aotc_model::rt::CublasLtInstance instance;
  char error[512] = {};
  // No GPU here: past the threshold, cuBLASLt itself is called, fails, and says where.
  CHECK(instance.gemm(g, nullptr, error, sizeof error) == 1);
  const std::string message = error;
  INFO(message);
  CHECK(message.find("cuBLASLt") == 0);
  CHECK(message.find("GEMM 5 (batch 1, 2x4 by 4x3)") != std::string::npos);
}

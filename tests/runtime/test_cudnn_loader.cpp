// Finding cuDNN at run time (runtime/model/Cudnn.h), without a GPU: which
// library loads, what AOTC_CUDNN does, and that a model asks for its own
// kernel (status 2) whenever cuDNN is not there. ctest runs each test case in
// a process of its own, so each sees the loader's first (and only) search.
#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "Cudnn.h"
#include "aotc_model.h"

namespace {

aotc_model::CudnnConv2d small_conv() {
  aotc_model::CudnnConv2d cv{};
  cv.dtype = 6;
  cv.groups = 1;
  cv.n = 1, cv.c = 3, cv.h = 8, cv.w = 8, cv.k = 4, cv.r = 3, cv.s = 3, cv.out_h = 6, cv.out_w = 6;
  cv.stride_h = cv.stride_w = cv.dil_h = cv.dil_w = 1;
  return cv;
}

}  // namespace

TEST_CASE("cudnn: AOTC_CUDNN=0 turns it off and convolutions fall back to aotc's kernel") {
  setenv("AOTC_CUDNN", "0", 1);
  std::string where;
  CHECK_FALSE(aotc_model::rt::cudnn_available(&where));
  CHECK(where == "turned off by AOTC_CUDNN=0");
  aotc_model::rt::CudnnInstance instance;
  char error[256] = {};
  CHECK(instance.conv2d(small_conv(), nullptr, error, sizeof error) == 2);
  CHECK(error[0] == '\0');
}

TEST_CASE("cudnn: an AOTC_CUDNN path that does not load is named") {
  setenv("AOTC_CUDNN", "/nonexistent/cudnn", 1);
  std::string where;
  CHECK_FALSE(aotc_model::rt::cudnn_available(&where));
  CHECK(where.find("AOTC_CUDNN=/nonexistent/cudnn does not load") != std::string::npos);
  CHECK(where.find("/nonexistent/cudnn/libcudnn.so.9") != std::string::npos);
}

TEST_CASE("cudnn: the CUDA toolkit's cuDNN loads on a machine without a GPU") {
  unsetenv("AOTC_CUDNN");
  const bool in_toolkit = std::filesystem::exists("/usr/local/cuda/lib64/libcudnn.so.9") ||
                          std::filesystem::exists("/usr/local/cuda/lib/libcudnn.so.9");
  std::string where;
  const bool found = aotc_model::rt::cudnn_available(&where);
  INFO(where);
  if (in_toolkit) {
    CHECK(found);
    CHECK(where.find("libcudnn.so.9 (cuDNN 9.") != std::string::npos);
  } else if (!found) {
    CHECK(where.find("libcudnn.so.9 not found (set AOTC_CUDNN") == 0);
  }
}

TEST_CASE("cudnn: a run without the instance's library state asks for aotc's kernel") {
  aotc_model::RunContext rc{};
  aotc_model::CudnnConv2d cv = small_conv();
  char error[64] = {};
  CHECK(aotc_model::cuda_cudnn_conv2d(&rc, &cv, error, sizeof error) == 2);
  CHECK(aotc_model::cuda_cudnn_conv2d(nullptr, &cv, error, sizeof error) == 2);
}

namespace {
bool toolkit_has_cudnn() {
  return std::filesystem::exists("/usr/local/cuda/lib64/libcudnn.so.9") ||
         std::filesystem::exists("/usr/local/cuda/lib/libcudnn.so.9");
}
}  // namespace

TEST_CASE("cudnn: a convolution below its min_flops runs aotc's kernel, before any CUDA call") {
  unsetenv("AOTC_CUDNN");
  unsetenv("AOTC_CUDNN_MIN_FLOPS");
  if (!toolkit_has_cudnn()) return;  // nothing to load: the status is 2 anyway (checked above)
  REQUIRE(aotc_model::rt::cudnn_available(nullptr));
  aotc_model::CudnnConv2d cv = small_conv();  // 2 * 36 * 4 * 27 = 7776 FLOPs
  cv.min_flops = 7777;
  aotc_model::rt::CudnnInstance instance;
  char error[512] = {};
  CHECK(instance.conv2d(cv, nullptr, error, sizeof error) == 2);
  CHECK(error[0] == '\0');
}

TEST_CASE("cudnn: AOTC_CUDNN_MIN_FLOPS overrides the compiled threshold (and a failed call is named)") {
  unsetenv("AOTC_CUDNN");
  setenv("AOTC_CUDNN_MIN_FLOPS", "0", 1);
  if (!toolkit_has_cudnn()) return;
  REQUIRE(aotc_model::rt::cudnn_available(nullptr));
  aotc_model::CudnnConv2d cv = small_conv();
  cv.id = 7;
  cv.min_flops = 1e15;
  aotc_model::rt::CudnnInstance instance;
  char error[512] = {};
  // No GPU here: past the threshold, cuDNN itself is called, fails, and says where.
  CHECK(instance.conv2d(cv, nullptr, error, sizeof error) == 1);
  INFO(error);
  CHECK(std::string(error).find("cuDNN cudnnCreate failed for convolution 7 (input 1x3x8x8, filter 4x3x3x3)") == 0);
}

TEST_CASE("cudnn: convolutions of one geometry share a plan, any difference cuDNN sees makes another") {
  aotc_model::CudnnConv2d a = small_conv(), b = small_conv();
  a.id = 3;
  b.id = 7;
  int dummy = 0;
  b.x = &dummy;
  b.y = &dummy;
  b.weight = &dummy;
  b.min_flops = 1e12;
  CHECK(aotc_model::rt::cudnn_plan_key(a) == aotc_model::rt::cudnn_plan_key(b));
  const auto base = aotc_model::rt::cudnn_plan_key(a);
  auto differs = [&](void (*change)(aotc_model::CudnnConv2d&)) {
    aotc_model::CudnnConv2d c = small_conv();
    change(c);
    return aotc_model::rt::cudnn_plan_key(c) != base;
  };
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.dtype = 15; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.allow_tf32 = 1; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.groups = 3; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.n = 2; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.c = 6; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.h = 9; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.w = 9; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.k = 8; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.r = 1; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.s = 1; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.pad_h = 1; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.pad_w = 1; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.stride_h = 2; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.stride_w = 2; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.dil_h = 2; }));
  CHECK(differs([](aotc_model::CudnnConv2d& c) { c.dil_w = 2; }));
}

TEST_CASE("cudnn: a convolution below its threshold does not even load the library") {
  unsetenv("AOTC_CUDNN");
  unsetenv("AOTC_CUDNN_MIN_FLOPS");
  aotc_model::CudnnConv2d cv = small_conv();
  cv.min_flops = 1e300;  // what the generator writes for float32 on FMA units: on request only
  aotc_model::rt::CudnnInstance instance;
  char error[64] = {};
  CHECK(instance.conv2d(cv, nullptr, error, sizeof error) == 2);
  CHECK(dlopen("libcudnn.so.9", RTLD_NOW | RTLD_NOLOAD) == nullptr);
}

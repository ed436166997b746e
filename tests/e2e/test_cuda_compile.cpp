// Every fixture compiles for the CUDA target on this GPU-less machine (NVRTC
// in-process): the package says cuda, lists its archs and kernel choices, and
// the same input compiles to a byte-identical package.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "E2eSupport.h"
#include "Npy.h"
#include "aotc/runtime.hpp"
#include "codegen/Compiler.h"

using namespace aotc;
using namespace aotc::e2e;

namespace {

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
  auto read = [](const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  };
  bool identical = read(first) == read(second);
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

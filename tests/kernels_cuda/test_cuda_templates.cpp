// CI test (no GPU needed): every representative instantiation of the CUDA
// kernel templates (KernelSources) compiles with NVRTC for sm_80, sm_90,
// sm_100 (when this NVRTC supports it) and PTX, with no warnings and no
// register spills on sm_90; prints NVRTC time per unit and target.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <regex>
#include <string>

#include "CudaTemplates.h"
#include "KernelSources.h"
#include "NvrtcCompile.h"

namespace aotc::cuda_test {
namespace {

bool nvrtc_supports(int sm) {
  const std::vector<int> archs = nvrtc_supported_archs();
  return std::find(archs.begin(), archs.end(), sm) != archs.end();
}

int max_registers(const std::string& log) {
  static const std::regex used(R"(Used (\d+) registers)");
  int best = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), used); it != std::sregex_iterator();
       ++it)
    best = std::max(best, std::stoi((*it)[1].str()));
  return best;
}

bool has_warning(const std::string& log) {
  return log.find("warning") != std::string::npos;
}

/// Compiles every unit of `family` for each target; one table line per unit.
void compile_family(const std::string& family) {
  std::vector<std::string> targets = {"sm_80", "sm_90"};
  if (nvrtc_supports(100)) targets.push_back("sm_100");
  targets.push_back("compute_80");

  std::printf("\nNVRTC %s, family %s: seconds per unit and target\n", nvrtc_version().c_str(),
              family.c_str());
  std::printf("%-30s", "unit");
  for (const std::string& t : targets) std::printf(" %10s", t.c_str());
  std::printf(" %9s %7s\n", "sm90 regs", "spills");
  int units = 0;
  for (const KernelUnit& unit : kernel_units()) {
    if (unit.family != family) continue;
    ++units;
    std::printf("%-30s", unit.name.c_str());
    int regs = 0, spills = 0;
    for (const std::string& target : targets) {
      const NvrtcOutput out =
          nvrtc_compile(unit.source, unit.name + ".cu", target, target == "sm_90");
      INFO("unit " << unit.name << ", target " << target << "\n" << out.log);
      CHECK(out.ok);
      CHECK_FALSE(has_warning(out.log));
      CHECK_FALSE(out.image.empty());
      if (target == "sm_90") {
        regs = max_registers(out.log);
        spills = ptxas_spill_bytes(out.log);
        CHECK(spills == 0);
        for (const std::string& k : unit.kernels) {
          INFO("kernel " << k);
          CHECK(out.log.find("'" + k + "'") != std::string::npos);
        }
      }
      std::printf(" %10.3f", out.seconds);
      std::fflush(stdout);
    }
    std::printf(" %9d %7d\n", regs, spills);
  }
  CHECK(units > 0);
}

}  // namespace

TEST_CASE("the embedded templates are self-contained", "[cuda][templates]") {
  const auto names = aotc::cuda_templates::embedded_file_names();
  REQUIRE(names.size() >= 9);
  for (std::string_view name : names) {
    const std::string_view text = aotc::cuda_templates::embedded_file(name);
    INFO(name);
    CHECK_FALSE(text.empty());
    // No toolkit or system headers: NVRTC must need no include path.
    CHECK(text.find("#include <") == std::string_view::npos);
  }
}

TEST_CASE("gemm_simt instantiations compile", "[cuda][gemm_simt]") {
  compile_family("gemm_simt");
}
TEST_CASE("gemm_tc instantiations compile", "[cuda][gemm_tc]") {
  compile_family("gemm_tc");
}
TEST_CASE("attention instantiations compile", "[cuda][attention]") {
  compile_family("attention");
}
TEST_CASE("rowops instantiations compile", "[cuda][rowops]") {
  compile_family("rowops");
}
TEST_CASE("elementwise instantiations compile", "[cuda][elementwise]") {
  compile_family("elementwise");
}
TEST_CASE("conv instantiations compile", "[cuda][conv]") {
  compile_family("conv");
}

TEST_CASE("a bad tile configuration is rejected with its reason", "[cuda][templates]") {
  // 48-row warp tiles do not divide a 128-row block tile: the static_assert must say so.
  const std::string source =
      "#include \"gemm_tc.cuh\"\n"
      "using namespace aotc::cuda;\n"
      "struct E { __device__ void operator()(int64_t, int64_t, int64_t, float) const {} };\n"
      "using Bad = TcGemmConfig<bf16, 128, 128, 32, 48, 32, 3>;\n"
      "extern \"C\" __global__ void k(GemmParams p) { gemm_tc<Bad>(p, E{}); }\n";
  const NvrtcOutput out = nvrtc_compile(source, "bad.cu", "sm_90");
  CHECK_FALSE(out.ok);
  CHECK(out.log.find("warp tiles must divide the block tile") != std::string::npos);
}

TEST_CASE("a kernel using a template compiles in under a few seconds", "[cuda][templates]") {
  // Compile-time budget guard: the largest single instantiation (tensor-core
  // GEMM, 128x256 tiles) stays well under the generator's per-model budget.
  const KernelUnit* big = nullptr;
  for (const KernelUnit& u : kernel_units())
    if (u.name == "tc_large_bf16_store") big = &u;
  REQUIRE(big != nullptr);
  const NvrtcOutput out = nvrtc_compile(big->source, big->name + ".cu", "sm_90");
  REQUIRE(out.ok);
  CHECK(out.seconds < 10.0);
}

}  // namespace aotc::cuda_test

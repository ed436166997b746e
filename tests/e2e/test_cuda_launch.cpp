// How the CUDA target's kernels follow one another: every generated kernel
// waits for its predecessor before it touches memory (programmatic dependent
// launch, docs/cuda-kernels.md), and an attention output is stored in the
// order its consumer reads it, so that no copy kernel sits between them.
#include <regex>

#include "CudaCompileSupport.h"

using namespace aotc;
using namespace aotc::e2e;

TEST_CASE("cuda launch: every kernel run per call starts by waiting for the kernel before it") {
  for (const char* model : {"mlp", "silu_mlp_bf16", "small_cnn", "gpt_block", "resnet18"}) {
    INFO(model);
    const std::string device = compile_cuda(model, std::string("launch_") + model).device;
    // The wait is real code only where the image is built for sm_90 and
    // newer, and the module says so to the runtime.
    CHECK(device.find("#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900") != std::string::npos);
    CHECK(device.find("griddepcontrol.wait;") != std::string::npos);
    CHECK(device.find("extern \"C\" __device__ const int aotc_grid_dependency = 1;") != std::string::npos);
    CHECK(device.find("extern \"C\" __device__ const int aotc_grid_dependency = 0;") != std::string::npos);
    // Each kernel's first statement. The weight preparations run once at
    // load (Winograd's filter transform, a folded layer norm's weights),
    // launched without the attribute, and are the exceptions.
    const std::regex kernel(R"re(extern "C" __global__ void __launch_bounds__\([^)]*\)\s+(\w+)\([^)]*\) \{\n(.*)\n)re");
    size_t kernels = 0;
    for (auto it = std::sregex_iterator(device.begin(), device.end(), kernel); it != std::sregex_iterator(); ++it) {
      const std::string name = (*it)[1], first = (*it)[2];
      INFO(name);
      if (name == "aotc_winograd_filter" || name == "aotc_layer_norm_fold") continue;
      CHECK(first == "  AOTC_KERNEL_ENTRY();");
      ++kernels;
    }
    CHECK(kernels >= 2);
  }
}

TEST_CASE("cuda launch: an attention output is stored as [B, L, H, E], so the projection reads it without a copy") {
  const Compiled gpt = compile_cuda("gpt_block", "launch_gpt_block");
  const std::string kernels = read_text(scratch_dir() / "dump_launch_gpt_block" / "kernels.txt");
  CHECK(kernels.find("buffer scaled_dot_product_attention: float32[1, s27, 4, 64]") != std::string::npos);
  CHECK(kernels.find("-> scaled_dot_product_attention strides [256*s27, 64, 256, 1]") != std::string::npos);
  CHECK(kernels.find("copy_view_3") == std::string::npos);
  // The projection's A operand is the attention buffer itself.
  CHECK(kernels.find("a scaled_dot_product_attention[s27, 256] strides [256, 1]") != std::string::npos);
  CHECK(gpt.device.find("StridedAttentionOutput<float> out{reinterpret_cast<float*>(p.b_scaled_dot_product_attention), "
                    "(int64_t)(256*p.sym_s27), (int64_t)64, (int64_t)256, (int64_t)1}") != std::string::npos);

  CHECK(gpt.kernels.size() == 5);  // 4 GEMMs (2 with a layer norm folded in), attention
  CHECK(gpt.kernels.count("view_3") == 0);

  // The CPU target keeps the contiguous output (its attention takes no
  // output strides) and still computes the reference (test_cpu_end_to_end).
  compile_cuda("gpt_block", "launch_gpt_block_cpu", [](codegen::CompileOptions& o) {
    o.target = "cpu";
    o.archs.clear();
  });
  CHECK(read_text(scratch_dir() / "dump_launch_gpt_block_cpu" / "kernels.txt").find("copy_view_3") != std::string::npos);
}

// KernelSources: the representative instantiations of aotc's CUDA kernel
// templates, written the way the code generator writes them: an
// `extern "C" __global__` wrapper per instantiation whose epilogue, loader and
// storer are small functors (bias, activation, residual add, dtype cast,
// strided store). The CI test compiles every unit for each target; the GPU
// check compiles them for the device and runs them.
//
// Every kernel K also defines `extern "C" __constant__ long long K_info[4]`
// = {threads per block, dynamic shared bytes, tile rows, tile cols} taken
// from the template's own configuration, so launches never restate tile sizes.
#pragma once

#include <string>
#include <vector>

namespace aotc::cuda_test {

/// One NVRTC program: a few headers, functors and one or more kernels.
struct KernelUnit {
  std::string name;                  ///< also the program name in diagnostics
  std::string family;                ///< gemm_simt, gemm_tc, attention, rowops, elementwise, conv
  std::string source;                ///< complete CUDA source
  std::vector<std::string> kernels;  ///< extern "C" kernel names it defines
};

/// All units, in a fixed order.
const std::vector<KernelUnit>& kernel_units();

}  // namespace aotc::cuda_test

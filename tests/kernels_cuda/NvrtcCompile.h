// NvrtcCompile: compiles a CUDA source that includes aotc's kernel templates
// with NVRTC, in process, for one target, timing the compile.
//
// The templates come from the copy embedded in the binary (aotc_cuda_templates),
// registered with NVRTC under their file names ("gemm_tc.cuh"), so neither the
// source tree nor the toolkit's include folder is needed where this runs.
// Shared by the CI compile test and the GPU check program.
#pragma once

#include <string>
#include <vector>

namespace aotc::cuda_test {

/// What one NVRTC compile produced.
struct NvrtcOutput {
  bool ok = false;
  std::string log;     ///< NVRTC's log (errors, warnings, ptxas -v lines)
  std::string image;   ///< cubin for "sm_XX" targets, PTX text for "compute_XX"
  double seconds = 0;  ///< wall time of nvrtcCompileProgram
};

/// Compiles `source` (named `name` in diagnostics) for `target`, "sm_90" for a
/// cubin or "compute_80" for PTX. With `ptxas_verbose`, the log also holds
/// ptxas' per-kernel register, shared-memory and spill report (cubin only).
NvrtcOutput nvrtc_compile(const std::string& source, const std::string& name,
                          const std::string& target, bool ptxas_verbose = false);

/// "13.0", from nvrtcVersion().
std::string nvrtc_version();

/// The SM versions (80, 90, 100...) this NVRTC can generate code for.
std::vector<int> nvrtc_supported_archs();

/// Sum of "N bytes spill stores" over every kernel in a ptxas -v log.
int ptxas_spill_bytes(const std::string& log);

}  // namespace aotc::cuda_test

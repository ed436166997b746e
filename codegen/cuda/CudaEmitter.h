// The CUDA emitter: prints a kernel program as
//   - one CUDA C++ translation unit (device code) for NVRTC: generated
//     pointwise, reduction and scan kernels, and instantiations of the
//     templates in templates/cuda/ (GEMM, convolution, attention, row ops)
//     with generated functors carrying the fused prologues and epilogues;
//   - the host wrapper (the package's wrapper.cpp), compiled with the host
//     compiler: init loads the module for the device's arch from the images
//     embedded in the library and reads each kernel's launch configuration;
//     run computes grids from the symbol values and launches every kernel
//     on the caller's stream.
// Every kernel takes one parameter struct of pointers and int64 symbol values,
// declared identically on both sides, and exports `<kernel>_info` =
// {threads, dynamic shared memory, tile m, tile n} from its own template
// configuration, so launch shapes are never restated by hand.
#pragma once

#include <string>
#include <vector>

#include "codegen/KernelGraph.h"
#include "codegen/Tuning.h"
#include "support/Status.h"

namespace aotc::codegen {

struct CudaImageRef {
  int32_t arch;      ///< 80, 90, ...
  bool ptx;          ///< PTX (JIT-compiled by the driver) rather than a cubin
  std::string symbol;  ///< the assembler symbol holding it in the library
};

struct CudaEmitOptions {
  std::string weights_file;
  std::vector<CudaImageRef> images;
  bool allow_tf32 = false;
  /// Convolutions call cuDNN when the runtime finds it (aotc's kernel otherwise).
  bool use_cudnn = true;
  /// GEMMs may call cuBLASLt when the runtime finds it (aotc's kernels otherwise).
  bool use_cublaslt = true;
  /// Tunable nodes take the cache's pick where it has one (Tuning.h); may be null.
  const TuningCache* tuning = nullptr;
  /// Which cost the cache's picks minimise (Tuning.h).
  TuneFor tune_for = TuneFor::kBoth;
  /// A tuning build (`--autotune`): every candidate of every tunable node is
  /// compiled in, and a tuning run times them all (aotc_model::cuda_tune_node).
  bool tuning_build = false;
};

/// What was chosen for one kernel, for the manifest and `aotc inspect`.
struct CudaKernelChoice {
  std::string kernel;  ///< kernel name
  std::string implementation;  ///< "gemm_simt_linear<SimtLinearSmall>", "generated pointwise", ...
  std::string reason;
  std::string tuning_key;  ///< the node's tuning key when it has several candidates
};

struct CudaEmitResult {
  std::string device_source;
  std::string host_source;
  std::vector<CudaKernelChoice> choices;
  std::vector<TunableNode> tunables;  ///< nodes with more than one candidate, in kernel order
};

Expected<CudaEmitResult> emit_cuda_model(const KernelGraph& kg, const CudaEmitOptions& options);

}  // namespace aotc::codegen

// One model instance's CUDA library state (RunContext::libs): cuDNN for
// convolutions, cuBLASLt for GEMMs. Each loads on first use and is skipped
// (status 2, aotc's own kernel) where the host lacks it.
#pragma once

#include "CublasLt.h"
#include "Cudnn.h"

namespace aotc_model::rt {

struct CudaLibs {
  CudnnInstance cudnn;
  CublasLtInstance cublaslt;
  /// Whether a run of this instance asked for a library (its calls set it,
  /// whatever they answer), and whether one has run to find out.
  bool called = false;
  bool probed = false;

  /// Whether a library's workspace moved since the last call (CUDA graphs
  /// captured with the old one must go); clears the flags.
  bool take_workspace_moved() {
    const bool a = cudnn.take_workspace_moved();
    const bool b = cublaslt.take_workspace_moved();
    return a || b;
  }
};

}  // namespace aotc_model::rt

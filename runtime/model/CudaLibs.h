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

  /// Whether a library's workspace moved since the last call (CUDA graphs
  /// captured with the old one must go); clears the flags.
  bool take_workspace_moved() {
    const bool a = cudnn.take_workspace_moved();
    const bool b = cublaslt.take_workspace_moved();
    return a || b;
  }
};

/// Whether a run may create library handles, plans or workspaces: then a
/// run is made eagerly before it is captured as a CUDA graph.
inline bool any_cuda_library_available() { return cudnn_available(nullptr) || cublaslt_available(nullptr); }

}  // namespace aotc_model::rt

// cuDNN for convolutions, found at run time: a model library never links it.
//
// Where cuDNN comes from, in order (the first that loads wins):
//   1. AOTC_CUDNN: "0" / "off" turns cuDNN off (aotc's own kernels run);
//      otherwise the path of libcudnn.so.9 or of the folder holding it;
//   2. a libcudnn.so.9 already in the process (inside PyTorch, its own);
//   3. libcudnn.so.9 by the dynamic linker's search (LD_LIBRARY_PATH, ld.so.cache);
//   4. the CUDA toolkit (/usr/local/cuda/lib64, /usr/local/cuda/lib) and the
//      `nvidia/cudnn/lib` folder of a pip-installed cuDNN under $VIRTUAL_ENV,
//      $CONDA_PREFIX, /usr/local/lib/python3.* and /usr/lib/python3.
// When none loads, cudnn_conv2d says so (status 2) and the generated code
// launches aotc's own convolution kernel instead.
//
// Per model instance (CudnnInstance): a cuDNN handle, a workspace, and a plan
// per convolution geometry (input size, filter, padding, stride, dilation,
// groups, type: convolutions that agree share it): descriptors and the
// algorithm cuDNN's heuristics rank first among those that keep the requested
// precision, made on the first run that needs it. Algorithms follow PyTorch with
// torch.backends.cudnn.benchmark off: float32 runs on FMA units unless TF32
// was allowed at compile time; 16-bit types may use tensor cores.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "CudaModel.h"
#include "aotc_model.h"

namespace aotc_model::rt {

/// Whether cuDNN loads in this process; `where` gets its path and version,
/// or why not. Loads it on the first call (thread-safe).
bool cudnn_available(std::string* where);

/// What a plan is keyed by: everything cuDNN sees of `conv` (types, sizes,
/// padding, stride, dilation, groups), not its number or its pointers.
std::vector<int64_t> cudnn_plan_key(const CudnnConv2d& conv);

/// One model instance's cuDNN state. Used by one run at a time; needs the
/// instance's CUDA context current in every call, the destructor included.
class CudnnInstance {
 public:
  CudnnInstance();
  ~CudnnInstance();
  CudnnInstance(const CudnnInstance&) = delete;
  CudnnInstance& operator=(const CudnnInstance&) = delete;

  /// Enqueues the convolution on `stream`. Returns 0, 1 with a message in
  /// `error`, or 2 when cuDNN cannot run it here (see aotc_model.h).
  int conv2d(const CudnnConv2d& conv, void* stream, char* error, size_t error_size);

  /// Whether the workspace moved since the last call (graphs captured with
  /// the old one must go); clears the flag.
  bool take_workspace_moved() { return workspace_.take_moved(); }

 private:
  struct Plan;
  void* handle_ = nullptr;
  DeviceWorkspace workspace_;
  std::vector<std::unique_ptr<Plan>> plans_;
};

}  // namespace aotc_model::rt

// cuDNN when aotc was built without its headers (or without CUDA): never
// usable, so generated code always runs aotc's own convolution (see Cudnn.h).
#include "Cudnn.h"

namespace aotc_model::rt {

bool cudnn_available(std::string* where) {
  if (where != nullptr) *where = "this aotc was built without cuDNN's headers";
  return false;
}

struct CudnnInstance::Plan {};
CudnnInstance::CudnnInstance() = default;
CudnnInstance::~CudnnInstance() = default;
int CudnnInstance::conv2d(const CudnnConv2d&, void*, char*, size_t) { return 2; }

}  // namespace aotc_model::rt

namespace aotc_model {

int cuda_cudnn_conv2d(const RunContext*, const CudnnConv2d*, char*, size_t) { return 2; }

}  // namespace aotc_model

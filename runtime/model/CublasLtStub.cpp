// cuBLASLt when aotc was built without CUDA: never usable, so generated code
// always runs aotc's own GEMM kernels (see CublasLt.h).
#include "CublasLt.h"

namespace aotc_model::rt {

bool cublaslt_available(std::string* where) {
  if (where != nullptr) *where = "this aotc was built without CUDA";
  return false;
}

struct CublasLtInstance::Plan {};
CublasLtInstance::CublasLtInstance() = default;
CublasLtInstance::~CublasLtInstance() = default;
int CublasLtInstance::gemm(const CublasLtGemm&, void*, char*, size_t) { return 2; }

}  // namespace aotc_model::rt

namespace aotc_model {

int cuda_cublaslt_gemm(const RunContext*, const CublasLtGemm*, char*, size_t) { return 2; }

}  // namespace aotc_model

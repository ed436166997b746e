// cuBLASLt for GEMMs, found at run time: a model library never links it.
//
// Where it comes from: SharedLibrary.h's search for libcublasLt.so.13 with
// AOTC_CUBLASLT (path, or "0" / "off"), the process's own copy (PyTorch's),
// the linker's search, the CUDA toolkit, and pip's `nvidia/cublas/lib` and
// `nvidia/cu13/lib`. When none loads, cuda_cublaslt_gemm says so (status 2)
// and the generated code launches aotc's own GEMM kernel instead.
//
// Per model instance (CublasLtInstance): a cuBLASLt handle, a workspace, and
// a plan per GEMM, size, strides and operand alignment (descriptors and the
// algorithm cuBLASLt's heuristics rank first), made on the first run that
// needs it. Precision follows PyTorch: float32 accumulates in float32 on FMA
// units (CUBLAS_COMPUTE_32F) unless TF32 was allowed at compile time;
// 16-bit types accumulate in float32 on tensor cores.
//
// The row-major GEMM out = a * b is cuBLASLt's column-major out^T = b^T a^T:
// each operand is described as the column-major matrix (or its transpose)
// that its strides make it, so no operand is ever copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "CudaModel.h"
#include "aotc_model.h"

namespace aotc_model::rt {

/// Whether cuBLASLt loads in this process; `where` gets its path and
/// version, or why not. Loads it on the first call (thread-safe).
bool cublaslt_available(std::string* where);

/// One model instance's cuBLASLt state. Used by one run at a time; needs the
/// instance's CUDA context current in every call, the destructor included.
class CublasLtInstance {
 public:
  CublasLtInstance();
  ~CublasLtInstance();
  CublasLtInstance(const CublasLtInstance&) = delete;
  CublasLtInstance& operator=(const CublasLtInstance&) = delete;

  /// Enqueues the GEMM on `stream`. Returns 0, 1 with a message in `error`,
  /// or 2 when cuBLASLt cannot run it here (see aotc_model.h).
  int gemm(const CublasLtGemm& gemm, void* stream, char* error, size_t error_size);

  /// Whether the workspace moved since the last call; clears the flag.
  bool take_workspace_moved() { return workspace_.take_moved(); }

 private:
  struct Plan;
  void* handle_ = nullptr;
  DeviceWorkspace workspace_;
  std::vector<std::unique_ptr<Plan>> plans_;
};

}  // namespace aotc_model::rt

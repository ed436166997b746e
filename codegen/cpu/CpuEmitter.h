// The CPU emitter: prints a kernel program as one C++ translation unit (the
// package's `<h>.wrapper.cpp`), compiled with the host compiler and linked
// with the model support library and the CPU kernel library.
//
// Pointwise, reduction, row-op and scan kernels become loops over their index
// spaces, parallelized on the outer dimensions through RunContext's thread
// pool; GEMM, convolution and attention call aotc_cpu (runtime/model/cpu),
// passing its fused bias/activation/residual epilogue where the kernel's
// epilogue has that form and running the rest as a loop over the output.
// Float32 reductions accumulate in double.
#pragma once

#include <string>

#include "codegen/KernelGraph.h"
#include "support/Status.h"

namespace aotc::codegen {

struct CpuEmitOptions {
  std::string weights_file;  ///< basename of the package's weights entry
};

Expected<std::string> emit_cpu_model(const KernelGraph& kg, const CpuEmitOptions& options);

}  // namespace aotc::codegen

// Gathers one instruction-set level's entry points into its IsaKernels table
// (compiled once per level, like the other *_kernels.cpp files).
#include "isa_kernels.h"

namespace aotc_cpu::detail {

extern const IsaKernels AOTC_CPU_ISA_TABLE;
const IsaKernels AOTC_CPU_ISA_TABLE = {
    AOTC_CPU_ISA_ENUM,
    &AOTC_CPU_ISA_NS::gemm,
    &AOTC_CPU_ISA_NS::softmax,
    &AOTC_CPU_ISA_NS::layer_norm,
    &AOTC_CPU_ISA_NS::group_norm,
    &AOTC_CPU_ISA_NS::reduce,
    &AOTC_CPU_ISA_NS::attention,
    &AOTC_CPU_ISA_NS::depthwise_conv2d,
    &AOTC_CPU_ISA_NS::conv2d_implicit_gemm,
    &AOTC_CPU_ISA_NS::epilogue_rows,
    &AOTC_CPU_ISA_NS::convert,
};

}  // namespace aotc_cpu::detail

// The fused epilogue of GEMM and convolution, applied to one row segment of
// float32 results right after they are computed (while they sit in L1).
// Order (see Epilogue in aotc_cpu_types.h): + beta * old, + bias,
// [+ residual], activation, [+ residual], round to the output dtype.
#pragma once

#include "simd.h"
#include "vec_math.h"

namespace aotc_cpu::AOTC_CPU_ISA_NS {

/// One segment's operands, each pointer already offset to the segment start.
struct EpilogueSegment {
  const float* src = nullptr;  ///< float32 results
  void* dst = nullptr;         ///< output row (dst_dtype); may be src itself
  DType dst_dtype = DType::kF32;
  const void* old = nullptr;   ///< previous output to add times beta (dst_dtype), or null
  float beta = 0.0f;
  const void* bias = nullptr;  ///< per element (bias_per_elem) or one value broadcast
  DType bias_dtype = DType::kF32;
  bool bias_per_elem = false;
  const void* residual = nullptr;
  DType residual_dtype = DType::kF32;
};

AOTC_CPU_INLINE VF epilogue_vec(const Epilogue& ep, const EpilogueSegment& s, VF v, VF bias_bcast,
                                int64_t j, int n) {
  const bool full = n == kW;
  if (s.old) {
    const VF o = full ? vload_t(s.old, s.dst_dtype, j) : vload_t_n(s.old, s.dst_dtype, j, n);
    v = vfma(o, vset1(s.beta), v);
  }
  if (s.bias) {
    if (s.bias_per_elem) {
      v = v + (full ? vload_t(s.bias, s.bias_dtype, j) : vload_t_n(s.bias, s.bias_dtype, j, n));
    } else {
      v = v + bias_bcast;
    }
  }
  VF r = vzero();
  if (s.residual) r = full ? vload_t(s.residual, s.residual_dtype, j) : vload_t_n(s.residual, s.residual_dtype, j, n);
  if (s.residual && ep.residual_before_act) v = v + r;
  v = apply_activation(v, ep.act, ep.act_alpha, ep.act_beta);
  if (s.residual && !ep.residual_before_act) v = v + r;
  return v;
}

/// Applies the epilogue to n elements.
inline void apply_epilogue(const Epilogue& ep, const EpilogueSegment& s, int64_t n) {
  const VF bias_bcast =
      (s.bias && !s.bias_per_elem) ? vset1(load_scalar(s.bias, s.bias_dtype, 0)) : vzero();
  int64_t j = 0;
  for (; j + kW <= n; j += kW) {
    const VF v = epilogue_vec(ep, s, vload(s.src + j), bias_bcast, j, kW);
    vstore_t(s.dst, s.dst_dtype, j, v);
  }
  if (j < n) {
    const int rem = static_cast<int>(n - j);
    const VF v = epilogue_vec(ep, s, vload_n(s.src + j, rem), bias_bcast, j, rem);
    vstore_t_n(s.dst, s.dst_dtype, j, v, rem);
  }
}

/// True when the epilogue does something beyond the product (so a float32
/// output written by the microkernel still needs a pass).
AOTC_CPU_INLINE bool epilogue_active(const Epilogue& ep) {
  return ep.bias != nullptr || ep.act != Activation::kNone || ep.residual != nullptr;
}

}  // namespace aotc_cpu::AOTC_CPU_ISA_NS

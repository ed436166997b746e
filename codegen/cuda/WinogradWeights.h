// WinogradWeights: the filter transform of Winograd F(2x2, 3x3) on the host,
// for constant weights the compiler can transform once when it writes the
// package (conv2d_winograd_f2x3 in templates/cuda/winograd.cuh reads U, not
// the weight). It computes exactly what the GPU's
// winograd_f2x3_filter_transform computes, through the same inline function
// (winograd_f2x3.h): the same float32 operations in the same order, so either
// may be used and the outputs agree bit for bit for normal (not subnormal)
// weights: the transform has only additions and halvings, and a halving is
// exact, so FMA contraction cannot change a result.
//
// Header-only and not yet called by the emitter (docs/cuda-kernels.md).
#pragma once

#include <cstdint>
#include <vector>

#include "../templates/cuda/winograd_f2x3.h"

namespace aotc::codegen {

/// U = G g G^T for every (k, c) of a contiguous [out_c, in_c, 3, 3] float32
/// weight, in the layout winograd.cuh reads: 16 row-major [in_c, out_c]
/// matrices, U[comp][c][k] at aotc::winograd::f2x3_u_index (16 * in_c *
/// out_c floats). Both counts must keep 16 * in_c * out_c below 2^31.
inline std::vector<float> winograd_f2x3_transform_weights(const float* w, int64_t out_c,
                                                          int64_t in_c) {
  using namespace aotc::winograd;
  std::vector<float> u(static_cast<size_t>(kF2x3Comps * in_c * out_c));
  const int oc_n = static_cast<int>(out_c), ic_n = static_cast<int>(in_c);
  for (int k = 0; k < oc_n; ++k)
    for (int c = 0; c < ic_n; ++c) {
      float g[9], v[16];
      const float* src = w + (static_cast<int64_t>(k) * in_c + c) * 9;
      for (int t = 0; t < 9; ++t) g[t] = src[t];
      f2x3_filter_transform(g, v);
      for (int comp = 0; comp < kF2x3Comps; ++comp)
        u[static_cast<size_t>(f2x3_u_index(comp, c, k, ic_n, oc_n))] = v[comp];
    }
  return u;
}

}  // namespace aotc::codegen

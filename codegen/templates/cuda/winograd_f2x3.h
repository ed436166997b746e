// winograd_f2x3.h: the algebra of Winograd's F(2x2, 3x3) convolution, shared
// by the CUDA kernels (winograd.cuh, through NVRTC), the compiler's host-side
// weight transform (codegen/cuda/WinogradWeights.h) and the host unit test
// (tests/kernels_cuda/test_winograd_host.cpp). One copy of the arithmetic,
// so the test that checks it on the CPU checks what the GPU runs.
//
// A 2x2 block of outputs of a 3x3 cross-correlation (PyTorch's conv2d, stride
// 1, dilation 1) is Y = A^T [ (G g G^T) .* (B^T d B) ] A, with g the 3x3
// filter, d the 4x4 input patch whose corner is the block's window corner,
// and .* elementwise (16 products instead of 36):
//
//   B^T = [1  0 -1  0]    G = [ 1    0    0 ]    A^T = [1  1  1  0]
//         [0  1  1  0]        [1/2  1/2  1/2]          [0  1 -1 -1]
//         [0 -1  1  0]        [1/2 -1/2  1/2]
//         [0  1  0 -1]        [ 0    0    1 ]
//
// Every entry is 0, +-1 or +-1/2, so the transforms are additions and exact
// halvings: float32 results stay within a few ulps of direct convolution
// (larger tiles such as F(4x4, 3x3) need entries like 1/6 and 4, whose
// rounding errors grow past the 1e-5 the kernel checks hold float32 to).
//
// Component index: comp = 4 * row + col of the 4x4 transformed tile.
//
// No includes at all: NVRTC compiles this with no include path (the
// embedded-template test forbids system headers), and a host compiler with
// nothing else.
#ifndef AOTC_WINOGRAD_F2X3_H
#define AOTC_WINOGRAD_F2X3_H

// Host compilers warn about "#pragma unroll" (-Werror): it is spelled only for CUDA.
#if defined(__CUDACC__)
#define AOTC_WINO_HD __host__ __device__ __forceinline__
#define AOTC_WINO_UNROLL _Pragma("unroll")
#else
#define AOTC_WINO_HD inline
#define AOTC_WINO_UNROLL
#endif

namespace aotc {
namespace winograd {

constexpr int kF2x3Comps = 16;  ///< transformed tile 4x4: one GEMM per component
constexpr int kF2x3Patch = 4;   ///< input patch side
constexpr int kF2x3Out = 2;     ///< output block side

/// U = G g G^T for one (output channel, input channel) filter; g and u row-major.
AOTC_WINO_HD void f2x3_filter_transform(const float (&g)[9], float (&u)[16]) {
  float t[4][3];  // G g
  AOTC_WINO_UNROLL
  for (int j = 0; j < 3; ++j) {
    t[0][j] = g[j];
    t[1][j] = (g[j] + g[3 + j] + g[6 + j]) * 0.5f;
    t[2][j] = (g[j] - g[3 + j] + g[6 + j]) * 0.5f;
    t[3][j] = g[6 + j];
  }
  AOTC_WINO_UNROLL
  for (int i = 0; i < 4; ++i) {  // (G g) G^T
    u[4 * i + 0] = t[i][0];
    u[4 * i + 1] = (t[i][0] + t[i][1] + t[i][2]) * 0.5f;
    u[4 * i + 2] = (t[i][0] - t[i][1] + t[i][2]) * 0.5f;
    u[4 * i + 3] = t[i][2];
  }
}

/// V = B^T d B for one 4x4 input patch, in place (d row-major in, V out).
AOTC_WINO_HD void f2x3_input_transform(float (&d)[16]) {
  float t[16];  // B^T d
  AOTC_WINO_UNROLL
  for (int j = 0; j < 4; ++j) {
    t[j] = d[j] - d[8 + j];
    t[4 + j] = d[4 + j] + d[8 + j];
    t[8 + j] = d[8 + j] - d[4 + j];
    t[12 + j] = d[4 + j] - d[12 + j];
  }
  AOTC_WINO_UNROLL
  for (int i = 0; i < 4; ++i) {  // (B^T d) B
    d[4 * i + 0] = t[4 * i] - t[4 * i + 2];
    d[4 * i + 1] = t[4 * i + 1] + t[4 * i + 2];
    d[4 * i + 2] = t[4 * i + 2] - t[4 * i + 1];
    d[4 * i + 3] = t[4 * i + 1] - t[4 * i + 3];
  }
}

/// Y = A^T m A: the 2x2 outputs (row-major) of one transformed product tile m.
AOTC_WINO_HD void f2x3_output_transform(const float (&m)[16], float (&y)[4]) {
  float t[2][4];  // A^T m
  AOTC_WINO_UNROLL
  for (int j = 0; j < 4; ++j) {
    t[0][j] = m[j] + m[4 + j] + m[8 + j];
    t[1][j] = m[4 + j] - m[8 + j] - m[12 + j];
  }
  AOTC_WINO_UNROLL
  for (int i = 0; i < 2; ++i) {  // (A^T m) A
    y[2 * i + 0] = t[i][0] + t[i][1] + t[i][2];
    y[2 * i + 1] = t[i][1] - t[i][2] - t[i][3];
  }
}

/// Number of 2-wide output blocks along a side of `out` outputs; the last one
/// is partial when `out` is odd (its second output is computed and dropped).
AOTC_WINO_HD int f2x3_tiles(int out) {
  return (out + 1) / 2;
}

/// Winograd tile p (over all images, row-major (n, tile row, tile col)) ->
/// image n and the corner (ih0, iw0) of its 4x4 input patch, which may lie
/// partly in the padding (negative, or past the input's last row/column).
AOTC_WINO_HD void f2x3_tile_origin(int p, int tiles_h, int tiles_w, int pad_h, int pad_w, int& n,
                                   int& ih0, int& iw0) {
  const int per_image = tiles_h * tiles_w;
  n = p / per_image;
  const int r = p - n * per_image;
  const int th = r / tiles_w;
  ih0 = 2 * th - pad_h;
  iw0 = 2 * (r - th * tiles_w) - pad_w;
}

/// Where U[comp][c][k] lives in the transformed-weight buffer: 16 row-major
/// C x K matrices, one per component (16 * C * K floats), so a block's slice
/// (one component, a few channels, consecutive output channels) is rows of
/// contiguous floats.
AOTC_WINO_HD int f2x3_u_index(int comp, int c, int k, int in_c, int out_c) {
  return (comp * in_c + c) * out_c + k;
}

}  // namespace winograd
}  // namespace aotc

#endif  // AOTC_WINOGRAD_F2X3_H

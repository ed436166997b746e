// Convolutions: conv1d / conv2d (GEMM on the input for 1x1 stride-1, direct
// kernel for depthwise, implicit-im2col GEMM otherwise, see conv_kernels.cpp)
// and conv_transpose2d (GEMM into a caller-provided column buffer, chunked
// to kConvScratchBudget, then col2im and the epilogue).
#include <algorithm>
#include <cstring>

#include "aotc_cpu_kernels.h"
#include "dtype_access.h"
#include "internal.h"
#include "isa_kernels.h"
#include "parallel.h"

namespace aotc_cpu {
namespace {

using detail::at;
using detail::load_f32;

/// Most bytes one im2col / col2im column chunk may take.
constexpr int64_t kConvScratchBudget = int64_t{4} << 20;
/// Columns of a chunk are a multiple of this (whole GEMM register tiles).
constexpr int64_t kChunkQuantum = 64;

struct Strides4 {
  int64_t n, c, h, w;
};

Strides4 input_strides(const Conv2dArgs& a) {
  if (a.input_strides[0] == 0 && a.input_strides[1] == 0 && a.input_strides[2] == 0 &&
      a.input_strides[3] == 0) {
    return {a.in_channels * a.in_h * a.in_w, a.in_h * a.in_w, a.in_w, 1};
  }
  return {a.input_strides[0], a.input_strides[1], a.input_strides[2], a.input_strides[3]};
}

void check_conv(const Conv2dArgs& a) {
  AOTC_CPU_CHECK(a.batch >= 0 && a.in_channels >= 0 && a.out_channels >= 0 && a.in_h >= 0 &&
                     a.in_w >= 0 && a.kernel_h >= 1 && a.kernel_w >= 1,
                 "conv sizes must be >= 0 and kernel >= 1");
  AOTC_CPU_CHECK(a.stride_h >= 1 && a.stride_w >= 1 && a.dilation_h >= 1 && a.dilation_w >= 1 &&
                     a.pad_h >= 0 && a.pad_w >= 0,
                 "conv stride and dilation must be >= 1, padding >= 0");
  AOTC_CPU_CHECK(a.groups >= 1 && a.in_channels % a.groups == 0 && a.out_channels % a.groups == 0,
                 "conv groups must divide in_channels and out_channels");
}

bool is_depthwise(const Conv2dArgs& a) {
  return a.groups > 1 && a.groups == a.in_channels && a.out_channels % a.in_channels == 0;
}

bool is_pointwise(const Conv2dArgs& a, const Strides4& s) {
  return a.kernel_h == 1 && a.kernel_w == 1 && a.stride_h == 1 && a.stride_w == 1 && a.pad_h == 0 &&
         a.pad_w == 0 && s.w == 1 && (s.h == a.in_w || a.in_h == 1);
}

/// Output pixels per im2col chunk.
int64_t chunk_cols(int64_t k_rows, int64_t total_cols) {
  int64_t c = kConvScratchBudget / (std::max<int64_t>(k_rows, 1) * 4);
  c = std::max(kChunkQuantum, c / kChunkQuantum * kChunkQuantum);
  return std::min(c, total_cols);
}

/// The 1x1 stride-1 convolution of group g: out = weight[g] @ input[g] with
/// the input read as a [cin/g, H*W] matrix (b_row_stride apart).
void conv2d_gemm(const Conv2dArgs& a, int64_t g, const void* b, int64_t b_row_stride, int64_t ohw,
                 int64_t b_batch_stride, ParallelFor parallel_for) {
  const int64_t cout_g = a.out_channels / a.groups;
  const int64_t k_rows = a.in_channels / a.groups * a.kernel_h * a.kernel_w;
  GemmArgs gm;
  gm.batch = a.batch;
  gm.m = cout_g;
  gm.n = ohw;
  gm.k = k_rows;
  gm.a = at(a.weight, a.weight_dtype, g * cout_g * k_rows);
  gm.a_dtype = a.weight_dtype;
  gm.a_row_stride = k_rows;
  gm.a_col_stride = 1;
  gm.b = b;
  gm.b_dtype = a.input_dtype;
  gm.b_batch_stride = b_batch_stride;
  gm.b_row_stride = b_row_stride;
  gm.b_col_stride = 1;
  const int64_t out_off = g * cout_g * ohw;
  gm.c = at(a.output, a.output_dtype, out_off);
  gm.c_dtype = a.output_dtype;
  gm.c_batch_stride = a.out_channels * ohw;
  gm.ldc = ohw;
  gm.epilogue = a.epilogue;
  gm.epilogue.bias_kind = BiasKind::kPerRow;
  if (a.epilogue.bias) gm.epilogue.bias = at(a.epilogue.bias, a.epilogue.bias_dtype, g * cout_g);
  if (a.epilogue.residual) {
    gm.epilogue.residual = at(a.epilogue.residual, a.epilogue.residual_dtype, out_off);
    gm.residual_ld = ohw;
    gm.residual_batch_stride = a.out_channels * ohw;
  }
  gemm(gm, parallel_for);
}

}  // namespace

int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation) {
  const int64_t span = in + 2 * pad - dilation * (kernel - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

size_t conv2d_scratch_bytes(const Conv2dArgs& a) {
  check_conv(a);
  // Every conv2d path works in place: im2col happens inside the GEMM's own
  // (thread-local, bounded) packing buffers.
  return 0;
}

void conv2d(const Conv2dArgs& a, void* scratch, ParallelFor parallel_for) {
  check_conv(a);
  const int64_t oh = conv_output_size(a.in_h, a.kernel_h, a.stride_h, a.pad_h, a.dilation_h);
  const int64_t ow = conv_output_size(a.in_w, a.kernel_w, a.stride_w, a.pad_w, a.dilation_w);
  const int64_t ohw = oh * ow;
  if (a.batch == 0 || a.out_channels == 0 || ohw == 0) return;
  AOTC_CPU_CHECK(a.output != nullptr && a.weight != nullptr && a.input != nullptr, "conv tensor is null");
  const Strides4 s = input_strides(a);
  if (is_depthwise(a)) {
    detail::active_kernels().depthwise_conv2d(a, parallel_for);
    return;
  }
  const int64_t cin_g = a.in_channels / a.groups;
  if (is_pointwise(a, s)) {
    for (int64_t g = 0; g < a.groups; ++g) {
      conv2d_gemm(a, g, at(a.input, a.input_dtype, g * cin_g * s.c), s.c, ohw, s.n, parallel_for);
    }
    return;
  }
  (void)scratch;
  detail::active_kernels().conv2d_implicit_gemm(a, parallel_for);
}

namespace {

Conv2dArgs as_conv2d(const Conv1dArgs& a) {
  Conv2dArgs c;
  c.batch = a.batch;
  c.in_channels = a.in_channels;
  c.in_h = 1;
  c.in_w = a.in_len;
  c.input = a.input;
  c.input_dtype = a.input_dtype;
  if (a.input_strides[0] != 0 || a.input_strides[1] != 0 || a.input_strides[2] != 0) {
    c.input_strides[0] = a.input_strides[0];
    c.input_strides[1] = a.input_strides[1];
    c.input_strides[2] = 0;  // height 1: never stepped
    c.input_strides[3] = a.input_strides[2];
  }
  c.out_channels = a.out_channels;
  c.kernel_h = 1;
  c.kernel_w = a.kernel;
  c.weight = a.weight;
  c.weight_dtype = a.weight_dtype;
  c.stride_w = a.stride;
  c.pad_w = a.pad;
  c.dilation_w = a.dilation;
  c.groups = a.groups;
  c.output = a.output;
  c.output_dtype = a.output_dtype;
  c.epilogue = a.epilogue;
  return c;
}

}  // namespace

size_t conv1d_scratch_bytes(const Conv1dArgs& a) { return conv2d_scratch_bytes(as_conv2d(a)); }

void conv1d(const Conv1dArgs& a, void* scratch, ParallelFor parallel_for) {
  conv2d(as_conv2d(a), scratch, parallel_for);
}

// ------------------------------------------------------------ transposed

int64_t conv_transpose_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                                   int64_t dilation, int64_t output_pad) {
  const int64_t o = (in - 1) * stride - 2 * pad + dilation * (kernel - 1) + output_pad + 1;
  return o < 0 ? 0 : o;
}

namespace {

void check_conv_transpose(const ConvTranspose2dArgs& a) {
  AOTC_CPU_CHECK(a.batch >= 0 && a.in_channels >= 0 && a.out_channels >= 0 && a.in_h >= 0 &&
                     a.in_w >= 0 && a.kernel_h >= 1 && a.kernel_w >= 1,
                 "conv_transpose sizes must be >= 0 and kernel >= 1");
  AOTC_CPU_CHECK(a.stride_h >= 1 && a.stride_w >= 1 && a.dilation_h >= 1 && a.dilation_w >= 1 &&
                     a.pad_h >= 0 && a.pad_w >= 0 && a.output_pad_h >= 0 && a.output_pad_w >= 0,
                 "conv_transpose stride and dilation must be >= 1, paddings >= 0");
  AOTC_CPU_CHECK(a.groups >= 1 && a.in_channels % a.groups == 0 && a.out_channels % a.groups == 0,
                 "conv_transpose groups must divide in_channels and out_channels");
}

struct TransposeGeometry {
  int64_t oh, ow, ohw, hw, k_rows, chunk;
  bool acc_in_output;  // float32 output accumulates in place
};

TransposeGeometry transpose_geometry(const ConvTranspose2dArgs& a) {
  TransposeGeometry t;
  t.oh = conv_transpose_output_size(a.in_h, a.kernel_h, a.stride_h, a.pad_h, a.dilation_h, a.output_pad_h);
  t.ow = conv_transpose_output_size(a.in_w, a.kernel_w, a.stride_w, a.pad_w, a.dilation_w, a.output_pad_w);
  t.ohw = t.oh * t.ow;
  t.hw = a.in_h * a.in_w;
  t.k_rows = a.out_channels / a.groups * a.kernel_h * a.kernel_w;
  t.chunk = std::max<int64_t>(1, chunk_cols(t.k_rows, t.hw));
  t.acc_in_output = a.output_dtype == DType::kF32;
  return t;
}

}  // namespace

size_t conv_transpose2d_scratch_bytes(const ConvTranspose2dArgs& a) {
  check_conv_transpose(a);
  const TransposeGeometry t = transpose_geometry(a);
  if (t.ohw == 0 || t.hw == 0) return t.acc_in_output ? 0 : static_cast<size_t>(a.out_channels * t.ohw) * 4;
  size_t floats = static_cast<size_t>(t.k_rows * t.chunk);
  if (!t.acc_in_output) floats += static_cast<size_t>(a.out_channels * t.ohw);
  return floats * sizeof(float);
}

void conv_transpose2d(const ConvTranspose2dArgs& a, void* scratch, ParallelFor parallel_for) {
  check_conv_transpose(a);
  const TransposeGeometry t = transpose_geometry(a);
  if (a.batch == 0 || a.out_channels == 0 || t.ohw == 0) return;
  AOTC_CPU_CHECK(a.output != nullptr && (t.hw == 0 || (a.weight && a.input)), "conv_transpose tensor is null");
  const int64_t need = static_cast<int64_t>(conv_transpose2d_scratch_bytes(a));
  AOTC_CPU_CHECK(need == 0 || scratch != nullptr, "conv_transpose2d needs its scratch bytes");
  float* cols = static_cast<float*>(scratch);
  const int64_t cin_g = a.in_channels / a.groups;
  const int64_t cout_g = a.out_channels / a.groups;
  const int64_t kk = a.kernel_h * a.kernel_w;

  for (int64_t n = 0; n < a.batch; ++n) {
    float* acc = t.acc_in_output ? static_cast<float*>(at(a.output, DType::kF32, n * a.out_channels * t.ohw))
                                 : cols + t.k_rows * t.chunk;
    std::memset(acc, 0, static_cast<size_t>(a.out_channels * t.ohw) * sizeof(float));
    for (int64_t g = 0; g < a.groups; ++g) {
      for (int64_t c0 = 0; c0 < t.hw; c0 += t.chunk) {
        const int64_t nc = std::min(t.chunk, t.hw - c0);
        // cols[r, p] = sum_ci weight[g * cin_g + ci, r] * x[n, g * cin_g + ci, c0 + p]
        GemmArgs gm;
        gm.m = t.k_rows;
        gm.n = nc;
        gm.k = cin_g;
        gm.a = at(a.weight, a.weight_dtype, g * cin_g * t.k_rows);
        gm.a_dtype = a.weight_dtype;
        gm.a_row_stride = 1;
        gm.a_col_stride = t.k_rows;
        gm.b = at(a.input, a.input_dtype, (n * a.in_channels + g * cin_g) * t.hw + c0);
        gm.b_dtype = a.input_dtype;
        gm.b_row_stride = t.hw;
        gm.b_col_stride = 1;
        gm.c = cols;
        gm.ldc = nc;
        gemm(gm, parallel_for);
        // col2im: scatter-add each row into its output channel (rows of one
        // channel are disjoint from other channels', so channels run in parallel).
        detail::parallel_range(parallel_for, cout_g, 1, [&](int64_t cb, int64_t ce) {
          for (int64_t co = cb; co < ce; ++co) {
            float* out = acc + (g * cout_g + co) * t.ohw;
            for (int64_t kidx = 0; kidx < kk; ++kidx) {
              const int64_t ki = kidx / a.kernel_w;
              const int64_t kj = kidx % a.kernel_w;
              const float* src = cols + (co * kk + kidx) * nc;
              for (int64_t p = 0; p < nc; ++p) {
                const int64_t pix = c0 + p;
                const int64_t ih = pix / a.in_w;
                const int64_t iw = pix - ih * a.in_w;
                const int64_t oy = ih * a.stride_h - a.pad_h + ki * a.dilation_h;
                const int64_t ox = iw * a.stride_w - a.pad_w + kj * a.dilation_w;
                if (oy >= 0 && oy < t.oh && ox >= 0 && ox < t.ow) out[oy * t.ow + ox] += src[p];
              }
            }
          }
        });
      }
    }
    // Epilogue over the whole image: rows are output channels.
    const Epilogue& ep = a.epilogue;
    if (!t.acc_in_output || ep.bias || ep.act != Activation::kNone || ep.residual) {
      Epilogue e = ep;
      if (ep.residual) e.residual = at(ep.residual, ep.residual_dtype, n * a.out_channels * t.ohw);
      detail::active_kernels().epilogue_rows(e, acc, t.ohw,
                                             at(a.output, a.output_dtype, n * a.out_channels * t.ohw),
                                             a.output_dtype, t.ohw, a.out_channels, t.ohw, true, t.ohw);
    }
  }
}

}  // namespace aotc_cpu

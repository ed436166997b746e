// Plain types shared by the CPU kernel library's API and its kernels.
//
// Enums and aggregate argument structs only; no functions. The ISA-specific
// translation units include this header (and not aotc_cpu_kernels.h) so they
// never emit an inline function that baseline code could end up calling.
// Argument structs are aggregates with defaults, made for C++20 designated
// initializers in generated code:
//   aotc_cpu::gemm({.m = M, .n = N, .k = K, .a = x, ...}, ctx->parallel_for);
#pragma once

#include <cstdint>

namespace aotc_cpu {

/// Storage type of a tensor. bfloat16 and float16 are stored as their uint16
/// bit patterns; every kernel computes in float32 and rounds to nearest even
/// on store.
enum class DType : int32_t {
  kF32 = 0,
  kBF16 = 1,
  kF16 = 2,
};

/// The callback of aotc_model::RunContext::parallel_for: runs
/// fn(begin, end, arg) over [0, n) in chunks of at least `grain`, returns when
/// all are done. A null ParallelFor means "run serially on this thread".
using ParallelForBody = void (*)(int64_t begin, int64_t end, void* arg);
using ParallelFor = void (*)(int64_t n, int64_t grain, ParallelForBody fn, void* arg);

/// Pointwise activation of an epilogue (PyTorch semantics, NaN propagating).
enum class Activation : int32_t {
  kNone = 0,
  kRelu,       ///< max(x, 0)
  kGeluTanh,   ///< gelu(approximate="tanh")
  kGeluErf,    ///< gelu(approximate="none")
  kSilu,       ///< x * sigmoid(x)
  kSigmoid,
  kTanh,
  kHardtanh,   ///< clamp(x, act_alpha, act_beta); relu6 is (0, 6)
  kLeakyRelu,  ///< x > 0 ? x : act_alpha * x
};

/// Where a bias vector is broadcast in a GEMM output C[m, n].
enum class BiasKind : int32_t {
  kNone = 0,
  kPerCol,  ///< bias[n]: per output feature (nn.Linear)
  kPerRow,  ///< bias[m]: per row (convolution as GEMM: per output channel)
};

/// What happens to an output element v = alpha * (A @ B) [+ beta * C_old]
/// after the product, in this order:
///   v += bias                      (if bias != nullptr)
///   v += residual                  (if residual != nullptr && residual_before_act)
///   v  = act(v)
///   v += residual                  (if residual != nullptr && !residual_before_act)
/// then v is rounded to the output dtype. ResNet's block is conv + bias, add
/// residual, relu: residual_before_act = true (the default). The residual
/// never aliases the output.
struct Epilogue {
  const void* bias = nullptr;
  DType bias_dtype = DType::kF32;
  /// GEMM only; convolutions always broadcast the bias per output channel.
  BiasKind bias_kind = BiasKind::kPerCol;
  Activation act = Activation::kNone;
  float act_alpha = 0.0f;  ///< hardtanh min, leaky_relu negative slope
  float act_beta = 0.0f;   ///< hardtanh max
  const void* residual = nullptr;  ///< layout given by the op (see GemmArgs, Conv2dArgs)
  DType residual_dtype = DType::kF32;
  bool residual_before_act = true;
};

/// C[b] = alpha * op(A[b]) @ op(B[b]) (+ beta * C[b]), then the epilogue.
/// Shapes: A is [m, k], B is [k, n], C is [m, n], all element strides:
///   A[b][i][p] = a[b * a_batch_stride + i * a_row_stride + p * a_col_stride]
///   B[b][p][j] = b[b * b_batch_stride + p * b_row_stride + j * b_col_stride]
///   C[b][i][j] = c[b * c_batch_stride + i * ldc + j]
/// Any strides are allowed for A and B (0 broadcasts; a transposed operand is
/// just swapped strides: nn.Linear's weight [n, k] is B with b_row_stride = 1,
/// b_col_stride = k). C rows are unit-stride; C never aliases A, B, bias or
/// residual. beta == 0 means C is not read (NaNs in it do not propagate).
/// k == 0 gives beta * C (then the epilogue). Accumulation is float32.
struct GemmArgs {
  int64_t batch = 1;
  int64_t m = 0;
  int64_t n = 0;
  int64_t k = 0;

  const void* a = nullptr;
  DType a_dtype = DType::kF32;
  int64_t a_batch_stride = 0;
  int64_t a_row_stride = 0;  ///< stride along m
  int64_t a_col_stride = 1;  ///< stride along k

  const void* b = nullptr;
  DType b_dtype = DType::kF32;
  int64_t b_batch_stride = 0;
  int64_t b_row_stride = 0;  ///< stride along k
  int64_t b_col_stride = 1;  ///< stride along n

  void* c = nullptr;
  DType c_dtype = DType::kF32;
  int64_t c_batch_stride = 0;
  int64_t ldc = 0;

  float alpha = 1.0f;
  float beta = 0.0f;

  Epilogue epilogue = {};
  /// Residual element (b, i, j) is at
  /// residual[b * residual_batch_stride + i * residual_ld + j].
  int64_t residual_ld = 0;
  int64_t residual_batch_stride = 0;
  /// Bias of batch b starts at bias + b * bias_batch_stride (0: shared).
  int64_t bias_batch_stride = 0;
};

/// 2-D convolution, NCHW (PyTorch's conv2d / aten.convolution).
///   input  [batch, in_channels, in_h, in_w] at input_strides (elements; all
///          zero means contiguous)
///   weight [out_channels, in_channels / groups, kernel_h, kernel_w], contiguous
///   output [batch, out_channels, out_h, out_w], contiguous, with
///          out = (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1
/// Epilogue: bias per output channel (bias_kind is ignored); residual has the
/// output's shape and is contiguous. The output never aliases any input.
struct Conv2dArgs {
  int64_t batch = 1;
  int64_t in_channels = 0;
  int64_t in_h = 1;
  int64_t in_w = 1;
  const void* input = nullptr;
  DType input_dtype = DType::kF32;
  int64_t input_strides[4] = {0, 0, 0, 0};

  int64_t out_channels = 0;
  int64_t kernel_h = 1;
  int64_t kernel_w = 1;
  const void* weight = nullptr;
  DType weight_dtype = DType::kF32;

  int64_t stride_h = 1;
  int64_t stride_w = 1;
  int64_t pad_h = 0;
  int64_t pad_w = 0;
  int64_t dilation_h = 1;
  int64_t dilation_w = 1;
  int64_t groups = 1;

  void* output = nullptr;
  DType output_dtype = DType::kF32;

  Epilogue epilogue = {};
};

/// 1-D convolution, NCL: the 2-D one with height 1 (same rules).
///   input [batch, in_channels, in_len], weight [out_channels, in_channels / groups, kernel],
///   output [batch, out_channels, out_len] contiguous.
struct Conv1dArgs {
  int64_t batch = 1;
  int64_t in_channels = 0;
  int64_t in_len = 1;
  const void* input = nullptr;
  DType input_dtype = DType::kF32;
  int64_t input_strides[3] = {0, 0, 0};

  int64_t out_channels = 0;
  int64_t kernel = 1;
  const void* weight = nullptr;
  DType weight_dtype = DType::kF32;

  int64_t stride = 1;
  int64_t pad = 0;
  int64_t dilation = 1;
  int64_t groups = 1;

  void* output = nullptr;
  DType output_dtype = DType::kF32;

  Epilogue epilogue = {};
};

/// 2-D transposed convolution, NCHW (conv_transpose2d).
///   input  [batch, in_channels, in_h, in_w], contiguous
///   weight [in_channels, out_channels / groups, kernel_h, kernel_w], contiguous
///   output [batch, out_channels, out_h, out_w], contiguous, with
///          out = (in - 1) * stride - 2 * pad + dilation * (kernel - 1) + output_pad + 1
/// Epilogue as for Conv2dArgs.
struct ConvTranspose2dArgs {
  int64_t batch = 1;
  int64_t in_channels = 0;
  int64_t in_h = 1;
  int64_t in_w = 1;
  const void* input = nullptr;
  DType input_dtype = DType::kF32;

  int64_t out_channels = 0;
  int64_t kernel_h = 1;
  int64_t kernel_w = 1;
  const void* weight = nullptr;
  DType weight_dtype = DType::kF32;

  int64_t stride_h = 1;
  int64_t stride_w = 1;
  int64_t pad_h = 0;
  int64_t pad_w = 0;
  int64_t output_pad_h = 0;
  int64_t output_pad_w = 0;
  int64_t dilation_h = 1;
  int64_t dilation_w = 1;
  int64_t groups = 1;

  void* output = nullptr;
  DType output_dtype = DType::kF32;

  Epilogue epilogue = {};
};

/// 2-D pooling window parameters, NCHW; input and output contiguous.
/// Output size per dim: pool_output_size(in, kernel, stride, pad, dilation, ceil_mode).
struct Pool2dArgs {
  int64_t batch = 1;
  int64_t channels = 0;
  int64_t in_h = 1;
  int64_t in_w = 1;
  const void* input = nullptr;
  void* output = nullptr;
  DType dtype = DType::kF32;

  int64_t kernel_h = 1;
  int64_t kernel_w = 1;
  int64_t stride_h = 1;
  int64_t stride_w = 1;
  int64_t pad_h = 0;
  int64_t pad_w = 0;
  int64_t dilation_h = 1;  ///< max pool only (avg_pool2d has none)
  int64_t dilation_w = 1;
  bool ceil_mode = false;
  bool count_include_pad = true;  ///< avg pool only
  int64_t divisor_override = 0;   ///< avg pool only; 0 = none
};

/// How an attention mask is given.
enum class MaskKind : int32_t {
  kNone = 0,
  kBool,      ///< uint8/bool: nonzero = attend (PyTorch's boolean attn_mask)
  kAdditive,  ///< float added to the scores (mask_dtype), -inf masks out
};

/// scaled_dot_product_attention:
///   out[b,h,i,:] = softmax_j(scale * q[b,h,i,:] . k[b,h,j,:] + mask[b,h,i,j]) @ v[b,h,:,:]
///   q [batch, heads, l, e], k [batch, heads, s, e], v [batch, heads, s, ev]:
///   any element strides per dim (0 broadcasts), dtypes may differ;
///   out [batch, heads, l, ev] contiguous (out_dtype).
/// causal: query i sees keys j <= i (top-left aligned, PyTorch's is_causal).
/// mask: element (b,h,i,j) at mask[b*s0 + h*s1 + i*s2 + j*s3] (mask_strides,
/// 0 broadcasts). A query row with every key masked out gives zeros (as
/// PyTorch's math backend since 2.5), not NaN. scale is explicit: pass
/// 1/sqrt(e) for PyTorch's default.
struct AttentionArgs {
  int64_t batch = 1;
  int64_t heads = 1;
  int64_t l = 0;
  int64_t s = 0;
  int64_t e = 0;
  int64_t ev = 0;

  const void* q = nullptr;
  DType q_dtype = DType::kF32;
  int64_t q_strides[4] = {0, 0, 0, 1};
  const void* k = nullptr;
  DType k_dtype = DType::kF32;
  int64_t k_strides[4] = {0, 0, 0, 1};
  const void* v = nullptr;
  DType v_dtype = DType::kF32;
  int64_t v_strides[4] = {0, 0, 0, 1};

  void* out = nullptr;
  DType out_dtype = DType::kF32;

  float scale = 1.0f;
  bool causal = false;

  MaskKind mask_kind = MaskKind::kNone;
  const void* mask = nullptr;
  DType mask_dtype = DType::kF32;  ///< kAdditive only
  int64_t mask_strides[4] = {0, 0, 0, 1};
};

/// Reductions over the middle dim of a [outer, n, inner] view.
enum class ReduceOp : int32_t {
  kSum = 0,
  kMean,
  kMax,  ///< NaN propagating
  kMin,  ///< NaN propagating
  kVar,  ///< sum((x - mean)^2) / max(0, n - correction)
};

/// Instruction set levels of the kernels.
enum class Isa : int32_t {
  kBaseline = 0,  ///< SSE2 on x86-64, plain C++ vectors elsewhere
  kAvx2 = 1,      ///< AVX2 + FMA + F16C
  kAvx512 = 2,    ///< AVX-512 F/BW/DQ/VL
};

}  // namespace aotc_cpu

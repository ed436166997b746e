// cuDNN for convolutions, loaded at run time; see Cudnn.h.
#include "Cudnn.h"

#include <cudnn.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "CudaLibs.h"
#include "CudaModel.h"
#include "Errors.h"
#include "SharedLibrary.h"

namespace aotc_model::rt {
namespace {

// The legacy (v7-style) convolution API, which cuDNN 8 and 9 both export.
struct CudnnApi {
  size_t (*GetVersion)();
  const char* (*GetErrorString)(cudnnStatus_t);
  cudnnStatus_t (*Create)(cudnnHandle_t*);
  cudnnStatus_t (*Destroy)(cudnnHandle_t);
  cudnnStatus_t (*SetStream)(cudnnHandle_t, cudaStream_t);
  cudnnStatus_t (*CreateTensorDescriptor)(cudnnTensorDescriptor_t*);
  cudnnStatus_t (*DestroyTensorDescriptor)(cudnnTensorDescriptor_t);
  cudnnStatus_t (*SetTensor4dDescriptor)(cudnnTensorDescriptor_t, cudnnTensorFormat_t, cudnnDataType_t, int, int,
                                         int, int);
  cudnnStatus_t (*CreateFilterDescriptor)(cudnnFilterDescriptor_t*);
  cudnnStatus_t (*DestroyFilterDescriptor)(cudnnFilterDescriptor_t);
  cudnnStatus_t (*SetFilter4dDescriptor)(cudnnFilterDescriptor_t, cudnnDataType_t, cudnnTensorFormat_t, int, int,
                                         int, int);
  cudnnStatus_t (*CreateConvolutionDescriptor)(cudnnConvolutionDescriptor_t*);
  cudnnStatus_t (*DestroyConvolutionDescriptor)(cudnnConvolutionDescriptor_t);
  cudnnStatus_t (*SetConvolution2dDescriptor)(cudnnConvolutionDescriptor_t, int, int, int, int, int, int,
                                              cudnnConvolutionMode_t, cudnnDataType_t);
  cudnnStatus_t (*SetConvolutionGroupCount)(cudnnConvolutionDescriptor_t, int);
  cudnnStatus_t (*SetConvolutionMathType)(cudnnConvolutionDescriptor_t, cudnnMathType_t);
  cudnnStatus_t (*GetConvolutionForwardAlgorithm_v7)(cudnnHandle_t, cudnnTensorDescriptor_t, cudnnFilterDescriptor_t,
                                                     cudnnConvolutionDescriptor_t, cudnnTensorDescriptor_t, int, int*,
                                                     cudnnConvolutionFwdAlgoPerf_t*);
  cudnnStatus_t (*ConvolutionForward)(cudnnHandle_t, const void*, cudnnTensorDescriptor_t, const void*,
                                      cudnnFilterDescriptor_t, const void*, cudnnConvolutionDescriptor_t,
                                      cudnnConvolutionFwdAlgo_t, void*, size_t, const void*, cudnnTensorDescriptor_t,
                                      void*);
};

struct Loaded {
  const CudnnApi* api = nullptr;  // null when cuDNN is not usable
  std::string where;              // path and version, or why not
};

bool resolve(void* lib, CudnnApi& a, std::string* missing) {
  bool ok = true;
  auto get = [&](auto& fn, const char* name) { resolve_symbol(lib, fn, name, &ok, missing); };
  get(a.GetVersion, "cudnnGetVersion");
  get(a.GetErrorString, "cudnnGetErrorString");
  get(a.Create, "cudnnCreate");
  get(a.Destroy, "cudnnDestroy");
  get(a.SetStream, "cudnnSetStream");
  get(a.CreateTensorDescriptor, "cudnnCreateTensorDescriptor");
  get(a.DestroyTensorDescriptor, "cudnnDestroyTensorDescriptor");
  get(a.SetTensor4dDescriptor, "cudnnSetTensor4dDescriptor");
  get(a.CreateFilterDescriptor, "cudnnCreateFilterDescriptor");
  get(a.DestroyFilterDescriptor, "cudnnDestroyFilterDescriptor");
  get(a.SetFilter4dDescriptor, "cudnnSetFilter4dDescriptor");
  get(a.CreateConvolutionDescriptor, "cudnnCreateConvolutionDescriptor");
  get(a.DestroyConvolutionDescriptor, "cudnnDestroyConvolutionDescriptor");
  get(a.SetConvolution2dDescriptor, "cudnnSetConvolution2dDescriptor");
  get(a.SetConvolutionGroupCount, "cudnnSetConvolutionGroupCount");
  get(a.SetConvolutionMathType, "cudnnSetConvolutionMathType");
  get(a.GetConvolutionForwardAlgorithm_v7, "cudnnGetConvolutionForwardAlgorithm_v7");
  get(a.ConvolutionForward, "cudnnConvolutionForward");
  return ok;
}

Loaded load() {
  Loaded out;
  const SharedLibrary lib = open_cuda_library("libcudnn.so.9", "AOTC_CUDNN", {"nvidia/cudnn/lib"}, "cudnnGetVersion");
  if (lib.handle == nullptr) {
    out.where = lib.why_not;
    return out;
  }
  static CudnnApi api{};
  std::string missing;
  if (!resolve(lib.handle, api, &missing)) {
    out.where = lib.path + " lacks " + missing;
    return out;
  }
  const size_t version = api.GetVersion();
  out.where = lib.path + " (cuDNN " + std::to_string(version / 10000) + "." + std::to_string(version / 100 % 100) +
              "." + std::to_string(version % 100) + ")";
  if (version < 90000) {
    out.where += ": aotc needs cuDNN 9";
    return out;
  }
  out.api = &api;
  return out;
}

const Loaded& loaded() {
  static std::once_flag once;
  static Loaded l;
  std::call_once(once, [] {
    const int64_t t0 = now_ns();
    l = load();
    report_library("cuDNN", l.where + (l.api != nullptr ? fmt_ms(", loaded in ", ms_since(t0)) : ""));
  });
  return l;
}


cudnnDataType_t data_type(int32_t dtype) {
  switch (dtype) {
    case 5: return CUDNN_DATA_HALF;
    case 15: return CUDNN_DATA_BFLOAT16;
    default: return CUDNN_DATA_FLOAT;
  }
}

bool fits_int(int64_t v) { return v >= 0 && v <= INT_MAX; }

// Workspace beyond this is not worth it; cuDNN's ranking has cheaper choices.
constexpr size_t kMaxWorkspace = size_t{1} << 30;

}  // namespace

bool cudnn_available(std::string* where) {
  const Loaded& l = loaded();
  if (where != nullptr) *where = l.where;
  return l.api != nullptr;
}

struct CudnnInstance::Plan {
  std::vector<int64_t> key;
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  size_t workspace = 0;
  bool usable = true;  // false: no algorithm keeps the precision; aotc's kernel runs

  ~Plan() {
    const CudnnApi* a = loaded().api;
    if (a == nullptr) return;
    if (x != nullptr) a->DestroyTensorDescriptor(x);
    if (y != nullptr) a->DestroyTensorDescriptor(y);
    if (w != nullptr) a->DestroyFilterDescriptor(w);
    if (conv != nullptr) a->DestroyConvolutionDescriptor(conv);
  }
};

// Keyed by geometry, not by convolution: a ResNet's repeated blocks share one
// plan each, and a plan costs about 1.5 ms of cuDNN's heuristics (H200, cuDNN
// 9.19; ResNet-18 at batch 32 needs 7 instead of 16).
std::vector<int64_t> cudnn_plan_key(const CudnnConv2d& cv) {
  return {cv.dtype, cv.allow_tf32, cv.groups, cv.n,     cv.c,       cv.h,       cv.w,     cv.k,
          cv.r,     cv.s,          cv.out_h,  cv.out_w, cv.pad_h,   cv.pad_w,   cv.stride_h, cv.stride_w,
          cv.dil_h, cv.dil_w};
}

CudnnInstance::CudnnInstance() = default;

CudnnInstance::~CudnnInstance() {
  plans_.clear();
  if (handle_ != nullptr) loaded().api->Destroy(static_cast<cudnnHandle_t>(handle_));
}

int CudnnInstance::conv2d(const CudnnConv2d& cv, void* stream, char* error, size_t error_size) {
  // The threshold first: a convolution below it never loads cuDNN.
  static const double env_min = env_min_flops("AOTC_CUDNN_MIN_FLOPS");
  const double min_flops = env_min >= 0 ? env_min : cv.min_flops;
  const double flops = 2.0 * double(cv.n) * double(cv.out_h) * double(cv.out_w) * double(cv.k) *
                       double(cv.c / (cv.groups > 0 ? cv.groups : 1)) * double(cv.r) * double(cv.s);
  if (flops < min_flops) return 2;
  const CudnnApi* a = loaded().api;
  if (a == nullptr) return 2;
  for (int64_t v : {cv.n, cv.c, cv.h, cv.w, cv.k, cv.r, cv.s, cv.out_h, cv.out_w})
    if (!fits_int(v)) return 2;
  if (cv.n * cv.c * cv.h * cv.w > INT_MAX || cv.n * cv.k * cv.out_h * cv.out_w > INT_MAX) return 2;

  auto check = [&](cudnnStatus_t st, const char* what) {
    if (st == CUDNN_STATUS_SUCCESS) return true;
    write_error(std::string("cuDNN ") + what + " failed for convolution " + std::to_string(cv.id) + " (input " +
               std::to_string(cv.n) + "x" + std::to_string(cv.c) + "x" + std::to_string(cv.h) + "x" +
               std::to_string(cv.w) + ", filter " + std::to_string(cv.k) + "x" + std::to_string(cv.c / cv.groups) +
               "x" + std::to_string(cv.r) + "x" + std::to_string(cv.s) + "): " + a->GetErrorString(st),
           error, error_size);
    return false;
  };
  try {
    if (handle_ == nullptr) {
      const int64_t t0 = now_ns();
      cudnnHandle_t h = nullptr;
      if (!check(a->Create(&h), "cudnnCreate")) return 1;
      handle_ = h;
      if (verbose()) report(fmt_ms("cuDNN handle created in ", ms_since(t0)));
    }
    const std::vector<int64_t> key = cudnn_plan_key(cv);
    Plan* plan = nullptr;
    for (auto& p : plans_)
      if (p->key == key) plan = p.get();
    if (plan == nullptr) {
      const int64_t t0 = now_ns();
      auto p = std::make_unique<Plan>();
      p->key = key;
      const cudnnDataType_t t = data_type(cv.dtype);
      const bool fp32 = t == CUDNN_DATA_FLOAT;
      if (!check(a->CreateTensorDescriptor(&p->x), "cudnnCreateTensorDescriptor") ||
          !check(a->CreateTensorDescriptor(&p->y), "cudnnCreateTensorDescriptor") ||
          !check(a->CreateFilterDescriptor(&p->w), "cudnnCreateFilterDescriptor") ||
          !check(a->CreateConvolutionDescriptor(&p->conv), "cudnnCreateConvolutionDescriptor") ||
          !check(a->SetTensor4dDescriptor(p->x, CUDNN_TENSOR_NCHW, t, int(cv.n), int(cv.c), int(cv.h), int(cv.w)),
                 "cudnnSetTensor4dDescriptor (input)") ||
          !check(a->SetTensor4dDescriptor(p->y, CUDNN_TENSOR_NCHW, t, int(cv.n), int(cv.k), int(cv.out_h),
                                          int(cv.out_w)),
                 "cudnnSetTensor4dDescriptor (output)") ||
          !check(a->SetFilter4dDescriptor(p->w, t, CUDNN_TENSOR_NCHW, int(cv.k), int(cv.c / cv.groups), int(cv.r),
                                          int(cv.s)),
                 "cudnnSetFilter4dDescriptor") ||
          // Accumulate in float32 for every input type, as PyTorch does.
          !check(a->SetConvolution2dDescriptor(p->conv, cv.pad_h, cv.pad_w, cv.stride_h, cv.stride_w, cv.dil_h,
                                               cv.dil_w, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                 "cudnnSetConvolution2dDescriptor") ||
          !check(a->SetConvolutionGroupCount(p->conv, cv.groups), "cudnnSetConvolutionGroupCount"))
        return 1;
      // Full float32 precision unless TF32 was allowed (CUDNN_FMA_MATH, as
      // PyTorch with allow_tf32 off); 16-bit types on tensor cores.
      const cudnnMathType_t wanted = fp32 ? (cv.allow_tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH)
                                          : CUDNN_TENSOR_OP_MATH;
      if (!check(a->SetConvolutionMathType(p->conv, wanted), "cudnnSetConvolutionMathType")) return 1;
      cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT] = {};
      int count = 0;
      if (!check(a->GetConvolutionForwardAlgorithm_v7(static_cast<cudnnHandle_t>(handle_), p->x, p->w, p->conv,
                                                      p->y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf),
                 "cudnnGetConvolutionForwardAlgorithm_v7"))
        return 1;
      const cudnnConvolutionFwdAlgoPerf_t* pick = nullptr;
      for (int i = 0; i < count && pick == nullptr; ++i) {
        const auto& q = perf[i];
        const bool tensor_ops = q.mathType == CUDNN_TENSOR_OP_MATH ||
                                q.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
        if (q.status != CUDNN_STATUS_SUCCESS || q.memory > kMaxWorkspace) continue;
        if (fp32 && !cv.allow_tf32 && tensor_ops) continue;
        pick = &q;
      }
      if (pick != nullptr) {
        p->algo = pick->algo;
        p->workspace = pick->memory;
        if (!check(a->SetConvolutionMathType(p->conv, pick->mathType), "cudnnSetConvolutionMathType")) return 1;
      } else {
        p->usable = false;
      }
      if (verbose())
        report("cuDNN plan for convolution " + std::to_string(cv.id) + " (input " + std::to_string(cv.n) + "x" +
               std::to_string(cv.c) + "x" + std::to_string(cv.h) + "x" + std::to_string(cv.w) + "): " +
               (p->usable ? "algorithm " + std::to_string(int(p->algo)) + ", " + std::to_string(p->workspace) +
                                " B workspace"
                          : std::string("none keeps the precision")) +
               fmt_ms(", ", ms_since(t0)));
      plans_.push_back(std::move(p));
      plan = plans_.back().get();
    }
    if (!plan->usable) return 2;
    void* workspace = workspace_.reserve(plan->workspace);
    if (!check(a->SetStream(static_cast<cudnnHandle_t>(handle_), static_cast<cudaStream_t>(stream)),
               "cudnnSetStream"))
      return 1;
    const float one = 1.0f, zero = 0.0f;
    if (!check(a->ConvolutionForward(static_cast<cudnnHandle_t>(handle_), &one, plan->x, cv.x, plan->w, cv.weight,
                                     plan->conv, plan->algo, workspace, plan->workspace, &zero, plan->y, cv.y),
               "cudnnConvolutionForward"))
      return 1;
    return 0;
  } catch (const std::exception& e) {
    return write_error(std::string("convolution ") + std::to_string(cv.id) + " through cuDNN: " + e.what(), error,
                  error_size);
  }
}

}  // namespace aotc_model::rt

namespace aotc_model {

int cuda_cudnn_conv2d(const RunContext* rc, const CudnnConv2d* conv, char* error, size_t error_size) {
  if (rc == nullptr || conv == nullptr || rc->libs == nullptr) return 2;
  static_cast<rt::CudaLibs*>(rc->libs)->called = true;
  return static_cast<rt::CudaLibs*>(rc->libs)->cudnn.conv2d(*conv, rc->stream, error, error_size);
}

}  // namespace aotc_model

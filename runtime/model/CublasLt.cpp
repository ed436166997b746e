// cuBLASLt for GEMMs, loaded at run time; see CublasLt.h.
#include "CublasLt.h"

#include <cublasLt.h>

#include <algorithm>
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

struct LtApi {
  decltype(&cublasLtGetVersion) GetVersion;
  decltype(&cublasLtGetStatusString) GetStatusString;
  decltype(&cublasLtCreate) Create;
  decltype(&cublasLtDestroy) Destroy;
  decltype(&cublasLtMatmulDescCreate) MatmulDescCreate;
  decltype(&cublasLtMatmulDescDestroy) MatmulDescDestroy;
  decltype(&cublasLtMatmulDescSetAttribute) MatmulDescSetAttribute;
  decltype(&cublasLtMatrixLayoutCreate) MatrixLayoutCreate;
  decltype(&cublasLtMatrixLayoutDestroy) MatrixLayoutDestroy;
  decltype(&cublasLtMatrixLayoutSetAttribute) MatrixLayoutSetAttribute;
  decltype(&cublasLtMatmulPreferenceCreate) MatmulPreferenceCreate;
  decltype(&cublasLtMatmulPreferenceDestroy) MatmulPreferenceDestroy;
  decltype(&cublasLtMatmulPreferenceSetAttribute) MatmulPreferenceSetAttribute;
  decltype(&cublasLtMatmulAlgoGetHeuristic) MatmulAlgoGetHeuristic;
  decltype(&cublasLtMatmul) Matmul;
};

struct Loaded {
  const LtApi* api = nullptr;  // null when cuBLASLt is not usable
  std::string where;           // path and version, or why not
  double min_flops = -1;       // AOTC_CUBLASLT_MIN_FLOPS, or -1: each GEMM's own
};

bool resolve(void* lib, LtApi& a, std::string* missing) {
  bool ok = true;
  auto get = [&](auto& fn, const char* name) { resolve_symbol(lib, fn, name, &ok, missing); };
  get(a.GetVersion, "cublasLtGetVersion");
  get(a.GetStatusString, "cublasLtGetStatusString");
  get(a.Create, "cublasLtCreate");
  get(a.Destroy, "cublasLtDestroy");
  get(a.MatmulDescCreate, "cublasLtMatmulDescCreate");
  get(a.MatmulDescDestroy, "cublasLtMatmulDescDestroy");
  get(a.MatmulDescSetAttribute, "cublasLtMatmulDescSetAttribute");
  get(a.MatrixLayoutCreate, "cublasLtMatrixLayoutCreate");
  get(a.MatrixLayoutDestroy, "cublasLtMatrixLayoutDestroy");
  get(a.MatrixLayoutSetAttribute, "cublasLtMatrixLayoutSetAttribute");
  get(a.MatmulPreferenceCreate, "cublasLtMatmulPreferenceCreate");
  get(a.MatmulPreferenceDestroy, "cublasLtMatmulPreferenceDestroy");
  get(a.MatmulPreferenceSetAttribute, "cublasLtMatmulPreferenceSetAttribute");
  get(a.MatmulAlgoGetHeuristic, "cublasLtMatmulAlgoGetHeuristic");
  get(a.Matmul, "cublasLtMatmul");
  return ok;
}

Loaded load() {
  Loaded out;
  const SharedLibrary lib = open_cuda_library("libcublasLt.so.13", "AOTC_CUBLASLT",
                                              {"nvidia/cublas/lib", "nvidia/cu13/lib"}, "cublasLtGetVersion");
  if (lib.handle == nullptr) {
    out.where = lib.why_not;
    return out;
  }
  static LtApi api{};
  std::string missing;
  if (!resolve(lib.handle, api, &missing)) {
    out.where = lib.path + " lacks " + missing;
    return out;
  }
  const size_t version = api.GetVersion();
  out.where = lib.path + " (cuBLASLt " + std::to_string(version / 10000) + "." +
              std::to_string(version / 100 % 100) + "." + std::to_string(version % 100) + ")";
  out.api = &api;
  return out;
}

const Loaded& loaded() {
  static std::once_flag once;
  static Loaded l;
  std::call_once(once, [] {
    const int64_t t0 = now_ns();
    l = load();
    l.min_flops = env_min_flops("AOTC_CUBLASLT_MIN_FLOPS");
    report_library("cuBLASLt", l.where + (l.api != nullptr ? fmt_ms(", loaded in ", ms_since(t0)) : ""));
  });
  return l;
}

bool data_type(int32_t dtype, cudaDataType_t* t) {
  switch (dtype) {
    case 6: *t = CUDA_R_32F; return true;
    case 5: *t = CUDA_R_16F; return true;
    case 15: *t = CUDA_R_16BF; return true;
    default: return false;
  }
}

// A rows x cols matrix whose element (i, j) sits at i * rs + j * cs, as a
// column-major cuBLASLt operand: the matrix itself (op N), or the transpose
// of a column-major cols x rows matrix (op T). A dimension of size 1 may
// have any stride. False when neither stride is 1 or the two overlap.
struct Operand {
  cublasOperation_t op = CUBLAS_OP_N;
  uint64_t rows = 0, cols = 0;  // of the stored matrix
  int64_t ld = 0;
};

bool describe(int64_t rows, int64_t cols, int64_t rs, int64_t cs, Operand* o) {
  if (rs == 1 || rows == 1) {
    const int64_t ld = cols == 1 ? rows : cs;
    if (ld < rows) return false;
    *o = {CUBLAS_OP_N, uint64_t(rows), uint64_t(cols), ld};
    return true;
  }
  if (cs == 1 || cols == 1) {
    const int64_t ld = rs;
    if (ld < cols) return false;
    *o = {CUBLAS_OP_T, uint64_t(cols), uint64_t(rows), ld};
    return true;
  }
  return false;
}

uint32_t alignment(const void* p) {
  const auto v = reinterpret_cast<uintptr_t>(p);
  uint32_t a = 1;
  while (a < 256 && v % (a * 2) == 0) a *= 2;
  return a;
}

// cuBLASLt may use up to this much workspace (NVIDIA's advice for Hopper);
// an instance allocates what its plans' algorithms ask for.
constexpr uint64_t kMaxWorkspace = uint64_t{32} << 20;

}  // namespace

bool cublaslt_available(std::string* where) {
  const Loaded& l = loaded();
  if (where != nullptr) *where = l.where;
  return l.api != nullptr;
}

struct CublasLtInstance::Plan {
  std::vector<int64_t> key;
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t x = nullptr, y = nullptr, d = nullptr;  // x from b, y from a, d the output
  cublasLtMatmulAlgo_t algo{};
  size_t workspace = 0;
  bool usable = true;  // false: no algorithm for it; aotc's kernel runs

  ~Plan() {
    const LtApi* a = loaded().api;
    if (a == nullptr) return;
    if (desc != nullptr) a->MatmulDescDestroy(desc);
    for (cublasLtMatrixLayout_t l : {x, y, d})
      if (l != nullptr) a->MatrixLayoutDestroy(l);
  }
};

CublasLtInstance::CublasLtInstance() = default;

CublasLtInstance::~CublasLtInstance() {
  plans_.clear();
  if (handle_ != nullptr) loaded().api->Destroy(static_cast<cublasLtHandle_t>(handle_));
}

int CublasLtInstance::gemm(const CublasLtGemm& g, void* stream, char* error, size_t error_size) {
  const LtApi* a = loaded().api;
  if (a == nullptr) return 2;
  const double min_flops = loaded().min_flops >= 0 ? loaded().min_flops : g.min_flops;
  const double flops = 2.0 * double(g.batch) * double(g.m) * double(g.n) * double(g.k);
  if (flops < min_flops) return 2;
  if (g.batch < 1 || g.m < 1 || g.n < 1 || g.k < 1) return 2;
  cudaDataType_t ab_type{}, out_type{};
  if (!data_type(g.ab_dtype, &ab_type) || !data_type(g.out_dtype, &out_type)) return 2;
  const bool fp32 = ab_type == CUDA_R_32F;
  if (fp32 ? out_type != CUDA_R_32F : out_type != ab_type && out_type != CUDA_R_32F) return 2;
  // out^T (n x m, column-major) = x (n x k) * y (k x m), x = b^T, y = a^T.
  Operand x, y;
  if (!describe(g.n, g.k, g.b_stride_n, g.b_stride_k, &x) || !describe(g.k, g.m, g.a_stride_k, g.a_stride_m, &y))
    return 2;
  if (g.batch > 1 && (g.a_stride_batch <= 0 || g.b_stride_batch <= 0)) return 2;

  auto check = [&](cublasStatus_t st, const char* what) {
    if (st == CUBLAS_STATUS_SUCCESS) return true;
    write_error(std::string("cuBLASLt ") + what + " failed for GEMM " + std::to_string(g.id) + " (batch " +
                    std::to_string(g.batch) + ", " + std::to_string(g.m) + "x" + std::to_string(g.k) + " by " +
                    std::to_string(g.k) + "x" + std::to_string(g.n) + "): " + a->GetStatusString(st),
                error, error_size);
    return false;
  };
  try {
    if (handle_ == nullptr) {
      const int64_t t0 = now_ns();
      cublasLtHandle_t h = nullptr;
      if (!check(a->Create(&h), "cublasLtCreate")) return 1;
      handle_ = h;
      if (verbose()) report(fmt_ms("cuBLASLt handle created in ", ms_since(t0)));
    }
    const uint32_t align_x = alignment(g.b), align_y = alignment(g.a), align_d = alignment(g.out);
    const uint32_t align_bias = g.bias != nullptr ? alignment(g.bias) : 0;
    const std::vector<int64_t> key = {g.id,          g.batch,         g.m,          g.n,          g.k,
                                      g.a_stride_batch, g.a_stride_m, g.a_stride_k, g.b_stride_batch,
                                      g.b_stride_k,  g.b_stride_n,    align_x,      align_y,      align_d,
                                      align_bias};
    Plan* plan = nullptr;
    for (auto& p : plans_)
      if (p->key == key) plan = p.get();
    if (plan == nullptr) {
      auto p = std::make_unique<Plan>();
      p->key = key;
      const cublasComputeType_t compute = fp32 && g.allow_tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
      if (!check(a->MatmulDescCreate(&p->desc, compute, CUDA_R_32F), "cublasLtMatmulDescCreate")) return 1;
      const cublasOperation_t op_x = x.op, op_y = y.op;
      const cublasLtEpilogue_t epilogue = g.bias != nullptr ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
      if (!check(a->MatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_TRANSA, &op_x, sizeof op_x),
                 "cublasLtMatmulDescSetAttribute (transa)") ||
          !check(a->MatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_TRANSB, &op_y, sizeof op_y),
                 "cublasLtMatmulDescSetAttribute (transb)") ||
          !check(a->MatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof epilogue),
                 "cublasLtMatmulDescSetAttribute (epilogue)"))
        return 1;
      if (!check(a->MatrixLayoutCreate(&p->x, ab_type, x.rows, x.cols, x.ld), "cublasLtMatrixLayoutCreate (b)") ||
          !check(a->MatrixLayoutCreate(&p->y, ab_type, y.rows, y.cols, y.ld), "cublasLtMatrixLayoutCreate (a)") ||
          !check(a->MatrixLayoutCreate(&p->d, out_type, uint64_t(g.n), uint64_t(g.m), g.n),
                 "cublasLtMatrixLayoutCreate (out)"))
        return 1;
      if (g.batch > 1) {
        const int32_t count = static_cast<int32_t>(std::min<int64_t>(g.batch, INT32_MAX));
        if (count != g.batch) return 2;
        const int64_t strides[3] = {g.b_stride_batch, g.a_stride_batch, g.m * g.n};
        const cublasLtMatrixLayout_t layouts[3] = {p->x, p->y, p->d};
        for (int i = 0; i < 3; ++i)
          if (!check(a->MatrixLayoutSetAttribute(layouts[i], CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof count),
                     "cublasLtMatrixLayoutSetAttribute (batch count)") ||
              !check(a->MatrixLayoutSetAttribute(layouts[i], CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &strides[i],
                                                 sizeof strides[i]),
                     "cublasLtMatrixLayoutSetAttribute (batch stride)"))
            return 1;
      }
      cublasLtMatmulPreference_t pref = nullptr;
      if (!check(a->MatmulPreferenceCreate(&pref), "cublasLtMatmulPreferenceCreate")) return 1;
      struct PrefGuard {
        const LtApi* a;
        cublasLtMatmulPreference_t p;
        ~PrefGuard() { a->MatmulPreferenceDestroy(p); }
      } guard{a, pref};
      const uint64_t max_ws = kMaxWorkspace;
      bool ok = check(a->MatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &max_ws,
                                                      sizeof max_ws),
                      "cublasLtMatmulPreferenceSetAttribute (workspace)");
      const std::pair<cublasLtMatmulPreferenceAttributes_t, uint32_t> aligns[] = {
          {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, align_x},
          {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, align_y},
          {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, align_d},
          {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, align_d}};
      for (const auto& [attr, value] : aligns)
        ok = ok && check(a->MatmulPreferenceSetAttribute(pref, attr, &value, sizeof value),
                         "cublasLtMatmulPreferenceSetAttribute (alignment)");
      if (!ok) return 1;
      if (g.bias != nullptr) {
        // Heuristics do not read the pointer, but only offer algorithms for a bias epilogue when one is set.
        if (!check(a->MatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &g.bias, sizeof g.bias),
                   "cublasLtMatmulDescSetAttribute (bias)"))
          return 1;
      }
      cublasLtMatmulHeuristicResult_t result{};
      int count = 0;
      const cublasStatus_t st = a->MatmulAlgoGetHeuristic(static_cast<cublasLtHandle_t>(handle_), p->desc, p->x,
                                                          p->y, p->d, p->d, pref, 1, &result, &count);
      if (st == CUBLAS_STATUS_SUCCESS && count > 0 && result.state == CUBLAS_STATUS_SUCCESS) {
        p->algo = result.algo;
        p->workspace = result.workspaceSize;
      } else if (st == CUBLAS_STATUS_SUCCESS || st == CUBLAS_STATUS_NOT_SUPPORTED) {
        p->usable = false;
      } else {
        check(st, "cublasLtMatmulAlgoGetHeuristic");
        return 1;
      }
      plans_.push_back(std::move(p));
      plan = plans_.back().get();
    }
    if (!plan->usable) return 2;
    void* workspace = workspace_.reserve(plan->workspace);
    if (g.bias != nullptr &&
        !check(a->MatmulDescSetAttribute(plan->desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &g.bias, sizeof g.bias),
               "cublasLtMatmulDescSetAttribute (bias)"))
      return 1;
    const float one = 1.0f, zero = 0.0f;
    if (!check(a->Matmul(static_cast<cublasLtHandle_t>(handle_), plan->desc, &one, g.b, plan->x, g.a, plan->y, &zero,
                         g.out, plan->d, g.out, plan->d, &plan->algo, workspace, plan->workspace,
                         static_cast<cudaStream_t>(stream)),
               "cublasLtMatmul"))
      return 1;
    return 0;
  } catch (const std::exception& e) {
    return write_error(std::string("GEMM ") + std::to_string(g.id) + " through cuBLASLt: " + e.what(), error,
                       error_size);
  }
}

}  // namespace aotc_model::rt

namespace aotc_model {

int cuda_cublaslt_gemm(const RunContext* rc, const CublasLtGemm* gemm, char* error, size_t error_size) {
  if (rc == nullptr || gemm == nullptr || rc->libs == nullptr) return 2;
  static_cast<rt::CudaLibs*>(rc->libs)->called = true;
  return static_cast<rt::CudaLibs*>(rc->libs)->cublaslt.gemm(*gemm, rc->stream, error, error_size);
}

}  // namespace aotc_model

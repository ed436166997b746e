// CheckRowwise: GPU check cases for the row ops (softmax, log_softmax,
// layer_norm, reductions) and the pointwise helpers and math.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "CheckSupport.h"

namespace aotc::cuda_test {
namespace {

// -------------------------------------------------------------------- row ops

enum class RowOp { kSoftmax, kLogSoftmax, kLayerNorm, kSum, kMean, kMax, kMin, kVar, kStd };

struct RowCase {
  std::string label, kernel;
  RowOp op;
  int64_t rows, n, ld;
  double tol = 1e-5;
  int64_t correction = 1;
};

void run_rowop(Context& c, const RowCase& rc) {
  if (!selected(c, rc.label, rc.kernel)) return;
  const Kernel& k = c.lib.get(rc.kernel);
  const bool reduction =
      rc.op != RowOp::kSoftmax && rc.op != RowOp::kLogSoftmax && rc.op != RowOp::kLayerNorm;
  auto x = random_tensor(DType::kF32, static_cast<size_t>(rc.rows * rc.ld), 4.0);
  std::unique_ptr<Tensor> w, bias;
  if (rc.op == RowOp::kLayerNorm) {
    w = random_tensor(DType::kF32, static_cast<size_t>(rc.n));
    bias = random_tensor(DType::kF32, static_cast<size_t>(rc.n));
  }
  auto y = output_tensor(DType::kF32, static_cast<size_t>(reduction ? rc.rows : rc.rows * rc.ld));
  if (!reduction && rc.ld > rc.n) {
    // Padding columns are never written: zero them so the NaN check sees only real outputs.
    AOTC_CU(drv.cuMemsetD8(y->ptr, 0, y->numel * 4));
    std::vector<float> poison(static_cast<size_t>(rc.n), NAN);
    for (int64_t r = 0; r < rc.rows; ++r)
      AOTC_CU(drv.cuMemcpyHtoD(y->ptr + static_cast<CUdeviceptr>(r * rc.ld * 4), poison.data(),
                               poison.size() * 4));
  }
  int64_t rows = rc.rows, n = rc.n, ld = rc.ld, corr = rc.correction;
  float eps = 1e-5f;
  const Grid grid{ceil_div_u(rc.rows, k.tile_m)};
  auto run = [&](CUstream s) {
    if (rc.op == RowOp::kLayerNorm)
      launch(k, grid, {&rows, &n, x->arg(), &ld, y->arg(), &ld, w->arg(), bias->arg(), &eps}, s);
    else if (reduction)
      launch(k, grid, {&rows, &n, x->arg(), &ld, y->arg(), &corr}, s);
    else
      launch(k, grid, {&rows, &n, x->arg(), &ld, y->arg(), &ld}, s);
  };
  run(c.stream);
  AOTC_CU(drv.cuStreamSynchronize(c.stream));
  y->download();

  std::vector<size_t> idx;
  std::vector<double> ref;
  for (int64_t r = 0; r < rc.rows; ++r) {
    const double* row = &x->host[static_cast<size_t>(r * rc.ld)];
    double mx = -INFINITY, mn = INFINITY, sum = 0;
    for (int64_t j = 0; j < rc.n; ++j) {
      mx = std::max(mx, row[j]);
      mn = std::min(mn, row[j]);
      sum += row[j];
    }
    const double mean = sum / static_cast<double>(rc.n);
    double sq = 0, se = 0;
    for (int64_t j = 0; j < rc.n; ++j) {
      sq += (row[j] - mean) * (row[j] - mean);
      se += std::exp(row[j] - mx);
    }
    if (reduction) {
      double v = 0;
      switch (rc.op) {
        case RowOp::kSum:
          v = sum;
          break;
        case RowOp::kMean:
          v = mean;
          break;
        case RowOp::kMax:
          v = mx;
          break;
        case RowOp::kMin:
          v = mn;
          break;
        case RowOp::kVar:
          v = sq / static_cast<double>(rc.n - rc.correction);
          break;
        default:
          v = std::sqrt(sq / static_cast<double>(rc.n - rc.correction));
          break;
      }
      idx.push_back(static_cast<size_t>(r));
      ref.push_back(v);
      continue;
    }
    const double rstd = 1 / std::sqrt(sq / static_cast<double>(rc.n) + 1e-5);
    for (int64_t j = 0; j < rc.n; ++j) {
      double v;
      if (rc.op == RowOp::kSoftmax)
        v = std::exp(row[j] - mx) / se;
      else if (rc.op == RowOp::kLogSoftmax)
        v = row[j] - mx - std::log(se);
      else
        v = (row[j] - mean) * rstd * w->host[static_cast<size_t>(j)] +
            bias->host[static_cast<size_t>(j)];
      idx.push_back(static_cast<size_t>(r * rc.ld + j));
      ref.push_back(v);
    }
  }
  Row r;
  r.family = "rowops";
  r.label = rc.label;
  r.kernel = rc.kernel;
  r.shape = std::to_string(rc.rows) + "x" + std::to_string(rc.n) +
            (rc.ld != rc.n ? " ld" + std::to_string(rc.ld) : "");
  r.dtype = "f32";
  r.tol = rc.tol;
  const double bytes = 4.0 * rc.rows * rc.n + (reduction ? 4.0 * rc.rows : 4.0 * rc.rows * rc.n);
  finish(c, r, compare(y->host, idx, ref), run, bytes, false);
}

// ---------------------------------------------------------------- elementwise

void run_elementwise(Context& c, const std::string& kernel, int act, DType dt, int64_t n,
                     double tol) {
  if (!selected(c, "pointwise", kernel)) return;
  const Kernel& k = c.lib.get(kernel);
  auto x = random_tensor(dt, static_cast<size_t>(n), 6.0);
  auto y = output_tensor(dt, static_cast<size_t>(n));
  const Grid grid{
      static_cast<unsigned>(std::min<int64_t>(ceil_div_u(n, 256LL * k.tile_m), 4LL * c.sms))};
  auto run = [&](CUstream s) { launch(k, grid, {&n, x->arg(), y->arg()}, s); };
  run(c.stream);
  AOTC_CU(drv.cuStreamSynchronize(c.stream));
  y->download();
  std::vector<size_t> idx(static_cast<size_t>(n));
  std::vector<double> ref(idx.size());
  for (size_t i = 0; i < idx.size(); ++i) {
    idx[i] = i;
    ref[i] = act_ref(act, x->host[i]);
  }
  Row r;
  r.family = "elementwise";
  r.label = "pointwise";
  r.kernel = kernel;
  r.shape = std::to_string(n);
  r.dtype = dtype_name(dt);
  r.tol = tol;
  finish(c, r, compare(y->host, idx, ref), run, 2.0 * n * static_cast<double>(dtype_size(dt)),
         false);
}

}  // namespace

void run_rowwise_cases(Context& c) {
  const bool full = !c.opt.quick;
  const DType f32 = DType::kF32, bf16 = DType::kBF16, f16 = DType::kF16;
  (void)full;
  (void)f32;
  (void)bf16;
  (void)f16;
  // Row ops.
  std::vector<RowCase> rowcases = {
      {"small_cnn log_softmax", "log_softmax_tiny", RowOp::kLogSoftmax, 5, 10, 10},
      {"log_softmax", "log_softmax_tiny", RowOp::kLogSoftmax, 2000, 10, 10},
      {"softmax n10", "softmax_tiny", RowOp::kSoftmax, 2000, 10, 13},
      {"softmax n256", "softmax_warp_vec", RowOp::kSoftmax, 4096, 256, 256},
      {"softmax n1000", "softmax_warpwide", RowOp::kSoftmax, 4096, 1000, 1000},
      {"softmax n4097", "softmax_block", RowOp::kSoftmax, 1024, 4097, 4100},
      {"softmax n32768", "softmax_blockwide_vec", RowOp::kSoftmax, 256, 32768, 32768},
      {"gpt layer_norm T16", "layer_norm_warp_vec", RowOp::kLayerNorm, 16, 256, 256},
      {"gpt layer_norm T77", "layer_norm_warp_vec", RowOp::kLayerNorm, 77, 256, 256},
      {"gpt layer_norm T512", "layer_norm_warp_vec", RowOp::kLayerNorm, 512, 256, 256},
      {"layer_norm n3000", "layer_norm_block", RowOp::kLayerNorm, 300, 3000, 3001},
      {"sum", "reduce_sum", RowOp::kSum, 1024, 777, 780},
      {"mean", "reduce_mean", RowOp::kMean, 1024, 777, 780},
      {"max", "reduce_max", RowOp::kMax, 1024, 777, 780},
      {"min", "reduce_min", RowOp::kMin, 1024, 777, 780},
      {"var (unbiased)", "reduce_var", RowOp::kVar, 1024, 777, 780, 1e-5, 1},
      {"std (biased)", "reduce_std", RowOp::kStd, 1024, 777, 780, 1e-5, 0},
  };
  if (full) {
    rowcases.push_back({"softmax bandwidth", "softmax_warp_vec", RowOp::kSoftmax, 65536, 256, 256});
    rowcases.push_back(
        {"layer_norm bandwidth", "layer_norm_warp_vec", RowOp::kLayerNorm, 65536, 256, 256});
  }
  for (const RowCase& r : rowcases) run_rowop(c, r);

  // Pointwise (bandwidth: 16M elements and a ragged tail).
  const int64_t ne = full ? (16 << 20) + 3 : (1 << 20) + 3;
  const std::pair<const char*, int> acts[] = {
      {"ew_relu", kRelu}, {"ew_sigmoid", kSigmoid},    {"ew_silu", kSilu},
      {"ew_gelu", kGelu}, {"ew_gelu_tanh", kGeluTanh}, {"ew_hardswish", kHardswish},
      {"ew_mish", kMish}, {"ew_softplus", kSoftplus}};
  for (const auto& a : acts) run_elementwise(c, a.first, a.second, f32, ne, 1e-5);
  run_elementwise(c, "ew_silu_bf16", kSilu, bf16, ne + 2, 1e-2);
}

}  // namespace aotc::cuda_test

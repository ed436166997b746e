// CheckGemm: GPU check cases for gemm_simt, gemm_simt_linear (split-K) and
// gemm_tc: the fixtures' linear layers, layouts, alignment, batching, big
// shapes for throughput. Reference: float64 dot products from the exact inputs.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "CheckSupport.h"

namespace aotc::cuda_test {
namespace {

// ------------------------------------------------------------------------ GEMM

struct GemmParamsHost {
  CUdeviceptr a, b;
  int64_t m, n, k, batch;
  int64_t a_stride_batch, a_stride_m, a_stride_k;
  int64_t b_stride_batch, b_stride_k, b_stride_n;
};
static_assert(sizeof(GemmParamsHost) == 96, "mirror of aotc::cuda::GemmParams");
struct EpiArgsHost {
  CUdeviceptr out, bias, residual;
  int64_t out_sb, out_sm, out_sn, res_sm;
};
static_assert(sizeof(EpiArgsHost) == 56, "mirror of aotc_test::EpiArgs");

struct GemmCase {
  std::string label, kernel;
  int64_t batch, m, n, k;
  DType in, out;
  double tol;
  bool bias = false;
  int act = kIdentity;
  bool residual = false;
  bool a_mn = false;     // A stored [K, M] (m stride 1) instead of [M, K]
  bool b_kn = false;     // B stored [K, N] (row-major) instead of the linear weight [N, K]
  bool a_bcast = false;  // A batch stride 0
  bool b_bcast = false;  // B batch stride 0
  int64_t pad = 0;       // extra elements at the end of each K-contiguous row of A and B
  int64_t splits = 0;    // gemm_simt_linear split-K: 0 = the heuristic
};

struct SplitKHost {
  CUdeviceptr partials, counters;
  int64_t splits;
};
static_assert(sizeof(SplitKHost) == 24, "mirror of aotc::cuda::SplitK");

/// The split-K heuristic documented in docs/cuda-kernels.md: enough blocks to
/// cover the SMs, but at least 4 k slices per split.
int64_t choose_splits(int64_t tiles, int64_t k_slices, int sms) {
  const int64_t want = std::max<int64_t>(1, sms / std::max<int64_t>(1, tiles));
  return std::max<int64_t>(1, std::min(want, k_slices / 4));
}

void run_gemm(Context& c, const GemmCase& g) {
  if (!selected(c, g.label, g.kernel)) return;
  const Kernel& k = c.lib.get(g.kernel);
  const int64_t batch_a = g.a_bcast ? 1 : g.batch, batch_b = g.b_bcast ? 1 : g.batch;
  const int64_t lda = g.k + g.pad, ldb = g.k + g.pad;  // row strides of K-contiguous storage
  auto a = random_tensor(g.in, static_cast<size_t>(batch_a * g.m * (g.a_mn ? g.k : lda)));
  auto b = random_tensor(g.in, static_cast<size_t>(batch_b * (g.b_kn ? g.k * g.n : g.n * ldb)));
  std::unique_ptr<Tensor> bias, res;
  if (g.bias) bias = random_tensor(g.out, static_cast<size_t>(g.n));
  if (g.residual) res = random_tensor(g.out, static_cast<size_t>(g.m * g.n));
  auto out = output_tensor(g.out, static_cast<size_t>(g.batch * g.m * g.n));

  GemmParamsHost p{};
  p.a = a->ptr;
  p.b = b->ptr;
  p.m = g.m;
  p.n = g.n;
  p.k = g.k;
  p.batch = g.batch;
  p.a_stride_batch = g.a_bcast ? 0 : g.m * (g.a_mn ? g.k : lda);
  p.a_stride_m = g.a_mn ? 1 : lda;
  p.a_stride_k = g.a_mn ? g.m : 1;
  p.b_stride_batch = g.b_bcast ? 0 : (g.b_kn ? g.k * g.n : g.n * ldb);
  p.b_stride_k = g.b_kn ? g.n : 1;
  p.b_stride_n = g.b_kn ? 1 : ldb;
  EpiArgsHost e{out->ptr, bias ? bias->ptr : 0, res ? res->ptr : 0, g.m * g.n, g.n, 1, g.n};
  Grid grid{ceil_div_u(g.n, k.tile_n), ceil_div_u(g.m, k.tile_m),
            static_cast<unsigned>(std::min<int64_t>(g.batch, 65535))};
  const bool linear = g.kernel.rfind("linear_", 0) == 0;
  int64_t act = g.act;
  SplitKHost split{0, 0, 1};
  std::unique_ptr<Tensor> partials, counters;
  if (linear) {
    const int64_t tiles = static_cast<int64_t>(grid.x) * grid.y * g.batch;
    split.splits = g.splits > 0 ? g.splits : choose_splits(tiles, (g.k + 31) / 32, c.sms);
    if (split.splits > 1) {
      partials = std::make_unique<Tensor>();
      partials->allocate(DType::kF32,
                         static_cast<size_t>(tiles * split.splits * k.tile_m * k.tile_n));
      partials->poison();
      counters = std::make_unique<Tensor>();
      counters->allocate(DType::kF32, static_cast<size_t>(tiles));
      AOTC_CU(drv.cuMemsetD8(counters->ptr, 0, counters->numel * 4));
      split.partials = partials->ptr;
      split.counters = counters->ptr;
    }
    grid.z = static_cast<unsigned>(g.batch * split.splits);
  }
  auto run = [&](CUstream s) {
    if (linear)
      launch(k, grid, {&p, &e, &act, &split}, s);
    else
      launch(k, grid, {&p, &e}, s);
  };
  run(c.stream);
  AOTC_CU(drv.cuStreamSynchronize(c.stream));
  out->download();

  const size_t count = static_cast<size_t>(g.batch * g.m * g.n);
  const std::vector<size_t> idx = pick_indices(count, static_cast<double>(g.k));
  std::vector<double> ref(idx.size());
  parallel_for(idx.size(), [&](size_t t) {
    const size_t i = idx[t];
    const int64_t bi = static_cast<int64_t>(i) / (g.m * g.n);
    const int64_t mi = (static_cast<int64_t>(i) / g.n) % g.m;
    const int64_t ni = static_cast<int64_t>(i) % g.n;
    double acc = 0;
    for (int64_t kk = 0; kk < g.k; ++kk) {
      const double av = a->host[static_cast<size_t>(bi * p.a_stride_batch + mi * p.a_stride_m +
                                                    kk * p.a_stride_k)];
      const double bv = b->host[static_cast<size_t>(bi * p.b_stride_batch + kk * p.b_stride_k +
                                                    ni * p.b_stride_n)];
      acc += av * bv;
    }
    if (bias) acc += bias->host[static_cast<size_t>(ni)];
    acc = act_ref(g.act, acc);
    if (res) acc += res->host[static_cast<size_t>(mi * g.n + ni)];
    ref[t] = acc;
  });

  Row r;
  r.family = g.kernel.rfind("tc_", 0) == 0 ? "gemm_tc" : "gemm_simt";
  r.label = g.label;
  r.kernel = g.kernel;
  r.shape = (g.batch > 1 ? std::to_string(g.batch) + "x" : "") + std::to_string(g.m) + "x" +
            std::to_string(g.n) + "x" + std::to_string(g.k) +
            (split.splits > 1 ? " sk" + std::to_string(split.splits) : "");
  r.dtype = std::string(dtype_name(g.in)) + "->" + dtype_name(g.out);
  r.tol = g.tol;
  r.sampled = idx.size() < count;
  finish(c, r, compare(out->host, idx, ref), run, 2.0 * g.batch * g.m * g.n * g.k, true);
}

}  // namespace

void run_gemm_cases(Context& c) {
  const bool full = !c.opt.quick;
  const DType f32 = DType::kF32, bf16 = DType::kBF16, f16 = DType::kF16;
  (void)full;
  (void)f32;
  (void)bf16;
  (void)f16;
  // GEMM, float32 SIMT (full float32 precision).
  std::vector<GemmCase> gemms;
  for (int64_t m : {8, 1, 1000}) {
    GemmCase g{"mlp fc1 b" + std::to_string(m),
               m <= 16 ? "simt_tiny_bias_relu" : "simt_small_bias_relu",
               1,
               m,
               16,
               10,
               f32,
               f32,
               1e-5};
    g.bias = true;
    g.act = kRelu;
    gemms.push_back(g);
    GemmCase h{
        "mlp fc2 b" + std::to_string(m), "simt_narrow_bias_sigmoid", 1, m, 1, 16, f32, f32, 1e-5};
    h.bias = true;
    h.act = kSigmoid;
    gemms.push_back(h);
  }
  // gpt_block's linears: gemm_simt_linear with split-K, preset by sequence length.
  for (int64_t t : {16, 77, 512}) {
    const std::string s = " T" + std::to_string(t);
    const std::string kern = t <= 32 ? "linear_small" : t <= 256 ? "linear_wide" : "linear_medium";
    GemmCase qkv{"gpt qkv" + s, kern, 1, t, 768, 256, f32, f32, 1e-5};
    qkv.bias = true;
    GemmCase proj{"gpt proj+res" + s, kern, 1, t, 256, 256, f32, f32, 1e-5};
    proj.bias = proj.residual = true;
    GemmCase fc{"gpt fc+gelu" + s, kern, 1, t, 1024, 256, f32, f32, 1e-5};
    fc.bias = true;
    fc.act = kGeluTanh;
    GemmCase out{"gpt out+res" + s, kern, 1, t, 256, 1024, f32, f32, 1e-5};
    out.bias = out.residual = true;
    gemms.insert(gemms.end(), {qkv, proj, fc, out});
  }
  // The presets that split K between thread groups in the block, on
  // gpt_block's linears at lengths where the heuristic takes them, with
  // split-K across blocks too (the K = 1024 projection), and odd sizes.
  for (int64_t t : {16, 77, 200, 512})
    for (const char* kern : {"linear_narrow_k", "linear_wide_split", "linear_g4_8x4"}) {
      const std::string s = std::string(" T") + std::to_string(t) + " " + kern;
      GemmCase qkv{"gpt qkv" + s, kern, 1, t, 768, 256, f32, f32, 1e-5};
      qkv.bias = true;
      GemmCase out{"gpt out+res" + s, kern, 1, t, 256, 1024, f32, f32, 1e-5};
      out.bias = out.residual = true;
      gemms.insert(gemms.end(), {qkv, out});
    }
  {
    GemmCase any{"linear any stride, groups", "linear_narrow_k_any", 2, 37, 70, 13, f32, f32, 1e-5};
    any.bias = true;
    any.pad = 1;
    any.splits = 3;
    GemmCase odd{"linear odd sizes, groups", "linear_wide_split", 3, 45, 90, 132, f32, f32, 1e-5};
    odd.bias = true;
    odd.act = kGeluTanh;
    odd.splits = 2;
    GemmCase lin1k{"linear M1000 K12, groups", "linear_narrow_k", 1, 1000, 16, 12, f32, f32, 1e-5};
    lin1k.bias = true;
    lin1k.act = kRelu;
    gemms.insert(gemms.end(), {any, odd, lin1k});
  }
  // The tile-and-split sweep over gpt_block's linears (only with --filter gptm):
  // every linear tile shape at each sequence length and split count.
  if (c.opt.filter.find("gptm") != std::string::npos) {
    for (int64_t t : {16, 77, 512})
      for (const char* kern : {"linear_small", "linear_wide", "linear_medium", "linear_t16x32", "linear_t32x32",
                               "linear_t16x64k16"})
        for (int64_t sp : {1, 2, 4, 8, 16}) {
          const std::string s = " T" + std::to_string(t) + " " + kern + " s" + std::to_string(sp);
          const int64_t kbk = std::string(kern).find("k16") != std::string::npos ? 16 : 32;
          for (auto [name, n, kk] : {std::tuple<const char*, int64_t, int64_t>{"qkv", 768, 256},
                                     {"proj", 256, 256},
                                     {"fc", 1024, 256},
                                     {"out", 256, 1024}}) {
            if (kk / kbk < sp) continue;
            GemmCase g{std::string("gptm ") + name + s, kern, 1, t, n, kk, f32, f32, 1e-5};
            g.bias = true;
            g.splits = sp;
            gemms.push_back(g);
          }
        }
  }
  {
    // The classic SIMT kernel on the same shapes, and split-K forced off, for comparison.
    GemmCase a{"gpt qkv T16 classic", "simt_wide_bias", 1, 16, 768, 256, f32, f32, 1e-5};
    a.bias = true;
    GemmCase o{
        "gpt out+res T16 classic", "simt_wide_bias_residual", 1, 16, 256, 1024, f32, f32, 1e-5};
    o.bias = o.residual = true;
    GemmCase o1{"gpt out+res T16 no-split", "linear_small", 1, 16, 256, 1024, f32, f32, 1e-5};
    o1.bias = o1.residual = true;
    o1.splits = 1;
    GemmCase g2{
        "gpt fc T512 classic", "simt_wide_bias_gelu_tanh", 1, 512, 1024, 256, f32, f32, 1e-5};
    g2.bias = true;
    g2.act = kGeluTanh;
    GemmCase m2{"gpt fc T512 classic", "simt_medium_bias", 1, 512, 1024, 256, f32, f32, 1e-5};
    m2.bias = true;
    GemmCase any{"linear any stride", "linear_small_any", 2, 37, 70, 13, f32, f32, 1e-5};
    any.bias = true;
    any.pad = 1;
    any.splits = 3;
    GemmCase lin1k{"linear M1000 K10", "linear_wide", 1, 1000, 16, 12, f32, f32, 1e-5};
    lin1k.bias = true;
    lin1k.act = kRelu;
    gemms.insert(gemms.end(), {a, o, o1, g2, m2, any, lin1k});
  }
  {
    GemmCase t{"transposed, bcast", "simt_small_mn_store", 3, 77, 33, 13, f32, f32, 1e-5};
    t.a_mn = t.b_kn = t.b_bcast = true;
    GemmCase odd{"odd sizes", "simt_wide_bias", 1, 5, 1000, 7, f32, f32, 1e-5};
    odd.bias = true;
    GemmCase bt{"batched bcast A", "simt_medium_bias", 4, 130, 70, 50, f32, f32, 1e-5};
    bt.bias = bt.a_bcast = true;
    GemmCase sb{"silu mlp b3 (simt)", "simt_tiny_bf16_bias_silu", 1, 3, 64, 128, bf16, bf16, 1e-2};
    sb.bias = true;
    sb.act = kSilu;
    gemms.insert(gemms.end(), {t, odd, bt, sb});
    if (full)
      gemms.push_back(
          GemmCase{"big fp32", "simt_large_store", 1, 4096, 4096, 4096, f32, f32, 1e-5});
  }

  // GEMM, tensor cores.
  for (int64_t m : {16, 3}) {
    GemmCase l1{"silu mlp lin1 b" + std::to_string(m),
                "tc_small_bf16_bias_silu",
                1,
                m,
                64,
                128,
                bf16,
                bf16,
                1e-2};
    l1.bias = true;
    l1.act = kSilu;
    GemmCase l2{"silu mlp lin2 b" + std::to_string(m),
                "tc_small_bf16_bias",
                1,
                m,
                128,
                64,
                bf16,
                bf16,
                1e-2};
    l2.bias = true;
    gemms.insert(gemms.end(), {l1, l2});
  }
  {
    GemmCase q{"gpt qkv T512 bf16", "tc_medium_bf16_bias", 1, 512, 768, 256, bf16, bf16, 1e-2};
    q.bias = true;
    GemmCase q2{"gpt fc T77 bf16", "tc_medium_bf16_bias", 1, 77, 1024, 256, bf16, bf16, 1e-2};
    q2.bias = true;
    GemmCase mn{"f16 A^T B[K,N] bcast", "tc_medium_f16_mn_f32out", 2, 200, 136, 72, f16, f32, 1e-2};
    mn.a_mn = mn.b_kn = mn.a_bcast = true;
    GemmCase a1{
        "bf16 any stride K13", "tc_small_bf16_align1_f32out", 1, 77, 33, 13, bf16, f32, 1e-2};
    GemmCase t1{"gpt qkv T512 tf32", "tc_tf32_store", 1, 512, 768, 256, f32, f32, 1e-3};
    GemmCase t2{"tf32 A^T B[K,N]", "tc_tf32_mn_store", 1, 200, 136, 72, f32, f32, 1e-3};
    t2.a_mn = t2.b_kn = true;
    gemms.insert(gemms.end(), {q, q2, mn, a1, t1, t2});
    if (full) {
      for (const char* kern : {"tc_large_bf16_store", "tc_large_sm90_bf16_store",
                               "tc_medium_bf16_store", "tc_medium_k32_bf16_store"})
        gemms.push_back(GemmCase{"big bf16", kern, 1, 4096, 4096, 4096, bf16, bf16, 1e-2});
      gemms.push_back(
          GemmCase{"big bf16 8k", "tc_large_bf16_store", 1, 8192, 8192, 8192, bf16, bf16, 1e-2});
      gemms.push_back(GemmCase{"big tf32", "tc_tf32_store", 1, 4096, 4096, 4096, f32, f32, 1e-3});
    }
  }
  for (const GemmCase& g : gemms) run_gemm(c, g);
}

}  // namespace aotc::cuda_test

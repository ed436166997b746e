// attention_bench.cu: the float32 attention templates (attention_simt,
// attention_simt_keys) on their own, against a float64 reference, each
// variant timed as 200 back-to-back launches (best of 3). Not part of the
// build: it needs a GPU and runs in a second.
//
//   nvcc -O3 -std=c++17 -arch=sm_90 -Icodegen/templates/cuda -Icodegen/templates/common \
//        -o attention_bench benchmarks/kernels/attention_bench.cu
//   ./attention_bench [quick]          (quick: lengths up to 600)
//
// docs/cuda-kernels.md, "Float32 attention with the warps over the keys",
// has what it measured on an H100.
#include <cuda_runtime.h>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <vector>
#include <random>
#include <string>
#include "attention.cuh"

using namespace aotc::cuda;

struct SlopeMask {
  static constexpr bool kEnabled = true;
  __device__ float operator()(int64_t, int64_t h, int64_t i, int64_t j) const { return -0.05f * (h + 1) * float(i - j); }
};

template <class Cfg, int kKind, class M>
__global__ void __launch_bounds__(Cfg::kThreads, 1) kern(AttentionParams p, StridedAttentionOutput<float> out) {
  if constexpr (kKind == 0) attention_simt<Cfg>(p, out, M());
  else attention_simt_keys<Cfg>(p, out, M());
}

struct Problem { int B, H, Hkv, L, E; bool causal, masked; };

static void reference(const Problem& pr, const std::vector<float>& qkv, int ld, std::vector<double>& ref) {
  // q at column h*E, k at H*E + hk*E, v at (H+Hkv)*E + hk*E of rows [b*L + l]
  const int B = pr.B, H = pr.H, L = pr.L, E = pr.E, G = pr.H / pr.Hkv;
  ref.assign((size_t)B * H * L * E, 0.0);
  const double scale = 1.0 / std::sqrt((double)E);
  std::vector<double> s(L);
  for (int b = 0; b < B; ++b) for (int h = 0; h < H; ++h) for (int i = 0; i < L; ++i) {
    const int hk = h / G;
    double mx = -INFINITY;
    for (int j = 0; j < L; ++j) {
      if (pr.causal && j > i) { s[j] = -INFINITY; continue; }
      double d = 0;
      for (int e = 0; e < E; ++e) d += (double)qkv[(size_t)(b * L + i) * ld + h * E + e] * qkv[(size_t)(b * L + j) * ld + H * E + hk * E + e];
      d *= scale;
      if (pr.masked) d += -0.05 * (h + 1) * double(i - j);
      s[j] = d; mx = std::max(mx, d);
    }
    double sum = 0;
    for (int j = 0; j < L; ++j) { s[j] = std::isinf(s[j]) ? 0 : std::exp(s[j] - mx); sum += s[j]; }
    for (int e = 0; e < E; ++e) {
      double acc = 0;
      for (int j = 0; j < L; ++j) acc += s[j] * qkv[(size_t)(b * L + j) * ld + (H + pr.Hkv) * E + hk * E + e];
      ref[((size_t)(b * H + h) * L + i) * E + e] = acc / sum;
    }
  }
}

template <class Cfg, int kKind, class M>
static void run(const char* name, const Problem& pr, const float* dqkv, int ld, float* dout, const std::vector<double>& ref,
                int iters) {
  AttentionParams p{};
  const int E = pr.E;
  p.q = dqkv; p.k = dqkv + pr.H * E; p.v = dqkv + (pr.H + pr.Hkv) * E;
  p.q_stride_b = (int64_t)pr.L * ld; p.q_stride_h = E; p.q_stride_l = ld; p.q_stride_e = 1;
  p.k_stride_b = p.q_stride_b; p.k_stride_h = E; p.k_stride_s = ld; p.k_stride_e = 1;
  p.v_stride_b = p.q_stride_b; p.v_stride_h = E; p.v_stride_s = ld; p.v_stride_e = 1;
  p.batch = pr.B; p.heads = pr.H; p.kv_heads = pr.Hkv; p.len_q = pr.L; p.len_kv = pr.L; p.head_dim = E; p.head_dim_v = E;
  p.scale = 1.0f / std::sqrt((float)E); p.causal = pr.causal;
  // [B, L, H, E] like gpt_block's attention output
  StridedAttentionOutput<float> out{dout, (int64_t)pr.L * pr.H * E, E, (int64_t)pr.H * E, 1};
  auto k = kern<Cfg, kKind, M>;
  if (cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, Cfg::kSmemBytes) != cudaSuccess) {
    printf("  %-22s smem %d: cannot\n", name, Cfg::kSmemBytes); cudaGetLastError(); return;
  }
  dim3 grid((pr.L + Cfg::kRows - 1) / Cfg::kRows, pr.H, pr.B);
  const size_t n = (size_t)pr.B * pr.L * pr.H * E;
  cudaMemset(dout, 0xff, n * 4);
  k<<<grid, Cfg::kThreads, Cfg::kSmemBytes>>>(p, out);
  if (cudaDeviceSynchronize() != cudaSuccess) { printf("  %-22s FAILED: %s\n", name, cudaGetErrorString(cudaGetLastError())); exit(1); }
  std::vector<float> h(n);
  cudaMemcpy(h.data(), dout, n * 4, cudaMemcpyDeviceToHost);
  double worst = 0, mref = 0;
  for (int b = 0; b < pr.B; ++b) for (int hh = 0; hh < pr.H; ++hh) for (int i = 0; i < pr.L; ++i) for (int e = 0; e < E; ++e) {
    const double r = ref[((size_t)(b * pr.H + hh) * pr.L + i) * E + e];
    const double g = h[(((size_t)b * pr.L + i) * pr.H + hh) * E + e];
    mref = std::max(mref, std::fabs(r));
    worst = std::isnan(g) ? INFINITY : std::max(worst, std::fabs(g - r));
  }
  cudaEvent_t a, z; cudaEventCreate(&a); cudaEventCreate(&z);
  for (int i = 0; i < 20; ++i) k<<<grid, Cfg::kThreads, Cfg::kSmemBytes>>>(p, out);
  float best = 1e9;
  for (int rep = 0; rep < 3; ++rep) {
    cudaEventRecord(a);
    for (int i = 0; i < iters; ++i) k<<<grid, Cfg::kThreads, Cfg::kSmemBytes>>>(p, out);
    cudaEventRecord(z); cudaEventSynchronize(z);
    float ms; cudaEventElapsedTime(&ms, a, z); best = std::min(best, ms * 1000 / iters);
  }
  printf("  %-22s %7.2f us  err %.2e  smem %6d %s\n", name, best, worst / mref, Cfg::kSmemBytes, worst / mref > 1e-5 ? "BAD" : "");
}

template <int kE, class M>
static void all_variants(const Problem& pr, const float* dqkv, int ld, float* dout, const std::vector<double>& ref, int iters) {
  if constexpr (kE == 64) run<AttnSimtConfig<64, 64, 16, 64, true>, 0, M>("old E64 16x64", pr, dqkv, ld, dout, ref, iters);
  else run<AttnSimtConfig<128, 128, 16, 32, true>, 0, M>("old E128 16x32", pr, dqkv, ld, dout, ref, iters);
  run<AttnSimtKeysConfig<kE, kE, 8, 16, 1, true>, 1, M>("keys W8 K16 S1", pr, dqkv, ld, dout, ref, iters);
  run<AttnSimtKeysConfig<kE, kE, 4, 16, 1, true>, 1, M>("keys W4 K16 S1", pr, dqkv, ld, dout, ref, iters);
  run<AttnSimtKeysConfig<kE, kE, 8, 8, 1, true>, 1, M>("keys W8 K8 S1", pr, dqkv, ld, dout, ref, iters);
  run<AttnSimtKeysConfig<kE, kE, 4, 16, 1, false>, 1, M>("keys W4 K16 S1 novec", pr, dqkv, ld, dout, ref, iters);
  run<AttnSimtKeysConfig<kE, kE, 8, 16, 1, false>, 1, M>("keys W8 K16 S1 novec", pr, dqkv, ld, dout, ref, iters);
  // More warps per block (more than 99 KiB: sm_80 / sm_90 / sm_100 only).
  run<AttnSimtKeysConfig<kE, kE, 8, 16, 2, true>, 1, M>("keys W8 K16 S2", pr, dqkv, ld, dout, ref, iters);
  run<AttnSimtKeysConfig<kE, kE, 16, 16, 1, true>, 1, M>("keys W16 K16 S1", pr, dqkv, ld, dout, ref, iters);
  run<AttnSimtKeysConfig<kE, kE, 16, 8, 1, true>, 1, M>("keys W16 K8 S1", pr, dqkv, ld, dout, ref, iters);
  run<AttnSimtKeysConfig<kE, kE, 16, 8, 2, true>, 1, M>("keys W16 K8 S2", pr, dqkv, ld, dout, ref, iters);
  run<AttnSimtKeysConfig<kE, kE, 12, 16, 1, true>, 1, M>("keys W12 K16 S1", pr, dqkv, ld, dout, ref, iters);
}

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "quick";
  std::vector<Problem> problems = {
      {1, 4, 4, 16, 64, true, false},   {1, 4, 4, 77, 64, true, false},   {1, 4, 4, 512, 64, true, false},
      {1, 4, 4, 1024, 64, true, false}, {1, 4, 4, 512, 64, false, false}, {2, 8, 2, 200, 64, true, true},
      {1, 4, 4, 2048, 64, true, false}, {1, 2, 2, 512, 128, true, false}, {1, 4, 4, 333, 64, false, true},
  };
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0.f, 1.f);
  for (const auto& pr : problems) {
    if (quick && pr.L > 600) continue;
    const int ld = (pr.H + 2 * pr.Hkv) * pr.E;
    std::vector<float> qkv((size_t)pr.B * pr.L * ld);
    for (auto& x : qkv) x = nd(rng);
    std::vector<double> ref;
    reference(pr, qkv, ld, ref);
    float *dqkv, *dout;
    cudaMalloc(&dqkv, qkv.size() * 4);
    cudaMalloc(&dout, (size_t)pr.B * pr.L * pr.H * pr.E * 4);
    cudaMemcpy(dqkv, qkv.data(), qkv.size() * 4, cudaMemcpyHostToDevice);
    printf("B=%d H=%d Hkv=%d L=%d E=%d causal=%d masked=%d\n", pr.B, pr.H, pr.Hkv, pr.L, pr.E, pr.causal, pr.masked);
    const int iters = 200;
    if (pr.E == 64) {
      if (pr.masked) all_variants<64, SlopeMask>(pr, dqkv, ld, dout, ref, iters);
      else all_variants<64, NoMask>(pr, dqkv, ld, dout, ref, iters);
    } else {
      all_variants<128, NoMask>(pr, dqkv, ld, dout, ref, iters);
    }
    cudaFree(dqkv); cudaFree(dout);
  }
  return 0;
}

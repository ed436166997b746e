// linear_bench.cu: gemm_simt_linear with gpt_block's four linear shapes at
// M = 512 and 16, over tile shapes, thread tiles, pipeline depths, k-slice
// widths, split-K across blocks and inside them, against a float64 reference; each timed as 200
// back-to-back launches (best of 3). Not part of the build: it needs a GPU.
//
//   nvcc -O3 -std=c++17 -arch=sm_90 -Icodegen/templates/cuda -Icodegen/templates/common \
//        -o linear_bench benchmarks/kernels/linear_bench.cu
//   ./linear_bench
//
// docs/cuda-kernels.md, "What remains", has what it showed on an H100.
#include <cuda_runtime.h>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <vector>
#include <random>
#include <string>
#include "gemm_simt.cuh"

using namespace aotc::cuda;

struct Epi {
  float* out; const float* bias; int64_t n;
  __device__ void operator()(int64_t, int64_t m, int64_t nn, float acc) const { out[m * n + nn] = acc + bias[nn]; }
};

template <class Cfg>
__global__ void __launch_bounds__(Cfg::kThreads, 1) kern(GemmParams p, Epi e, SplitK sk) {
  gemm_simt_linear<Cfg>(p, e, sk);
}

static float* g_partials; static unsigned* g_counters;

template <class Cfg>
static void run(const char* name, int M, int N, int K, const float* da, const float* db, const float* dbias, float* dout,
                const std::vector<double>& ref, int splits) {
  GemmParams p{};
  p.a = da; p.b = db; p.m = M; p.n = N; p.k = K; p.batch = 1;
  p.a_stride_batch = 0; p.a_stride_m = K; p.a_stride_k = 1;
  p.b_stride_batch = 0; p.b_stride_n = K; p.b_stride_k = 1;
  Epi e{dout, dbias, N};
  SplitK sk{g_partials, g_counters, splits};
  auto k = kern<Cfg>;
  if (cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, Cfg::kSmemBytes) != cudaSuccess) {
    printf("    %-26s cannot\n", name); cudaGetLastError(); return;
  }
  dim3 grid((N + Cfg::kBN - 1) / Cfg::kBN, (M + Cfg::kBM - 1) / Cfg::kBM, splits);
  cudaMemset(dout, 0xff, (size_t)M * N * 4);
  k<<<grid, Cfg::kThreads, Cfg::kSmemBytes>>>(p, e, sk);
  if (cudaDeviceSynchronize() != cudaSuccess) { printf("%s FAILED %s\n", name, cudaGetErrorString(cudaGetLastError())); exit(1); }
  std::vector<float> h((size_t)M * N);
  cudaMemcpy(h.data(), dout, h.size() * 4, cudaMemcpyDeviceToHost);
  double worst = 0, mref = 0;
  for (size_t i = 0; i < h.size(); ++i) { mref = std::max(mref, std::fabs(ref[i])); worst = std::isnan(h[i]) ? INFINITY : std::max(worst, std::fabs(h[i] - ref[i])); }
  cudaEvent_t a, z; cudaEventCreate(&a); cudaEventCreate(&z);
  for (int i = 0; i < 20; ++i) k<<<grid, Cfg::kThreads, Cfg::kSmemBytes>>>(p, e, sk);
  float best = 1e9;
  for (int rep = 0; rep < 3; ++rep) {
    cudaEventRecord(a);
    for (int i = 0; i < 200; ++i) k<<<grid, Cfg::kThreads, Cfg::kSmemBytes>>>(p, e, sk);
    cudaEventRecord(z); cudaEventSynchronize(z);
    float ms; cudaEventElapsedTime(&ms, a, z); best = std::min(best, ms * 1000 / 200);
  }
  printf("    %-26s split %d blocks %5d  %7.2f us  %5.1f TF/s err %.1e%s\n", name, splits, grid.x * grid.y * splits, best,
         2.0 * M * N * K / best * 1e-6, worst / mref, worst / mref > 1e-5 ? " BAD" : "");
}

template <class Cfg>
static void run_splits(const char* name, int M, int N, int K, const float* da, const float* db, const float* dbias, float* dout,
                       const std::vector<double>& ref) {
  for (int s : {1, 2, 4}) {
    if (s > 1 && K / Cfg::kBK < 2 * s) continue;
    run<Cfg>(name, M, N, K, da, db, dbias, dout, ref, s);
  }
}

// `linear_bench sizes`: the heuristic's candidates and the in-block K
// splits at more sizes of M (gpt_block's linears at M = 16 to 512, and
// ResNet-18's classifier).
static void sizes_variants(int M, int N, int K, const float* da, const float* db, const float* dbias, float* dout,
                           const std::vector<double>& ref) {
  run_splits<SimtLinearConfig<16, 32, 32, 2, 4, 4>>("Narrow 16x32 2x4", M, N, K, da, db, dbias, dout, ref);
  run_splits<SimtLinearConfig<16, 32, 32, 2, 4, 4, true, 2>>("Narrow g2 (128t)", M, N, K, da, db, dbias, dout, ref);
  run_splits<SimtLinearConfig<16, 32, 32, 2, 4, 4, true, 4>>("Narrow g4 (256t)", M, N, K, da, db, dbias, dout, ref);
  run_splits<SimtLinearConfig<16, 32, 64, 2, 4, 3, true, 2>>("Narrow bk64 s3 g2", M, N, K, da, db, dbias, dout, ref);
  run_splits<SimtLinearConfig<32, 32, 32, 2, 4, 4>>("Square 32x32 2x4", M, N, K, da, db, dbias, dout, ref);
  run_splits<SimtLinearConfig<32, 32, 32, 2, 4, 4, true, 2>>("Square g2 (256t)", M, N, K, da, db, dbias, dout, ref);
  run_splits<SimtLinearConfig<16, 64, 32, 2, 4, 4>>("Small 16x64 2x4", M, N, K, da, db, dbias, dout, ref);
  run_splits<SimtLinearConfig<16, 64, 32, 2, 4, 4, true, 2>>("Small g2 (256t)", M, N, K, da, db, dbias, dout, ref);
  run_splits<SimtLinearConfig<32, 64, 32, 2, 4, 4>>("Wide 32x64 2x4", M, N, K, da, db, dbias, dout, ref);
  run_splits<SimtLinearConfig<64, 64, 32, 4, 4, 3>>("Medium 64x64 4x4", M, N, K, da, db, dbias, dout, ref);
  run_splits<SimtLinearConfig<64, 64, 32, 4, 4, 5>>("Medium s5", M, N, K, da, db, dbias, dout, ref);
  run_splits<SimtLinearConfig<32, 64, 32, 4, 4, 4>>("32x64 4x4 (128t)", M, N, K, da, db, dbias, dout, ref);
  run_splits<SimtLinearConfig<32, 64, 32, 4, 4, 4, true, 2>>("32x64 4x4 g2 (256t)", M, N, K, da, db, dbias, dout, ref);
  run_splits<SimtLinearConfig<32, 64, 32, 8, 4, 4, true, 4>>("32x64 8x4 g4 (256t)", M, N, K, da, db, dbias, dout, ref);
}

int main(int argc, char** argv) {
  const bool sizes = argc > 1 && std::string(argv[1]) == "sizes";
  cudaMalloc(&g_partials, 64 << 20);
  cudaMalloc(&g_counters, 1 << 20);
  cudaMemset(g_counters, 0, 1 << 20);
  struct Shape { const char* name; int N, K; };
  std::vector<Shape> shapes = {{"qkv", 768, 256}, {"proj", 256, 256}, {"fc", 1024, 256}, {"out", 256, 1024}};
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0.f, 1.f);
  if (sizes) shapes.push_back({"resnet_fc", 1000, 512});
  const std::vector<int> ms = sizes ? std::vector<int>{16, 77, 128, 200, 512, 2, 32} : std::vector<int>{512, 16};
  for (int M : ms) for (const auto& s : shapes) {
    if (sizes && (s.name == std::string("resnet_fc")) != (M == 2 || M == 32)) continue;
    const int N = s.N, K = s.K;
    std::vector<float> A((size_t)M * K), B((size_t)N * K), bias(N);
    for (auto& x : A) x = nd(rng);
    for (auto& x : B) x = nd(rng) * 0.05f;
    for (auto& x : bias) x = nd(rng);
    std::vector<double> ref((size_t)M * N);
    for (int m = 0; m < M; ++m) for (int n = 0; n < N; ++n) {
      double d = bias[n];
      for (int k = 0; k < K; ++k) d += (double)A[(size_t)m * K + k] * B[(size_t)n * K + k];
      ref[(size_t)m * N + n] = d;
    }
    float *da, *db, *dbias, *dout;
    cudaMalloc(&da, A.size() * 4); cudaMalloc(&db, B.size() * 4); cudaMalloc(&dbias, N * 4); cudaMalloc(&dout, (size_t)M * N * 4);
    cudaMemcpy(da, A.data(), A.size() * 4, cudaMemcpyHostToDevice);
    cudaMemcpy(db, B.data(), B.size() * 4, cudaMemcpyHostToDevice);
    cudaMemcpy(dbias, bias.data(), N * 4, cudaMemcpyHostToDevice);
    printf("%s M=%d N=%d K=%d\n", s.name, M, N, K);
    if (sizes) {
      sizes_variants(M, N, K, da, db, dbias, dout, ref);
      cudaFree(da); cudaFree(db); cudaFree(dbias); cudaFree(dout);
      continue;
    }
    // The presets (gemm_simt.cuh), then other tile shapes, thread tiles,
    // pipeline depths and k-slice widths.
    run_splits<SimtLinearConfig<16, 32, 32, 2, 4, 4>>("Narrow 16x32 2x4", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<32, 32, 32, 2, 4, 4>>("Square 32x32 2x4", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<16, 64, 32, 2, 4, 4>>("Small 16x64 2x4", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<32, 64, 32, 2, 4, 4>>("Wide 32x64 2x4", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 64, 32, 4, 4, 3>>("Medium 64x64 4x4", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 64, 32, 8, 4, 3>>("64x64 8x4 (128t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 64, 32, 4, 8, 3>>("64x64 4x8 (128t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 64, 32, 8, 8, 3>>("64x64 8x8 (64t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<32, 64, 32, 4, 4, 4>>("32x64 4x4 (128t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<32, 64, 32, 8, 4, 4>>("32x64 8x4 (64t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<32, 128, 32, 4, 8, 3>>("32x128 4x8 (128t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 128, 32, 8, 8, 3>>("64x128 8x8 (128t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<16, 64, 32, 4, 4, 4>>("16x64 4x4 (64t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<16, 32, 64, 2, 4, 3>>("Narrow bk64 s3", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<16, 32, 16, 2, 4, 8>>("Narrow bk16 s8", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<32, 32, 32, 2, 4, 6>>("Square s6", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 64, 32, 4, 4, 5>>("Medium s5", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 64, 16, 4, 4, 6>>("Medium bk16 s6", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 64, 64, 4, 4, 3>>("Medium bk64 s3", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<32, 64, 64, 4, 4, 3>>("32x64 4x4 bk64 s3", M, N, K, da, db, dbias, dout, ref);
    // K split inside the block (kKGroups thread groups per tile).
    run_splits<SimtLinearConfig<16, 32, 32, 2, 4, 4, true, 2>>("Narrow g2 (128t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<16, 32, 32, 2, 4, 4, true, 4>>("Narrow g4 (256t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<32, 32, 32, 2, 4, 4, true, 2>>("Square g2 (256t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<32, 32, 32, 2, 4, 4, true, 4>>("Square g4 (512t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<32, 32, 64, 2, 4, 3, true, 4>>("Square bk64 s3 g4 (512t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<32, 64, 32, 2, 4, 4, true, 2>>("Wide g2 (512t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<32, 64, 32, 4, 4, 4, true, 2>>("32x64 4x4 g2 (256t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<32, 64, 32, 4, 4, 4, true, 4>>("32x64 4x4 g4 (512t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<32, 64, 32, 8, 4, 4, true, 4>>("32x64 8x4 g4 (256t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 64, 32, 4, 4, 3, true, 2>>("Medium g2 (512t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 64, 32, 4, 4, 3, true, 4>>("Medium g4 (1024t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 64, 64, 4, 4, 3, true, 2>>("Medium bk64 g2 (512t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 64, 32, 8, 4, 3, true, 4>>("64x64 8x4 g4 (512t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 64, 32, 8, 8, 3, true, 4>>("64x64 8x8 g4 (256t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 64, 64, 8, 8, 3, true, 8>>("64x64 8x8 bk64 g8 (512t)", M, N, K, da, db, dbias, dout, ref);
    run_splits<SimtLinearConfig<64, 128, 32, 8, 8, 3, true, 4>>("64x128 8x8 g4 (512t)", M, N, K, da, db, dbias, dout, ref);
    cudaFree(da); cudaFree(db); cudaFree(dbias); cudaFree(dout);
  }
  return 0;
}

// aotc_cpu_kernel_bench: GFLOP/s of the CPU kernel library's headline
// kernels, per instruction-set level, single-threaded and with a simple
// std::thread parallel_for. Not a test; docs/cpu-kernels.md records results.
//
//   aotc_cpu_kernel_bench [--reps N] [--threads T] [--isa baseline|avx2|avx512] [--quick]
//
// Every number is the median of N timed repetitions after one warm-up.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <time.h>
#include <vector>

#include "aotc_cpu_kernels.h"

#if defined(__x86_64__)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

namespace {

int g_threads = 0;

/// A small persistent pool: g_threads - 1 workers plus the caller take
/// grain-sized chunks from an atomic counter (what a model runtime's pool does).
class ThreadPool {
 public:
  explicit ThreadPool(int threads) {
    for (int t = 1; t < threads; ++t) workers_.emplace_back([this] { loop(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      ++generation_;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  void run(int64_t n, int64_t grain, aotc_cpu::ParallelForBody fn, void* arg) {
    grain = std::max<int64_t>(grain, 1);
    const int64_t chunks = (n + grain - 1) / grain;
    if (workers_.empty() || chunks <= 1) {
      fn(0, n, arg);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn_ = fn;
      arg_ = arg;
      n_ = n;
      grain_ = grain;
      chunks_ = chunks;
      next_.store(0);
      pending_ = static_cast<int>(workers_.size());
      ++generation_;
    }
    cv_.notify_all();
    work();
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  void work() {
    for (int64_t c; (c = next_.fetch_add(1)) < chunks_;) fn_(c * grain_, std::min(n_, (c + 1) * grain_), arg_);
  }
  void loop() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (stop_) return;
      }
      work();
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  uint64_t generation_ = 0;
  bool stop_ = false;
  int pending_ = 0;
  aotc_cpu::ParallelForBody fn_ = nullptr;
  void* arg_ = nullptr;
  int64_t n_ = 0, grain_ = 1, chunks_ = 0;
  std::atomic<int64_t> next_{0};
};

ThreadPool* g_pool = nullptr;

void thread_parallel_for(int64_t n, int64_t grain, aotc_cpu::ParallelForBody fn, void* arg) {
  if (n > 0) g_pool->run(n, grain, fn, arg);
}

/// Single-threaded runs are timed in this thread's CPU time, so that other
/// processes on a shared machine do not count; threaded runs in wall time.
bool g_cpu_clock = false;

double now_seconds() {
  if (g_cpu_clock) {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median_seconds(int reps, const std::function<void()>& f) {
  f();  // warm-up (page faults, thread-local buffers)
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const double a = now_seconds();
    f();
    t.push_back(now_seconds() - a);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

std::vector<float> random_floats(size_t n) {
  std::mt19937 r(1);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(r);
  return v;
}

// ---------------------------------------------------------------- FMA peak probe

constexpr int64_t kProbeIters = 20000000;

#if defined(__x86_64__)
__attribute__((target("avx512f"), noinline)) float probe_avx512() {
  // 16 independent chains: enough to cover latency x throughput on any core.
  __m512 acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < kProbeIters / 16; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 16; ++i) s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);
}
__attribute__((target("avx2,fma"), noinline)) float probe_avx2() {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < kProbeIters / 12; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[7];
}
#endif

void run_probe(int reps) {
#if defined(__x86_64__)
  volatile float sink = 0.0f;
  if (__builtin_cpu_supports("avx512f")) {
    const int64_t fmas = kProbeIters / 16 * 16;
    const double t = median_seconds(reps, [&] { sink = probe_avx512(); });
    std::printf("fma peak probe avx512: %8.1f GFLOP/s (1 thread, 16 chains)\n", 2.0 * 16 * fmas / t / 1e9);
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    const int64_t fmas = kProbeIters / 12 * 12;
    const double t = median_seconds(reps, [&] { sink = probe_avx2(); });
    std::printf("fma peak probe avx2:   %8.1f GFLOP/s (1 thread, 12 chains)\n", 2.0 * 8 * fmas / t / 1e9);
  }
  (void)sink;
#else
  (void)reps;
#endif
}

// ---------------------------------------------------------------- benchmarks

void naive_gemm(int64_t n, const float* a, const float* b, float* c) {
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float s = 0.0f;
      for (int64_t p = 0; p < n; ++p) s += a[i * n + p] * b[p * n + j];
      c[i * n + j] = s;
    }
  }
}

/// The loop order a compiler vectorizes (unit-stride inner loop over j).
void ikj_gemm(int64_t n, const float* a, const float* b, float* c) {
  for (int64_t i = 0; i < n * n; ++i) c[i] = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t p = 0; p < n; ++p) {
      const float av = a[i * n + p];
      for (int64_t j = 0; j < n; ++j) c[i * n + j] += av * b[p * n + j];
    }
  }
}

double bench_gemm(int reps, aotc_cpu::ParallelFor pf, int64_t n, aotc_cpu::DType dt) {
  std::vector<float> a = random_floats(static_cast<size_t>(n * n));
  std::vector<float> b = random_floats(static_cast<size_t>(n * n));
  std::vector<uint16_t> ah(a.size()), bh(b.size()), ch(a.size());
  std::vector<float> c(static_cast<size_t>(n * n));
  if (dt != aotc_cpu::DType::kF32) {
    aotc_cpu::convert(aotc_cpu::DType::kF32, a.data(), dt, ah.data(), n * n);
    aotc_cpu::convert(aotc_cpu::DType::kF32, b.data(), dt, bh.data(), n * n);
  }
  aotc_cpu::GemmArgs g;
  g.m = g.n = g.k = n;
  const bool f32 = dt == aotc_cpu::DType::kF32;
  g.a = f32 ? static_cast<const void*>(a.data()) : ah.data();
  g.b = f32 ? static_cast<const void*>(b.data()) : bh.data();
  g.c = f32 ? static_cast<void*>(c.data()) : ch.data();
  g.a_dtype = g.b_dtype = g.c_dtype = dt;
  g.a_row_stride = g.b_row_stride = g.ldc = n;
  const double t = median_seconds(reps, [&] { aotc_cpu::gemm(g, pf); });
  return 2.0 * n * n * n / t / 1e9;
}

double bench_conv(int reps, aotc_cpu::ParallelFor pf) {
  aotc_cpu::Conv2dArgs a;
  a.batch = 2;
  a.in_channels = 64;
  a.in_h = a.in_w = 56;
  a.out_channels = 64;
  a.kernel_h = a.kernel_w = 3;
  a.pad_h = a.pad_w = 1;
  std::vector<float> x = random_floats(2 * 64 * 56 * 56), w = random_floats(64 * 64 * 9),
                     bias = random_floats(64), y(2 * 64 * 56 * 56);
  a.input = x.data();
  a.weight = w.data();
  a.output = y.data();
  a.epilogue.bias = bias.data();
  a.epilogue.act = aotc_cpu::Activation::kRelu;
  std::vector<char> scratch(aotc_cpu::conv2d_scratch_bytes(a) + 64);
  void* s = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
  const double t = median_seconds(reps, [&] { aotc_cpu::conv2d(a, s, pf); });
  return 2.0 * 2 * 64 * 56 * 56 * 64 * 9 / t / 1e9;
}

double bench_attention(int reps, aotc_cpu::ParallelFor pf) {
  const int64_t B = 1, H = 4, L = 512, E = 64;
  std::vector<float> q = random_floats(B * H * L * E), k = random_floats(B * H * L * E),
                     v = random_floats(B * H * L * E), o(B * H * L * E);
  aotc_cpu::AttentionArgs a;
  a.batch = B;
  a.heads = H;
  a.l = a.s = L;
  a.e = a.ev = E;
  a.q = q.data();
  a.k = k.data();
  a.v = v.data();
  a.out = o.data();
  for (auto* s : {a.q_strides, a.k_strides, a.v_strides}) {
    s[0] = H * L * E;
    s[1] = L * E;
    s[2] = E;
    s[3] = 1;
  }
  a.scale = 1.0f / std::sqrt(static_cast<float>(E));
  a.causal = true;
  const double t = median_seconds(reps, [&] { aotc_cpu::attention(a, pf); });
  // Useful work only: the causal half of QK^T and PV.
  const double flops = 2.0 * 2.0 * B * H * E * (L * (L + 1) / 2.0);
  return flops / t / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 15;
  bool quick = false;
  std::string only_isa;
  g_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (arg == "--threads" && i + 1 < argc) g_threads = std::atoi(argv[++i]);
    else if (arg == "--isa" && i + 1 < argc) only_isa = argv[++i];
    else if (arg == "--quick") quick = true;
    else {
      std::fprintf(stderr, "usage: %s [--reps N] [--threads T] [--isa LEVEL] [--quick]\n", argv[0]);
      return 2;
    }
  }
  ThreadPool pool(g_threads);
  g_pool = &pool;
  std::printf("aotc_cpu_kernel_bench: best level %s, %d threads for the threaded runs, median of %d\n",
              aotc_cpu::isa_name(aotc_cpu::best_supported_isa()), g_threads, reps);
  std::printf("'1 thread' rows: thread CPU time (immune to time slicing); 'threads' rows: wall time\n");
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    char line[128] = {};
    if (std::fgets(line, sizeof line, f)) std::printf("load average at start: %s", line);
    std::fclose(f);
  }
  g_cpu_clock = true;
  if (!quick) run_probe(std::max(3, reps / 3));

  if (!quick) {
    const int64_t n = 512;
    std::vector<float> a = random_floats(n * n), b = random_floats(n * n), c(n * n);
    const double t = median_seconds(3, [&] { naive_gemm(n, a.data(), b.data(), c.data()); });
    std::printf("gemm 512^3 naive triple loop (ijk, -O3):  %8.2f GFLOP/s\n", 2.0 * n * n * n / t / 1e9);
    const double t2 = median_seconds(5, [&] { ikj_gemm(n, a.data(), b.data(), c.data()); });
    std::printf("gemm 512^3 ikj loop (-O3, SSE2 vectorized): %6.2f GFLOP/s\n", 2.0 * n * n * n / t2 / 1e9);
  }

  for (aotc_cpu::Isa isa : {aotc_cpu::Isa::kBaseline, aotc_cpu::Isa::kAvx2, aotc_cpu::Isa::kAvx512}) {
    if (!only_isa.empty() && only_isa != aotc_cpu::isa_name(isa)) continue;
    if (!aotc_cpu::force_isa(isa)) continue;
    for (aotc_cpu::ParallelFor pf : {static_cast<aotc_cpu::ParallelFor>(nullptr), &thread_parallel_for}) {
      const char* mode = pf ? "threads" : "1 thread";
      g_cpu_clock = pf == nullptr;
      std::printf("[%-8s %-8s] gemm 512^3 f32         %8.2f GFLOP/s\n", aotc_cpu::isa_name(isa), mode,
                  bench_gemm(reps, pf, 512, aotc_cpu::DType::kF32));
      if (!quick) {
        std::printf("[%-8s %-8s] gemm 512^3 bf16        %8.2f GFLOP/s\n", aotc_cpu::isa_name(isa), mode,
                    bench_gemm(reps, pf, 512, aotc_cpu::DType::kBF16));
      }
      std::printf("[%-8s %-8s] conv 2x64x56x56 3x3    %8.2f GFLOP/s\n", aotc_cpu::isa_name(isa), mode,
                  bench_conv(reps, pf));
      std::printf("[%-8s %-8s] attention 1x4x512x64c %8.2f GFLOP/s\n", aotc_cpu::isa_name(isa), mode,
                  bench_attention(reps, pf));
    }
  }
  return 0;
}

// The Winograd kernels of winograd.cuh run on the CPU, one OS thread per CUDA
// thread, so that their index math (tile origins, padding masks, which
// component and which (k, tile) products a thread owns, the U and V slice
// layouts, the accumulator exchange, partial tiles, channel chunks and
// output-channel blocks) is checked where there is no GPU. The same source
// NVRTC compiles is compiled here as C++ against a small shim of the CUDA
// features it uses:
//  - threadIdx / blockIdx / blockDim / gridDim are thread_local;
//  - __syncthreads() is a std::barrier over the block's threads;
//  - dynamic shared memory is one buffer per block, filled with NaN first so
//    that reading a value never written shows up in the result;
//  - cp.async copies are queued per thread and land only at cp_async_wait,
//    so a read before the wait sees the old (NaN or stale) data, as it could
//    on the GPU.
// conv.cuh (and the PTX-laden headers under it) is skipped through its
// include guard; the shim supplies the two conv.cuh types winograd.cuh uses.
// What this cannot show: speed, register use, bank conflicts, and races that
// the barrier's ordering happens to hide on a CPU.
#include <catch2/catch.hpp>

#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include "codegen/cuda/WinogradWeights.h"

// ---------------------------------------------------------------------- shim

struct EmuDim3 {
  unsigned x = 0, y = 0, z = 0;
};
thread_local EmuDim3 threadIdx, blockIdx, blockDim, gridDim;

struct float4 {
  float x, y, z, w;
};
inline float4 make_float4(float x, float y, float z, float w) {
  return float4{x, y, z, w};
}
inline float __ldg(const float* p) {
  return *p;
}

namespace emu {
thread_local std::barrier<>* block_barrier = nullptr;
thread_local unsigned char* block_smem = nullptr;
struct PendingCopy {
  void* dst;
  const void* src;
  int bytes;
  bool pred;
};
thread_local std::vector<PendingCopy> pending;
// Catch2's assertions are not thread-safe: the CUDA threads count, the test checks.
std::atomic<int> unwaited_copies{0}, double_stores{0};
}  // namespace emu

inline void __syncthreads() {
  emu::block_barrier->arrive_and_wait();
}

#define AOTC_CUDA_CONV_CUH  // winograd.cuh's include of conv.cuh becomes empty
#define AOTC_DEVICE inline

namespace aotc::cuda {
constexpr int kWarpSize = 32;

// Copies of conv.cuh's declarations (same fields, same order).
template <int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW>
struct ConvGeometry {
  static constexpr bool kFixed = true;
  static constexpr int kKH = KH, kKW = KW, kSH = SH, kSW = SW, kPH = PH, kPW = PW, kDH = DH,
                       kDW = DW;
};
struct Conv2dParams {
  const void* x;
  const void* w;
  int64_t batch, in_c, in_h, in_w;
  int64_t out_c, out_h, out_w, k_h, k_w;
  int64_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups;
  int64_t x_stride_n, x_stride_c, x_stride_h, x_stride_w;
  int64_t w_stride_o, w_stride_c, w_stride_h, w_stride_w;
};

inline unsigned char* dynamic_smem() {
  return emu::block_smem;
}
inline void store_float4(float* p, float4 v) {
  p[0] = v.x;
  p[1] = v.y;
  p[2] = v.z;
  p[3] = v.w;
}
template <int kBytes>
inline void cp_async(void* dst, const void* src, bool pred) {
  emu::pending.push_back({dst, src, kBytes, pred});
}
inline void cp_async_commit() {}
template <int kPending>
inline void cp_async_wait() {
  static_assert(kPending == 0, "the emulation lands every pending copy");
  for (const emu::PendingCopy& c : emu::pending) {
    if (c.pred)
      std::memcpy(c.dst, c.src, static_cast<size_t>(c.bytes));
    else
      std::memset(c.dst, 0, static_cast<size_t>(c.bytes));
  }
  emu::pending.clear();
}
}  // namespace aotc::cuda

#include "codegen/templates/cuda/winograd.cuh"

// ------------------------------------------------------------------- harness

namespace {

using namespace aotc::cuda;

/// Runs `body` as a CUDA grid: every block's threads concurrently, blocks one after another.
void run_grid(EmuDim3 grid, unsigned threads, size_t smem_bytes,
              const std::function<void()>& body) {
  for (unsigned by = 0; by < grid.y; ++by)
    for (unsigned bx = 0; bx < grid.x; ++bx) {
      std::vector<float> smem((smem_bytes + 3) / 4, NAN);
      std::barrier<> bar(static_cast<std::ptrdiff_t>(threads));
      std::vector<std::thread> pool;
      for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
          threadIdx = {t, 0, 0};
          blockIdx = {bx, by, 0};
          blockDim = {threads, 1, 1};
          gridDim = grid;
          emu::block_barrier = &bar;
          emu::block_smem = reinterpret_cast<unsigned char*>(smem.data());
          body();
          if (!emu::pending.empty()) ++emu::unwaited_copies;
          emu::pending.clear();
        });
      for (std::thread& th : pool) th.join();
    }
}

struct BiasRelu {
  float* out;
  const float* bias;
  int64_t sn, sc, sh, sw;
  void operator()(int64_t n, int64_t oc, int64_t oh, int64_t ow, float acc) const {
    float& dst = out[n * sn + oc * sc + oh * sh + ow * sw];
    if (!std::isnan(dst)) ++emu::double_stores;  // exactly once per output
    const float v = acc + bias[oc];
    dst = v > 0 ? v : 0;
  }
};

template <int kPad>
void check_shape(int n_n, int c_n, int h, int w, int k_n, uint32_t seed) {
  using Cfg = WinogradF2x3Medium;
  using Geo = ConvGeometry<3, 3, 1, 1, kPad, kPad, 1, 1>;
  emu::unwaited_copies = 0;
  emu::double_stores = 0;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uni(-1, 1);
  std::vector<float> x(static_cast<size_t>(n_n) * c_n * h * w),
      wt(static_cast<size_t>(k_n) * c_n * 9), bias(static_cast<size_t>(k_n));
  for (float& v : x) v = uni(rng);
  for (float& v : wt) v = 0.5f * uni(rng);
  for (float& v : bias) v = uni(rng);
  const int oh_n = h + 2 * kPad - 2, ow_n = w + 2 * kPad - 2;

  // The filter transform kernel, grid-stride over 2 blocks of 64 threads.
  std::vector<float> u(static_cast<size_t>(16) * c_n * k_n, NAN);
  run_grid({2, 1, 1}, 64, 0,
           [&] { winograd_f2x3_filter_transform(wt.data(), u.data(), k_n, c_n); });
  const std::vector<float> host_u =
      aotc::codegen::winograd_f2x3_transform_weights(wt.data(), k_n, c_n);
  CHECK(std::memcmp(u.data(), host_u.data(), u.size() * 4) == 0);

  // The convolution, with guard zones around the output.
  constexpr size_t kGuard = 64;
  const size_t count = static_cast<size_t>(n_n) * k_n * oh_n * ow_n;
  std::vector<float> out(count + 2 * kGuard, NAN);
  Conv2dParams p{};
  p.x = x.data();
  p.w = u.data();
  p.batch = n_n;
  p.in_c = c_n;
  p.in_h = h;
  p.in_w = w;
  p.out_c = k_n;
  p.out_h = oh_n;
  p.out_w = ow_n;
  const int64_t sc = int64_t{oh_n} * ow_n;
  const BiasRelu epi{out.data() + kGuard, bias.data(), k_n * sc, sc, ow_n, 1};
  const int tiles = n_n * ((oh_n + 1) / 2) * ((ow_n + 1) / 2);
  const EmuDim3 grid{static_cast<unsigned>((k_n + Cfg::kBK - 1) / Cfg::kBK),
                     static_cast<unsigned>((tiles + Cfg::kBP - 1) / Cfg::kBP), 1};
  run_grid(grid, Cfg::kThreads, Cfg::kSmemBytes, [&] { conv2d_winograd_f2x3<Cfg, Geo>(p, epi); });

  for (size_t i = 0; i < kGuard; ++i) {
    CHECK(std::isnan(out[i]));
    CHECK(std::isnan(out[kGuard + count + i]));
  }
  double num = 0, den = 0;
  size_t unwritten = 0;
  for (int n = 0; n < n_n; ++n)
    for (int k = 0; k < k_n; ++k)
      for (int oh = 0; oh < oh_n; ++oh)
        for (int ow = 0; ow < ow_n; ++ow) {
          double acc = bias[static_cast<size_t>(k)];
          for (int c = 0; c < c_n; ++c)
            for (int a = 0; a < 3; ++a)
              for (int b = 0; b < 3; ++b) {
                const int ih = oh - kPad + a, iw = ow - kPad + b;
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                acc +=
                    static_cast<double>(x[((static_cast<size_t>(n) * c_n + c) * h + ih) * w + iw]) *
                    wt[(static_cast<size_t>(k) * c_n + c) * 9 + a * 3 + b];
              }
          const double ref = acc > 0 ? acc : 0;
          const float got =
              out[kGuard + ((static_cast<size_t>(n) * k_n + k) * oh_n + oh) * ow_n + ow];
          if (std::isnan(got)) ++unwritten;
          num += (got - ref) * (got - ref);
          den += ref * ref;
        }
  INFO("n " << n_n << " c " << c_n << " " << h << "x" << w << " k " << k_n << " pad " << kPad);
  CHECK(unwritten == 0);
  CHECK(emu::double_stores == 0);
  CHECK(emu::unwaited_copies == 0);
  CHECK(std::sqrt(num / den) < 2e-6);
}

}  // namespace

TEST_CASE("conv2d_winograd_f2x3 emulated on the CPU: partial tiles, chunks and channel blocks",
          "[winograd][emulated]") {
  // 15x17: odd edges; C = 20: a partial 8-channel chunk; OC = 44: a partial
  // 32-channel block; 2 * 8 * 9 = 144 tiles: a partial 32-tile block.
  check_shape<1>(2, 20, 15, 17, 44, 1);
}

TEST_CASE("conv2d_winograd_f2x3 emulated on the CPU: ResNet layer-4 geometry",
          "[winograd][emulated]") {
  // 7x7 with pad 1: 4 x 4 tiles per image, the last row and column partial;
  // two blocks of output channels, several chunks.
  check_shape<1>(2, 32, 7, 7, 64, 2);
}

TEST_CASE("conv2d_winograd_f2x3 emulated on the CPU: padding 0 and 2", "[winograd][emulated]") {
  check_shape<0>(1, 8, 9, 6, 4, 3);
  check_shape<2>(1, 4, 5, 5, 8, 4);
}

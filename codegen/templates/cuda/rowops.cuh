// rowops.cuh: operations over the last dimension of a [rows, n] problem:
// softmax, log_softmax, layer_norm, and row reductions (sum, mean, max, min,
// var, std), with float32 accumulation.
//
// Inputs and outputs go through generated functors, so the producer of the
// row (a strided view, a dtype cast, a fused elementwise chain) and its
// consumer (a cast, a residual add, a strided store) fuse into the kernel.
//
// A group of kThreadsPerRow threads owns a row. Up to 32 threads per row the
// group reduces with warp shuffles and a block holds kRowsPerBlock rows; with
// more (64..1024) the whole block owns one row and reduces through shared
// memory. Each thread keeps kCache values (vectors when the functors allow) in
// registers, so a row of n <= kThreadsPerRow * kCache * vec is read once;
// longer rows are correct too and read again for each pass.
//
// Launch:
//   grid  = ceil(rows / kRowsPerBlock)   (grid.x, up to 2^31 - 1)
//   block = Cfg::kThreads, dynamic shared memory = Cfg::kSmemBytes, wrapper with
//   __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks)
//
// Functor contracts:
//   Loader: __device__ float load(int64_t row, int64_t col) const;
//     optional: static constexpr int kVecWidth = 4;
//               __device__ float4 load4(int64_t row, int64_t col) const;  // cols col..col+3
//     Declare kVecWidth = 4 only when n % 4 == 0 and each row's 4-groups are
//     16-byte aligned; col is then always a multiple of 4.
//   Storer: __device__ void store(int64_t row, int64_t col, float v) const;
//     optional: static constexpr int kVecWidth = 4;
//               __device__ void store4(int64_t row, int64_t col, float4 v) const;
//     (used only when the loader is vectorized too). Reductions call
//     store(row, 0, value) once per row.
// Every (row, col) with row < rows, col < n is loaded at least once and
// stored exactly once.
#ifndef AOTC_CUDA_ROWOPS_CUH
#define AOTC_CUDA_ROWOPS_CUH

#include "common.cuh"

namespace aotc {
namespace cuda {

template <int kThreadsPerRow_, int kRowsPerBlock_, int kCache_>
struct RowConfig {
  static constexpr int kThreadsPerRow = kThreadsPerRow_;
  static constexpr int kRowsPerBlock = kRowsPerBlock_;
  static constexpr int kCache = kCache_;
  static constexpr int kThreads = kThreadsPerRow * kRowsPerBlock;
  static constexpr bool kBlockReduce = kThreadsPerRow > kWarpSize;
  static constexpr int kSmemBytes = kBlockReduce ? kWarpSize * 4 : 0;
  static constexpr int kMinBlocks = 1;
  static_assert((kThreadsPerRow & (kThreadsPerRow - 1)) == 0, "threads per row: a power of two");
  static_assert(!kBlockReduce || kRowsPerBlock == 1, "a block-wide row owns its block");
  static_assert(kThreads % kWarpSize == 0 && kThreads <= 1024, "bad block size");
};

// Presets by row length n (scalar functors; a vectorized loader caches 4x as many):
/// n <= 32 (e.g. log_softmax over 10 classes): 8 threads per row, 16 rows per block.
using RowTiny = RowConfig<8, 16, 4>;
/// n <= 256: a warp per row, 4 rows per block.
using RowWarp = RowConfig<32, 4, 8>;
/// n <= 1024: a warp per row, 32 values per lane.
using RowWarpWide = RowConfig<32, 4, 32>;
/// n <= 4096: 256 threads per row.
using RowBlock = RowConfig<256, 1, 16>;
/// Longer rows: 1024 threads per row (64 registers each, so 8 cached groups),
/// rows above 8192 (32768 with vector functors) are read once per pass.
using RowBlockWide = RowConfig<1024, 1, 8>;

namespace detail {

/// The values of one row a thread owns, cached in registers where they fit.
template <class Cfg, class Loader>
struct RowSlice {
  static constexpr int kV = VecWidthOf<Loader>::value;
  static_assert(kV == 1 || kV == 4, "kVecWidth must be 1 or 4");

  const Loader& ld;
  int64_t row;
  int64_t units;  // n / kV, or 0 for a thread past the last row
  int lane;       // index within the row's thread group
  float cache[Cfg::kCache][kV];

  AOTC_DEVICE RowSlice(const Loader& loader, int64_t row_, int64_t n, bool row_ok, int lane_)
      : ld(loader), row(row_), units(row_ok ? n / kV : 0), lane(lane_) {
#pragma unroll
    for (int it = 0; it < Cfg::kCache; ++it) {
      const int64_t u = static_cast<int64_t>(it) * Cfg::kThreadsPerRow + lane;
      if (u < units) load(u * kV, cache[it]);
    }
  }

  AOTC_DEVICE void load(int64_t col, float (&v)[kV]) const {
    if constexpr (kV == 4) {
      const float4 x = ld.load4(row, col);
      v[0] = x.x;
      v[1] = x.y;
      v[2] = x.z;
      v[3] = x.w;
    } else {
      v[0] = ld.load(row, col);
    }
  }

  /// f(col, values) for every kV-group of the row this thread owns.
  template <class F>
  AOTC_DEVICE void visit(const F& f) const {
#pragma unroll
    for (int it = 0; it < Cfg::kCache; ++it) {
      const int64_t u = static_cast<int64_t>(it) * Cfg::kThreadsPerRow + lane;
      if (u < units) f(u * kV, cache[it]);
    }
#pragma unroll 1
    for (int64_t u = static_cast<int64_t>(Cfg::kCache) * Cfg::kThreadsPerRow + lane; u < units;
         u += Cfg::kThreadsPerRow) {
      float v[kV];
      load(u * kV, v);
      f(u * kV, v);
    }
  }
};

template <class Cfg, ReduceOp kOp>
AOTC_DEVICE float row_reduce(float v, float* scratch) {
  if constexpr (Cfg::kBlockReduce) {
    return block_reduce<kOp, Cfg::kThreads>(v, scratch);
  } else {
    return warp_reduce<kOp, Cfg::kThreadsPerRow>(v);
  }
}

template <int kV, class Storer>
AOTC_DEVICE void store_group(const Storer& st, int64_t row, int64_t col, const float (&v)[kV]) {
  if constexpr (kV == 4 && VecWidthOf<Storer>::value == 4) {
    st.store4(row, col, make_float4(v[0], v[1], v[2], v[3]));
  } else {
#pragma unroll
    for (int x = 0; x < kV; ++x) st.store(row, col + x, v[x]);
  }
}

/// The row this thread works on, and its index within the row's group.
template <class Cfg>
AOTC_DEVICE int64_t my_row(int& lane) {
  lane = threadIdx.x % Cfg::kThreadsPerRow;
  return static_cast<int64_t>(blockIdx.x) * Cfg::kRowsPerBlock + threadIdx.x / Cfg::kThreadsPerRow;
}

}  // namespace detail

/// softmax over each row: exp(x - max) / sum(exp(x - max)).
template <class Cfg, class Loader, class Storer>
AOTC_DEVICE void softmax_rows(int64_t rows, int64_t n, const Loader& ld, const Storer& st) {
  int lane;
  const int64_t row = detail::my_row<Cfg>(lane);
  float* scratch = reinterpret_cast<float*>(dynamic_smem());
  const detail::RowSlice<Cfg, Loader> slice(ld, row, n, row < rows, lane);
  constexpr int kV = detail::RowSlice<Cfg, Loader>::kV;

  float mx = neg_inf();
  slice.visit([&](int64_t, const float(&v)[kV]) {
#pragma unroll
    for (int x = 0; x < kV; ++x) mx = nan_max(mx, v[x]);
  });
  mx = detail::row_reduce<Cfg, ReduceOp::kMax>(mx, scratch);
  float sum = 0.0f;
  slice.visit([&](int64_t, const float(&v)[kV]) {
#pragma unroll
    for (int x = 0; x < kV; ++x) sum += expf(v[x] - mx);
  });
  sum = detail::row_reduce<Cfg, ReduceOp::kSum>(sum, scratch);
  const float inv = 1.0f / sum;
  slice.visit([&](int64_t col, const float(&v)[kV]) {
    float y[kV];
#pragma unroll
    for (int x = 0; x < kV; ++x) y[x] = expf(v[x] - mx) * inv;
    detail::store_group<kV>(st, row, col, y);
  });
}

/// log_softmax over each row: x - max - log(sum(exp(x - max))).
template <class Cfg, class Loader, class Storer>
AOTC_DEVICE void log_softmax_rows(int64_t rows, int64_t n, const Loader& ld, const Storer& st) {
  int lane;
  const int64_t row = detail::my_row<Cfg>(lane);
  float* scratch = reinterpret_cast<float*>(dynamic_smem());
  const detail::RowSlice<Cfg, Loader> slice(ld, row, n, row < rows, lane);
  constexpr int kV = detail::RowSlice<Cfg, Loader>::kV;

  float mx = neg_inf();
  slice.visit([&](int64_t, const float(&v)[kV]) {
#pragma unroll
    for (int x = 0; x < kV; ++x) mx = nan_max(mx, v[x]);
  });
  mx = detail::row_reduce<Cfg, ReduceOp::kMax>(mx, scratch);
  float sum = 0.0f;
  slice.visit([&](int64_t, const float(&v)[kV]) {
#pragma unroll
    for (int x = 0; x < kV; ++x) sum += expf(v[x] - mx);
  });
  sum = detail::row_reduce<Cfg, ReduceOp::kSum>(sum, scratch);
  const float shift = mx + logf(sum);
  slice.visit([&](int64_t col, const float(&v)[kV]) {
    float y[kV];
#pragma unroll
    for (int x = 0; x < kV; ++x) y[x] = v[x] - shift;
    detail::store_group<kV>(st, row, col, y);
  });
}

/// layer_norm over each row (biased variance, like PyTorch):
/// (x - mean) / sqrt(var + eps) * weight[col] + bias[col]; weight and bias of
/// element type TW may be null.
template <class Cfg, class TW, class Loader, class Storer>
AOTC_DEVICE void layer_norm_rows(int64_t rows, int64_t n, const Loader& ld, const Storer& st,
                                 const TW* weight, const TW* bias, float eps) {
  int lane;
  const int64_t row = detail::my_row<Cfg>(lane);
  float* scratch = reinterpret_cast<float*>(dynamic_smem());
  const detail::RowSlice<Cfg, Loader> slice(ld, row, n, row < rows, lane);
  constexpr int kV = detail::RowSlice<Cfg, Loader>::kV;

  float sum = 0.0f;
  slice.visit([&](int64_t, const float(&v)[kV]) {
#pragma unroll
    for (int x = 0; x < kV; ++x) sum += v[x];
  });
  const float mean = detail::row_reduce<Cfg, ReduceOp::kSum>(sum, scratch) / static_cast<float>(n);
  float sq = 0.0f;
  slice.visit([&](int64_t, const float(&v)[kV]) {
#pragma unroll
    for (int x = 0; x < kV; ++x) {
      const float d = v[x] - mean;
      sq = fmaf(d, d, sq);
    }
  });
  const float var = detail::row_reduce<Cfg, ReduceOp::kSum>(sq, scratch) / static_cast<float>(n);
  const float rstd = 1.0f / sqrtf(var + eps);
  slice.visit([&](int64_t col, const float(&v)[kV]) {
    float y[kV];
#pragma unroll
    for (int x = 0; x < kV; ++x) {
      float r = (v[x] - mean) * rstd;
      if (weight != nullptr) r *= to_float(weight[col + x]);
      if (bias != nullptr) r += to_float(bias[col + x]);
      y[x] = r;
    }
    detail::store_group<kV>(st, row, col, y);
  });
}

enum class RowReduction { kSum, kMean, kMax, kMin, kVar, kStd };

/// One value per row, stored as store(row, 0, value). kVar / kStd divide the
/// squared deviations by n - correction (PyTorch's `correction`, 1 for the
/// unbiased default); n - correction <= 0 gives inf or nan as in PyTorch.
template <class Cfg, RowReduction kKind, class Loader, class Storer>
AOTC_DEVICE void reduce_rows(int64_t rows, int64_t n, const Loader& ld, const Storer& st,
                             int64_t correction = 1) {
  int lane;
  const int64_t row = detail::my_row<Cfg>(lane);
  float* scratch = reinterpret_cast<float*>(dynamic_smem());
  const detail::RowSlice<Cfg, Loader> slice(ld, row, n, row < rows, lane);
  constexpr int kV = detail::RowSlice<Cfg, Loader>::kV;

  float result;
  if constexpr (kKind == RowReduction::kMax || kKind == RowReduction::kMin) {
    constexpr bool kMax = kKind == RowReduction::kMax;
    float acc = kMax ? neg_inf() : pos_inf();
    slice.visit([&](int64_t, const float(&v)[kV]) {
#pragma unroll
      for (int x = 0; x < kV; ++x) acc = kMax ? nan_max(acc, v[x]) : nan_min(acc, v[x]);
    });
    result = detail::row_reduce < Cfg, kMax ? ReduceOp::kMax : ReduceOp::kMin > (acc, scratch);
  } else {
    float sum = 0.0f;
    slice.visit([&](int64_t, const float(&v)[kV]) {
#pragma unroll
      for (int x = 0; x < kV; ++x) sum += v[x];
    });
    sum = detail::row_reduce<Cfg, ReduceOp::kSum>(sum, scratch);
    if constexpr (kKind == RowReduction::kSum) {
      result = sum;
    } else if constexpr (kKind == RowReduction::kMean) {
      result = sum / static_cast<float>(n);
    } else {
      const float mean = sum / static_cast<float>(n);
      float sq = 0.0f;
      slice.visit([&](int64_t, const float(&v)[kV]) {
#pragma unroll
        for (int x = 0; x < kV; ++x) {
          const float d = v[x] - mean;
          sq = fmaf(d, d, sq);
        }
      });
      sq = detail::row_reduce<Cfg, ReduceOp::kSum>(sq, scratch);
      result = sq / static_cast<float>(n - correction);
      if constexpr (kKind == RowReduction::kStd) result = sqrtf(result);
    }
  }
  if (row < rows && lane == 0) st.store(row, 0, result);
}

/// Loader for a strided [rows, n] view of element type T.
template <class T>
struct StridedRowLoader {
  const T* ptr;
  int64_t row_stride, col_stride;
  AOTC_DEVICE float load(int64_t row, int64_t col) const {
    return to_float(ptr[row * row_stride + col * col_stride]);
  }
};

/// Loader for float rows with unit column stride, 16-byte aligned rows, n % 4 == 0.
struct ContiguousRowLoader4 {
  static constexpr int kVecWidth = 4;
  const float* ptr;
  int64_t row_stride;
  AOTC_DEVICE float load(int64_t row, int64_t col) const { return ptr[row * row_stride + col]; }
  AOTC_DEVICE float4 load4(int64_t row, int64_t col) const {
    return load_float4(ptr + row * row_stride + col);
  }
};

/// Storer for a strided [rows, n] output of element type T.
template <class T>
struct StridedRowStorer {
  T* ptr;
  int64_t row_stride, col_stride;
  AOTC_DEVICE void store(int64_t row, int64_t col, float v) const {
    ptr[row * row_stride + col * col_stride] = from_float<T>(v);
  }
};

/// Storer for float rows with unit column stride, 16-byte aligned rows, n % 4 == 0.
struct ContiguousRowStorer4 {
  static constexpr int kVecWidth = 4;
  float* ptr;
  int64_t row_stride;
  AOTC_DEVICE void store(int64_t row, int64_t col, float v) const {
    ptr[row * row_stride + col] = v;
  }
  AOTC_DEVICE void store4(int64_t row, int64_t col, float4 v) const {
    store_float4(ptr + row * row_stride + col, v);
  }
};

}  // namespace cuda
}  // namespace aotc

#endif  // AOTC_CUDA_ROWOPS_CUH

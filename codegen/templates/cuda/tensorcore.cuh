// tensorcore.cuh: thin wrappers over the sm_80+ PTX that the GEMM and
// attention templates share: asynchronous global-to-shared copies (cp.async)
// and the GEMM operand tile copier built on them, shared-to-register matrix
// loads (ldmatrix), and the warp-wide matrix multiply-accumulate (mma.sync)
// for bf16, fp16 and tf32.
//
// Fragment layouts (PTX ISA, "Matrix fragments for mma.m16n8k16"), with
// g = lane / 4 and t = lane % 4:
//   A 16x16 (4 regs of 2 halves): a0 (row g, cols 2t..2t+1), a1 (row g+8, same),
//                                 a2 (row g, cols 2t+8..), a3 (row g+8, cols 2t+8..)
//   B 16x8  (2 regs):             b0 (rows k=2t..2t+1, col g), b1 (rows k=2t+8.., col g)
//   C 16x8  (4 floats):           c0,c1 (row g, cols 2t, 2t+1), c2,c3 (row g+8, same)
// For tf32 m16n8k8: a0 (g, t), a1 (g+8, t), a2 (g, t+4), a3 (g+8, t+4);
//                   b0 (k=t, n=g), b1 (k=t+4, n=g); C as above.
#ifndef AOTC_CUDA_TENSORCORE_CUH
#define AOTC_CUDA_TENSORCORE_CUH

#include "half.cuh"

namespace aotc {
namespace cuda {

// ------------------------------------------------------------------- cp.async

/// Copies kBytes (4, 8 or 16) from global `src` to shared `dst`, or writes
/// zeros when `pred` is false (src is then not read, but must be a valid
/// address: pass the tensor's base pointer).
template <int kBytes>
AOTC_DEVICE void cp_async(void* dst, const void* src, bool pred) {
  static_assert(kBytes == 4 || kBytes == 8 || kBytes == 16, "cp.async moves 4, 8 or 16 bytes");
  const uint32_t d = smem_address(dst);
  const int src_bytes = pred ? kBytes : 0;
  if constexpr (kBytes == 16) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(d), "l"(src),
                 "r"(src_bytes)
                 : "memory");
  } else {
    asm volatile("cp.async.ca.shared.global [%0], [%1], %2, %3;\n" ::"r"(d), "l"(src), "n"(kBytes),
                 "r"(src_bytes)
                 : "memory");
  }
}

AOTC_DEVICE void cp_async_commit() {
  asm volatile("cp.async.commit_group;\n" ::: "memory");
}

/// Waits until at most kPending committed groups are still in flight.
template <int kPending>
AOTC_DEVICE void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending) : "memory");
}

// ------------------------------------------------------------------- ldmatrix

/// Four 8x8 matrices of 16-bit elements; lanes 8i..8i+7 give the row
/// addresses of matrix i, and lane l receives row l/4, columns 2(l%4)..+1 of
/// each matrix.
AOTC_DEVICE void ldmatrix_x4(uint32_t (&r)[4], const void* smem_row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(smem_row)));
}
/// As ldmatrix_x4, transposed: lane l receives rows 2(l%4)..+1 of column l/4.
AOTC_DEVICE void ldmatrix_x4_trans(uint32_t (&r)[4], const void* smem_row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(smem_row)));
}
/// Two matrices (lanes 0..15 give addresses).
AOTC_DEVICE void ldmatrix_x2(uint32_t (&r)[2], const void* smem_row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];\n"
               : "=r"(r[0]), "=r"(r[1])
               : "r"(smem_address(smem_row)));
}
AOTC_DEVICE void ldmatrix_x2_trans(uint32_t (&r)[2], const void* smem_row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0, %1}, [%2];\n"
               : "=r"(r[0]), "=r"(r[1])
               : "r"(smem_address(smem_row)));
}

// ------------------------------------------------------------------------ mma

/// d += a * b for one 16x8x16 tile; T is bf16 or fp16, accumulation float32.
template <class T>
AOTC_DEVICE void mma_16816(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  if constexpr (IsSame<T, bf16>::value) {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
        "{%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  } else {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
        "{%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  }
}

/// d += a * b for one 16x8x8 tile with tf32 operands (registers hold tf32
/// bit patterns, see to_tf32), accumulation float32.
AOTC_DEVICE void mma_1688_tf32(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  asm("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
      "{%8, %9}, {%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

/// float32 to tf32 (round to nearest, ties away, as cuBLAS does).
AOTC_DEVICE uint32_t to_tf32(float f) {
  uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(f));
  return r;
}

// ------------------------------------------------------------- tile copies

/// Which index of a GEMM operand has stride 1 in global memory.
///   kKMajor  the k stride is 1: A row-major [M, K]; B given as a linear weight [N, K].
///   kMNMajor the m (A) or n (B) stride is 1: A^T views; B row-major [K, N].
enum GemmLayout : int { kKMajor = 0, kMNMajor = 1 };

namespace detail {

/// Issues the copies of one kRows x kBK operand slice (rows are m for A, n for B)
/// into a shared stage. kLayout says which index is contiguous in global
/// memory; the shared tile keeps the same orientation.
///
/// Fast path (the presets): each thread's chunks sit at one fixed position
/// along the line and on lines kLineStep apart, so a slice costs one pointer
/// computation plus a multiply-add and a predicate per copy. Otherwise every
/// address is computed from scratch.
template <class T, int kRows, int kBK, int kLayout, int kAlign, int kPitch, int kThreads>
struct TileLoader {
  static constexpr int kChunksPerLine = (kLayout == kKMajor ? kBK : kRows) / kAlign;
  static constexpr int kLines = kLayout == kKMajor ? kRows : kBK;
  static constexpr int kChunks = kChunksPerLine * kLines;
  static constexpr int kPerThread = (kChunks + kThreads - 1) / kThreads;
  static constexpr bool kAsync = kAlign * sizeof(T) >= 4;
  static constexpr bool kFast = kThreads % kChunksPerLine == 0 && kChunks % kThreads == 0;
  static constexpr int kLineStep = kThreads / kChunksPerLine;
  static_assert((kLayout == kKMajor ? kBK : kRows) % kAlign == 0, "vector must divide the tile");

  const T* base;  // the tensor's base pointer (a valid address for masked copies)
  const T* tile;  // element (row0, k = 0) of this batch
  int64_t stride_row, stride_k;
  int64_t rows_left;  // rows of the tensor from row0 on
  // Fast path: this thread's first chunk and the per-chunk step. The chunk's
  // place in the tile (pos, line0, dst0) is recomputed from threadIdx when
  // needed: cheaper than holding registers across the main loop.
  const T* first;      // source of chunk 0 at k = 0
  int64_t chunk_step;  // source distance between consecutive chunks
  uint32_t row_ok;     // bit i: chunk i's row is inside the tensor (K-major)

  AOTC_DEVICE static int pos_of() {
    return (static_cast<int>(threadIdx.x) % kChunksPerLine) * kAlign;
  }
  AOTC_DEVICE static int line0_of() { return static_cast<int>(threadIdx.x) / kChunksPerLine; }

  AOTC_DEVICE void init(const T* tensor, int64_t batch_offset, int64_t stride_row_,
                        int64_t stride_k_, int64_t row0, int64_t rows) {
    base = tensor;
    stride_row = stride_row_;
    stride_k = stride_k_;
    tile = tensor + batch_offset + row0 * stride_row;
    rows_left = rows - row0;
    if constexpr (kFast) {
      const int pos = pos_of(), line0 = line0_of();
      if constexpr (kLayout == kKMajor) {
        first = tile + line0 * stride_row + (kAlign == 1 ? pos * stride_k : pos);
        chunk_step = kLineStep * stride_row;
        row_ok = 0;
#pragma unroll
        for (int i = 0; i < kPerThread; ++i)
          row_ok |= (line0 + i * kLineStep < rows_left ? 1u : 0u) << i;
      } else {
        first = tile + (kAlign == 1 ? pos * stride_row : pos) + line0 * stride_k;
        chunk_step = kLineStep * stride_k;
        row_ok = pos < rows_left ? 0xffffffffu : 0u;
      }
    }
  }

  AOTC_DEVICE void copy(T* dst, const T* src, bool ok) const {
    if constexpr (kAsync) {
      cp_async<kAlign * sizeof(T)>(dst, ok ? src : base, ok);
    } else {
      // 2-byte elements: cp.async cannot move them; a plain copy.
      T v;
      v.bits = 0;
      if (ok) v = *src;
      *dst = v;
    }
  }

  /// Copies slice `slice` (k from slice*kBK) into `stage`; zero-fills what is
  /// outside the tensor. With vectors (kAlign > 1) the unit stride is taken
  /// as 1 without reading it.
  AOTC_DEVICE void load(T* stage, int slice, int64_t K) const {
    const int64_t k_left = K - static_cast<int64_t>(slice) * kBK;
    if constexpr (kFast) {
      static_assert(kPerThread <= 32, "row mask holds 32 chunks");
      const int pos = pos_of(), line0 = line0_of();
      const int dst0 = line0 * kPitch + pos;
      const T* src = first + static_cast<int64_t>(slice) * kBK * stride_k;
      if constexpr (kLayout == kKMajor) {
        const bool k_ok = pos < k_left;
#pragma unroll
        for (int i = 0; i < kPerThread; ++i)
          copy(stage + dst0 + i * kLineStep * kPitch, src + i * chunk_step,
               k_ok && ((row_ok >> i) & 1u));
      } else {
#pragma unroll
        for (int i = 0; i < kPerThread; ++i)
          copy(stage + dst0 + i * kLineStep * kPitch, src + i * chunk_step,
               row_ok != 0 && line0 + i * kLineStep < k_left);
      }
    } else {
      const T* slice_base = tile + static_cast<int64_t>(slice) * kBK * stride_k;
      const int tid = threadIdx.x;
#pragma unroll
      for (int i = 0; i < kPerThread; ++i) {
        const int c = tid + i * kThreads;
        if (kChunks % kThreads != 0 && c >= kChunks) break;
        const int line = c / kChunksPerLine;
        const int at = (c % kChunksPerLine) * kAlign;
        const int row = kLayout == kKMajor ? line : at;
        const int kk = kLayout == kKMajor ? at : line;
        int64_t off;
        if constexpr (kAlign == 1) {
          off = row * stride_row + kk * stride_k;
        } else if constexpr (kLayout == kKMajor) {
          off = row * stride_row + kk;
        } else {
          off = row + kk * stride_k;
        }
        copy(stage + line * kPitch + at, slice_base + off, row < rows_left && kk < k_left);
      }
    }
  }
};

}  // namespace detail

}  // namespace cuda
}  // namespace aotc

#endif  // AOTC_CUDA_TENSORCORE_CUH

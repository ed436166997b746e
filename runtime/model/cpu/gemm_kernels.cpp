// Blocked GEMM (BLIS-style) for one instruction-set level; compiled once per
// level (see simd.h).
//
// Loops, outermost first, inside one task (a tile of C):
//   jc over N by kNC        B panel   kc x nc   (packed, lives in L3 / L2)
//     pc over K by kKC      pack B[pc:pc+kc, jc:jc+nc] into kNR-wide slivers
//       ic over M by kMC    pack A[ic:ic+mc, pc:pc+kc] into kMR-high slivers (L2)
//         jr over nc by kNR        one B sliver kc x kNR stays in L1
//           ir over mc by kMR      microkernel: kMR x kNR accumulators in registers
// The microkernel exists for every mr in [1, kMR] and every vector count in
// [1, kNR / kW], so ragged edges (and m == 1) waste no FMAs; the last column
// vector is stored with a mask. Float32 C is the accumulator across K blocks;
// a bf16/f16 C accumulates in a thread-local float32 tile and is rounded once
// in the epilogue. The epilogue runs per microtile right after its last K
// block. Tasks are batch x M-tiles x N-tiles, sized for parallel_for.
#include <cstdint>
#include <utility>

#include "epilogue.h"
#include "gemm_blocking.h"
#include "isa_kernels.h"
#include "simd.h"

namespace aotc_cpu::AOTC_CPU_ISA_NS {
namespace {

using detail::thread_buffer;

/// Rows of C a task with a non-float32 C may cover (its float32 accumulator is
/// rows x min(n, kNC)).
constexpr int64_t kMaxAccRows = kMC;
/// Work per parallel task, at least, and the most tasks one call makes.
constexpr double kTaskFlops = 2.0e6;
constexpr int64_t kMaxTasks = 256;

// ------------------------------------------------------------ microkernel

using MicroKernel = void (*)(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc,
                             int nr, float alpha, float beta);

/// c[0:MR_, 0:nr] = alpha * (ap^T bp) + beta * c (beta == 0: c not read).
/// ap: kc steps of kMR floats; bp: kc steps of kNR floats; nr in ((NV_-1)*kW, NV_*kW].
template <int MR_, int NV_>
void micro_kernel(int64_t kc, const float* __restrict ap, const float* __restrict bp,
                  float* __restrict c, int64_t ldc, int nr, float alpha, float beta) {
  VF acc[MR_][NV_];
#pragma GCC unroll 16
  for (int i = 0; i < MR_; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < NV_; ++j) acc[i][j] = vzero();
  }
  // C is touched once per K block; start fetching it now so the stores at
  // the end do not wait on L2 / L3.
#pragma GCC unroll 16
  for (int i = 0; i < MR_; ++i) {
    __builtin_prefetch(c + i * ldc, 1, 3);
    __builtin_prefetch(c + i * ldc + NV_ * kW - 1, 1, 3);
  }
  for (int64_t p = 0; p < kc; ++p) {
    VF b[NV_];
#pragma GCC unroll 4
    for (int j = 0; j < NV_; ++j) b[j] = vload(bp + j * kW);
#pragma GCC unroll 16
    for (int i = 0; i < MR_; ++i) {
      const VF a = vset1(ap[i]);
#pragma GCC unroll 4
      for (int j = 0; j < NV_; ++j) acc[i][j] = vfma(a, b[j], acc[i][j]);
    }
    ap += kMR;
    bp += kNR;
  }
  const VF va = vset1(alpha);
  const VF vb = vset1(beta);
  const int last = nr - (NV_ - 1) * kW;
#pragma GCC unroll 16
  for (int i = 0; i < MR_; ++i) {
    float* cr = c + i * ldc;
#pragma GCC unroll 4
    for (int j = 0; j < NV_; ++j) {
      VF v = acc[i][j] * va;
      if (j < NV_ - 1 || last == kW) {
        if (beta != 0.0f) v = vfma(vload(cr + j * kW), vb, v);
        vstore(cr + j * kW, v);
      } else {
        if (beta != 0.0f) v = vfma(vload_n(cr + j * kW, last), vb, v);
        vstore_n(cr + j * kW, v, last);
      }
    }
  }
}

template <int MR_, int... NVs>
constexpr void fill_row(MicroKernel* row, std::integer_sequence<int, NVs...>) {
  ((row[NVs] = &micro_kernel<MR_, NVs + 1>), ...);
}
template <int... MRs>
constexpr void fill_table(MicroKernel (*table)[kNV], std::integer_sequence<int, MRs...>) {
  (fill_row<MRs + 1>(table[MRs], std::make_integer_sequence<int, kNV>{}), ...);
}
struct MicroKernelTable {
  MicroKernel k[kMR][kNV];
  constexpr MicroKernelTable() : k{} { fill_table(k, std::make_integer_sequence<int, kMR>{}); }
};
constexpr MicroKernelTable kMicroKernels{};

// ------------------------------------------------------------ packing

/// transpose_tile over typed rows: row i starts at element idx + i * ss of p.
AOTC_CPU_INLINE void transpose_tile_t(const void* p, DType t, int64_t idx, int64_t ss, int rows, float* dst,
                                      int64_t ds, int lanes) {
  if (t == DType::kF32) {
    transpose_tile(static_cast<const float*>(p) + idx, ss, rows, dst, ds, lanes);
    return;
  }
  // Rows: up to kTT (B) or kMR (A; the baseline's kMR exceeds its kTT).
  alignas(64) float tmp[(kTT > kMR ? kTT : kMR) * kTT];
  static_assert(kTT % kW == 0, "tiles are whole vectors");
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < kTT; j += kW) vstore(tmp + i * kTT + j, vload_t(p, t, idx + i * ss + j));
  }
  transpose_tile(tmp, kTT, rows, dst, ds, lanes);
}

/// Packs A[0:mc, 0:kc] (element (i, p) at a[i * rs + p * cs]) into kMR-row
/// slivers: dst[sliver * kc * kMR + p * kMR + i], zero rows past mc.
void pack_a(const void* a, DType t, int64_t rs, int64_t cs, int64_t mc, int64_t kc, float* dst) {
  for (int64_t ir = 0; ir < mc; ir += kMR) {
    const int mr = static_cast<int>(imin(kMR, mc - ir));
    float* d = dst + ir * kc;
    if (cs == 1) {
      // Row-major A: transpose kTT-column tiles in registers (zero rows past mr).
      int64_t p = 0;
      for (; p + kTT <= kc; p += kTT) transpose_tile_t(a, t, ir * rs + p, rs, mr, d + p * kMR, kMR, kMR);
      for (; p < kc; ++p) {
        for (int i = 0; i < kMR; ++i) d[p * kMR + i] = i < mr ? load_scalar(a, t, (ir + i) * rs + p) : 0.0f;
      }
      continue;
    }
    if (t == DType::kF32) {
      const float* s = static_cast<const float*>(a) + ir * rs;
      if (rs == 1) {
        for (int64_t p = 0; p < kc; ++p) {
          const float* sp = s + p * cs;
          for (int i = 0; i < mr; ++i) d[p * kMR + i] = sp[i];
        }
      } else {
        for (int64_t p = 0; p < kc; ++p) {
          for (int i = 0; i < mr; ++i) d[p * kMR + i] = s[i * rs + p * cs];
        }
      }
    } else {
      for (int i = 0; i < mr; ++i) {
        for (int64_t p = 0; p < kc; ++p) d[p * kMR + i] = load_scalar(a, t, (ir + i) * rs + p * cs);
      }
    }
    if (mr < kMR) {
      for (int64_t p = 0; p < kc; ++p) {
        for (int i = mr; i < kMR; ++i) d[p * kMR + i] = 0.0f;
      }
    }
  }
}

/// Packs B[0:kc, 0:nc] (element (p, j) at b[p * rs + j * cs]) into kNR-column
/// slivers: dst[sliver * kc * kNR + p * kNR + j], zero columns past nc.
void pack_b(const void* b, DType t, int64_t rs, int64_t cs, int64_t kc, int64_t nc, float* dst) {
  for (int64_t jr = 0; jr < nc; jr += kNR) {
    const int nr = static_cast<int>(imin(kNR, nc - jr));
    float* d = dst + jr * kc;
    if (cs == 1) {
      // Rows are contiguous: vector copies (with conversion).
      if (t == DType::kF32) {
        const float* s = static_cast<const float*>(b) + jr;
        for (int64_t p = 0; p < kc; ++p) {
          const float* sp = s + p * rs;
          float* dp = d + p * kNR;
          int j = 0;
          for (; j + kW <= nr; j += kW) vstore(dp + j, vload(sp + j));
          if (j < nr) {
            vstore(dp + j, vload_n(sp + j, nr - j));
            j += kW;
          }
          for (; j < kNR; j += kW) vstore(dp + j, vzero());
        }
        continue;
      }
      for (int64_t p = 0; p < kc; ++p) {
        const int64_t base = p * rs + jr;
        float* dp = d + p * kNR;
        int j = 0;
        for (; j + kW <= nr; j += kW) vstore(dp + j, vload_t(b, t, base + j));
        if (j < nr) {
          vstore(dp + j, vload_t_n(b, t, base + j, nr - j));
          j += kW;
        }
        for (; j < kNR; j += kW) vstore(dp + j, vzero());
      }
      continue;
    }
    if (rs == 1) {
      // Column-major B (nn.Linear's weight as B^T): transpose tiles of kTT
      // columns x kTT k-steps; lanes past nr come out zero.
      int64_t p = 0;
      for (; p + kTT <= kc; p += kTT) {
        for (int j0 = 0; j0 < kNR; j0 += kTT) {
          const int rows = static_cast<int>(imax(0, imin(kTT, nr - j0)));
          transpose_tile_t(b, t, (jr + j0) * cs + p, cs, rows, d + p * kNR + j0, kNR, kTT);
        }
      }
      for (; p < kc; ++p) {
        for (int j = 0; j < kNR; ++j) d[p * kNR + j] = j < nr ? load_scalar(b, t, (jr + j) * cs + p) : 0.0f;
      }
      continue;
    }
    if (t == DType::kF32) {
      const float* s = static_cast<const float*>(b) + jr * cs;
      for (int j = 0; j < nr; ++j) {
        const float* sj = s + j * cs;
        for (int64_t p = 0; p < kc; ++p) d[p * kNR + j] = sj[p * rs];
      }
    } else {
      for (int j = 0; j < nr; ++j) {
        for (int64_t p = 0; p < kc; ++p) d[p * kNR + j] = load_scalar(b, t, p * rs + (jr + j) * cs);
      }
    }
    if (nr < kNR) {
      for (int64_t p = 0; p < kc; ++p) {
        for (int j = nr; j < kNR; ++j) d[p * kNR + j] = 0.0f;
      }
    }
  }
}

// ------------------------------------------------------------ driver

struct GemmJob {
  const GemmArgs* g;
  const BPacker* packer;  // null: pack_b from g.b
  int64_t tile_m;  // rows of C per task
  int64_t tile_n;  // columns of C per task
  int64_t tiles_m;
  int64_t tiles_n;
  int64_t batch_group;  // batch elements per task (> 1 only when A is shared)
  int64_t batch_groups;
  bool c_f32;
  bool epilogue;
};

/// One batch element's view of the operands, resolved once per tile.
struct TileOperands {
  const void* a;
  const void* b;
  void* c;
  const void* bias;
  const void* residual;
};

TileOperands tile_operands(const GemmJob& job, int64_t b) {
  const GemmArgs& g = *job.g;
  const Epilogue& ep = g.epilogue;
  TileOperands t;
  t.a = offset_ptr(g.a, g.a_dtype, b * g.a_batch_stride);
  t.b = job.packer ? nullptr : offset_ptr(g.b, g.b_dtype, b * g.b_batch_stride);
  t.c = offset_ptr(g.c, g.c_dtype, b * g.c_batch_stride);
  t.bias = ep.bias ? offset_ptr(ep.bias, ep.bias_dtype, b * g.bias_batch_stride) : nullptr;
  t.residual = ep.residual ? offset_ptr(ep.residual, ep.residual_dtype, b * g.residual_batch_stride) : nullptr;
  return t;
}

void pack_b_block(const GemmJob& job, const TileOperands& op, int64_t b, int64_t pc, int64_t kc,
                  int64_t jc, int64_t nc, float* dst) {
  const GemmArgs& g = *job.g;
  if (job.packer) {
    job.packer->pack(job.packer->ctx, b, pc, kc, jc, nc, dst);
  } else {
    pack_b(offset_ptr(op.b, g.b_dtype, pc * g.b_row_stride + jc * g.b_col_stride), g.b_dtype,
           g.b_row_stride, g.b_col_stride, kc, nc, dst);
  }
}

/// One microtile: C[row : row + mr, col : col + nr] (+)= A sliver x B sliver,
/// accumulating in C itself (float32 C) or in the float32 tile `acc` (row
/// stride ldw, already offset to this microtile); the epilogue after the
/// last K block.
AOTC_CPU_INLINE void micro_tile(const GemmJob& job, const TileOperands& op, int64_t kc, const float* ap,
                                const float* bp, int64_t row, int64_t col, int mr, int nr, bool first,
                                bool last, float* acc, int64_t ldw) {
  const GemmArgs& g = *job.g;
  float* dst;
  int64_t ld;
  float beta;
  if (job.c_f32) {
    dst = static_cast<float*>(op.c) + row * g.ldc + col;
    ld = g.ldc;
    beta = first ? g.beta : 1.0f;
  } else {
    dst = acc;
    ld = ldw;
    beta = first ? 0.0f : 1.0f;
  }
  kMicroKernels.k[mr - 1][(nr + kW - 1) / kW - 1](kc, ap, bp, dst, ld, nr, g.alpha, beta);
  if (!last || !job.epilogue) return;
  const Epilogue& ep = g.epilogue;
  for (int i = 0; i < mr; ++i) {
    const int64_t m = row + i;
    EpilogueSegment s;
    s.src = dst + i * ld;
    s.dst = offset_ptr(op.c, g.c_dtype, m * g.ldc + col);
    s.dst_dtype = g.c_dtype;
    if (!job.c_f32 && g.beta != 0.0f) {
      s.old = s.dst;
      s.beta = g.beta;
    }
    if (op.bias) {
      s.bias_dtype = ep.bias_dtype;
      s.bias_per_elem = ep.bias_kind == BiasKind::kPerCol;
      s.bias = offset_ptr(op.bias, ep.bias_dtype, s.bias_per_elem ? col : m);
    }
    if (op.residual) {
      s.residual = offset_ptr(op.residual, ep.residual_dtype, m * g.residual_ld + col);
      s.residual_dtype = ep.residual_dtype;
    }
    apply_epilogue(ep, s, nr);
  }
}

/// The general tile: BLIS loop order (jc, pc, pack B panel, ic, pack A, jr, ir).
void run_tile_blocked(const GemmJob& job, int64_t b, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const GemmArgs& g = *job.g;
  const TileOperands op = tile_operands(job, b);
  const int64_t kc_max = imax(1, imin(kKC, g.k));
  float* apack = thread_buffer(detail::kSlotPackA, static_cast<size_t>(kMC * kc_max));
  float* bpack = thread_buffer(detail::kSlotPackB,
                               static_cast<size_t>(round_up(imin(kNC, n1 - n0), kNR) * kc_max));
  const int64_t ldw = round_up(imin(kNC, n1 - n0), kW);
  float* acc = job.c_f32 ? nullptr
                         : thread_buffer(detail::kSlotGemmAcc, static_cast<size_t>((m1 - m0) * ldw));
  for (int64_t jc = n0; jc < n1; jc += kNC) {
    const int64_t nc = imin(kNC, n1 - jc);
    for (int64_t pc = 0; pc == 0 || pc < g.k; pc += kKC) {
      const int64_t kc = imin(kKC, g.k - pc);
      const bool first = pc == 0;
      const bool last = pc + kc >= g.k;
      pack_b_block(job, op, b, pc, kc, jc, nc, bpack);
      for (int64_t ic = m0; ic < m1; ic += kMC) {
        const int64_t mc = imin(kMC, m1 - ic);
        pack_a(offset_ptr(op.a, g.a_dtype, ic * g.a_row_stride + pc * g.a_col_stride), g.a_dtype,
               g.a_row_stride, g.a_col_stride, mc, kc, apack);
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          const int nr = static_cast<int>(imin(kNR, nc - jr));
          for (int64_t ir = 0; ir < mc; ir += kMR) {
            const int mr = static_cast<int>(imin(kMR, mc - ir));
            micro_tile(job, op, kc, apack + ir * kc, bpack + jr * kc, ic + ir, jc + jr, mr, nr, first,
                       last, acc ? acc + (ic + ir - m0) * ldw + jr : nullptr, ldw);
          }
        }
      }
    }
  }
}

/// The blocked tile for several batch elements that share A (float32 C,
/// n1 - n0 <= kNC): each packed A block serves every batch element before
/// the next is packed, so A (a convolution's weights) is packed once per call
/// instead of once per image. B panels, small here, are packed per A block.
void run_tile_shared_a(const GemmJob& job, int64_t b0, int64_t b1, int64_t m0, int64_t m1, int64_t n0,
                       int64_t n1) {
  const GemmArgs& g = *job.g;
  const int64_t kc_max = imax(1, imin(kKC, g.k));
  const int64_t nc = n1 - n0;
  float* apack = thread_buffer(detail::kSlotPackA, static_cast<size_t>(kMC * kc_max));
  float* bpack = thread_buffer(detail::kSlotPackB, static_cast<size_t>(round_up(nc, kNR) * kc_max));
  const TileOperands op0 = tile_operands(job, b0);
  for (int64_t pc = 0; pc == 0 || pc < g.k; pc += kKC) {
    const int64_t kc = imin(kKC, g.k - pc);
    for (int64_t ic = m0; ic < m1; ic += kMC) {
      const int64_t mc = imin(kMC, m1 - ic);
      pack_a(offset_ptr(op0.a, g.a_dtype, ic * g.a_row_stride + pc * g.a_col_stride), g.a_dtype,
             g.a_row_stride, g.a_col_stride, mc, kc, apack);
      for (int64_t b = b0; b < b1; ++b) {
        const TileOperands op = tile_operands(job, b);
        pack_b_block(job, op, b, pc, kc, n0, nc, bpack);
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          const int nr = static_cast<int>(imin(kNR, nc - jr));
          for (int64_t ir = 0; ir < mc; ir += kMR) {
            const int mr = static_cast<int>(imin(kMR, mc - ir));
            micro_tile(job, op, kc, apack + ir * kc, bpack + jr * kc, ic + ir, n0 + jr, mr, nr, pc == 0,
                       pc + kc >= g.k, nullptr, 0);
          }
        }
      }
    }
  }
}

/// Columns of B the small-M path packs at a time: kKC x kNCSmall floats stay
/// in L2, and each packed row is a long contiguous read of B.
constexpr int64_t kNCSmall = 256;
static_assert(kNCSmall % kNR == 0, "whole slivers");

/// A tile of at most kMC rows: A is packed once for all of K, then B goes in
/// chunks of kNCSmall columns, K block by K block, each chunk consumed right
/// after it is packed while it sits in L2. There is no B panel in L3 and no
/// repacking of A per column block. This is the path of small-M GEMMs:
/// convolutions with few output channels, linear layers with a small batch.
void run_tile_small_m(const GemmJob& job, int64_t b0, int64_t b1, int64_t m0, int64_t m1, int64_t n0,
                      int64_t n1) {
  const GemmArgs& g = *job.g;
  const TileOperands op0 = tile_operands(job, b0);
  const int64_t mc = m1 - m0;
  const int64_t mc_pad = round_up(mc, kMR);
  const int64_t k_all = imax(1, g.k);
  const int64_t chunk = imin(kNCSmall, round_up(n1 - n0, kNR));
  float* apack = thread_buffer(detail::kSlotPackA, static_cast<size_t>(mc_pad * k_all));
  float* bpack = thread_buffer(detail::kSlotPackB, static_cast<size_t>(chunk * imin(kKC, k_all)));
  float* acc = job.c_f32 ? nullptr : thread_buffer(detail::kSlotGemmAcc, static_cast<size_t>(mc_pad * chunk));
  for (int64_t pc = 0; pc < g.k; pc += kKC) {
    pack_a(offset_ptr(op0.a, g.a_dtype, m0 * g.a_row_stride + pc * g.a_col_stride), g.a_dtype,
           g.a_row_stride, g.a_col_stride, mc, imin(kKC, g.k - pc), apack + mc_pad * pc);
  }
  // Batch elements beyond the first share A (a_batch_stride == 0).
  for (int64_t b = b0; b < b1; ++b) {
  const TileOperands op = b == b0 ? op0 : tile_operands(job, b);
  for (int64_t jc = n0; jc < n1; jc += chunk) {
    const int64_t nc = imin(chunk, n1 - jc);
    for (int64_t pc = 0; pc == 0 || pc < g.k; pc += kKC) {
      const int64_t kc = imin(kKC, g.k - pc);
      pack_b_block(job, op, b, pc, kc, jc, nc, bpack);
      const float* ap = apack + mc_pad * pc;
      for (int64_t jr = 0; jr < nc; jr += kNR) {
        const int nr = static_cast<int>(imin(kNR, nc - jr));
        for (int64_t ir = 0; ir < mc; ir += kMR) {
          const int mr = static_cast<int>(imin(kMR, mc - ir));
          micro_tile(job, op, kc, ap + ir * kc, bpack + jr * kc, m0 + ir, jc + jr, mr, nr, pc == 0,
                     pc + kc >= g.k, acc ? acc + ir * chunk + jr : nullptr, chunk);
        }
      }
    }
  }
  }
}

/// Floats of packed A the small-M path may hold (all of K for <= kMC rows).
constexpr int64_t kSmallMMaxPackedA = int64_t{1} << 20;

void run_tile(const GemmJob& job, int64_t b0, int64_t b1, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m1 - m0 <= kMC && round_up(m1 - m0, kMR) * job.g->k <= kSmallMMaxPackedA) {
    run_tile_small_m(job, b0, b1, m0, m1, n0, n1);
  } else if (b1 - b0 > 1) {
    run_tile_shared_a(job, b0, b1, m0, m1, n0, n1);
  } else {
    run_tile_blocked(job, b0, m0, m1, n0, n1);
  }
}

void gemm_tasks(int64_t begin, int64_t end, void* arg) {
  const GemmJob& job = *static_cast<const GemmJob*>(arg);
  const GemmArgs& g = *job.g;
  const int64_t per_group = job.tiles_m * job.tiles_n;
  for (int64_t t = begin; t < end; ++t) {
    const int64_t bg = t / per_group;
    const int64_t r = t - bg * per_group;
    const int64_t mi = r / job.tiles_n;
    const int64_t ni = r - mi * job.tiles_n;
    const int64_t m0 = mi * job.tile_m;
    const int64_t n0 = ni * job.tile_n;
    const int64_t b0 = bg * job.batch_group;
    run_tile(job, b0, imin(g.batch, b0 + job.batch_group), m0, imin(g.m, m0 + job.tile_m), n0,
             imin(g.n, n0 + job.tile_n));
  }
}

}  // namespace

namespace {

void run_gemm(const GemmArgs& g, const BPacker* packer, ParallelFor parallel_for) {
  if (g.batch <= 0 || g.m <= 0 || g.n <= 0) return;
  GemmJob job;
  job.g = &g;
  job.packer = packer;
  job.c_f32 = g.c_dtype == DType::kF32;
  job.epilogue = !job.c_f32 || epilogue_active(g.epilogue);

  // Tile the output: whole M and N per batch element when serial; when
  // parallel, halve tiles (M first while above kMC, which keeps B reuse, then
  // N) until there are enough tasks of at least kTaskFlops each.
  int64_t tm = round_up(g.m, kMR);
  int64_t tn = round_up(g.n, kNR);
  if (!job.c_f32) tm = imin(tm, kMaxAccRows);
  int64_t want = 1;
  if (parallel_for) {
    const double flops = 2.0 * static_cast<double>(g.batch) * static_cast<double>(g.m) *
                         static_cast<double>(g.n) * static_cast<double>(imax(1, g.k));
    const double want_d = flops / kTaskFlops;
    want = want_d >= static_cast<double>(kMaxTasks) ? kMaxTasks
           : want_d < 1.0                          ? 1
                                                   : static_cast<int64_t>(want_d);
    for (;;) {
      if (g.batch * ceil_div(g.m, tm) * ceil_div(g.n, tn) >= want) break;
      if (tm > kMC) {
        tm = round_up(ceil_div(tm, 2), kMR);
      } else if (tn > 4 * kNR) {
        tn = round_up(ceil_div(tn, 2), kNR);
      } else if (tm > kMR) {
        tm = round_up(ceil_div(tm, 2), kMR);
      } else if (tn > kNR) {
        tn = round_up(ceil_div(tn, 2), kNR);
      } else {
        break;
      }
    }
  }
  job.tile_m = tm;
  job.tile_n = tn;
  job.tiles_m = ceil_div(g.m, tm);
  job.tiles_n = ceil_div(g.n, tn);
  // A shared by the whole batch (a convolution's weights): tasks take runs of
  // batch elements and pack each A block once for all of them, when a tile
  // keeps float32 C and one column block. Runs are as long as the wanted
  // task count allows.
  job.batch_group = 1;
  if (g.batch > 1 && g.a_batch_stride == 0 && job.c_f32 && tn <= kNC) {
    const int64_t tiles = job.tiles_m * job.tiles_n;
    job.batch_group = parallel_for ? imax(1, g.batch / imax(1, ceil_div(want, tiles))) : g.batch;
  }
  job.batch_groups = ceil_div(g.batch, job.batch_group);
  const int64_t tasks = job.batch_groups * job.tiles_m * job.tiles_n;
  if (parallel_for && tasks > 1) {
    parallel_for(tasks, 1, &gemm_tasks, &job);
  } else {
    gemm_tasks(0, tasks, &job);
  }
}

}  // namespace

void gemm(const GemmArgs& g, ParallelFor parallel_for) { run_gemm(g, nullptr, parallel_for); }

void gemm_packed_b(const GemmArgs& g, const BPacker& packer, ParallelFor parallel_for) {
  run_gemm(g, &packer, parallel_for);
}

void epilogue_rows(const Epilogue& ep, const float* data, int64_t ld, void* out, DType out_dtype,
                   int64_t out_ld, int64_t rows, int64_t n, bool bias_per_row, int64_t residual_ld) {
  for (int64_t r = 0; r < rows; ++r) {
    EpilogueSegment s;
    s.src = data + r * ld;
    s.dst = offset_ptr(out, out_dtype, r * out_ld);
    s.dst_dtype = out_dtype;
    if (ep.bias) {
      s.bias_dtype = ep.bias_dtype;
      s.bias_per_elem = !bias_per_row;
      s.bias = bias_per_row ? offset_ptr(ep.bias, ep.bias_dtype, r) : ep.bias;
    }
    if (ep.residual) {
      s.residual = offset_ptr(ep.residual, ep.residual_dtype, r * residual_ld);
      s.residual_dtype = ep.residual_dtype;
    }
    apply_epilogue(ep, s, n);
  }
}

void convert(DType src_dtype, const void* src, DType dst_dtype, void* dst, int64_t n) {
  int64_t i = 0;
  for (; i + kW <= n; i += kW) vstore_t(dst, dst_dtype, i, vload_t(src, src_dtype, i));
  if (i < n) {
    const int rem = static_cast<int>(n - i);
    vstore_t_n(dst, dst_dtype, i, vload_t_n(src, src_dtype, i, rem), rem);
  }
}

}  // namespace aotc_cpu::AOTC_CPU_ISA_NS

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
#include "isa_kernels.h"
#include "simd.h"

namespace aotc_cpu::AOTC_CPU_ISA_NS {
namespace {

using detail::thread_buffer;

// Register block and cache blocks per level. kKC * kNR * 4 bytes (one B
// sliver) fits L1; kMC * kKC * 4 (the A block) fits L2; kKC * kNC * 4 (the B
// panel) fits L3.
#if defined(__AVX512F__)
constexpr int kMR = 12;
constexpr int kNV = 2;  // vectors per row: kNR = 32
constexpr int64_t kMC = 240;
constexpr int64_t kKC = 256;
constexpr int64_t kNC = 3072;
#elif defined(__AVX2__)
constexpr int kMR = 6;
constexpr int kNV = 2;  // kNR = 16
constexpr int64_t kMC = 168;
constexpr int64_t kKC = 256;
constexpr int64_t kNC = 3072;
#else
constexpr int kMR = 6;
constexpr int kNV = 2;  // kNR = 8
constexpr int64_t kMC = 120;
constexpr int64_t kKC = 256;
constexpr int64_t kNC = 2048;
#endif
constexpr int kNR = kNV * kW;
static_assert(kMC % kMR == 0 && kNC % kNR == 0, "cache blocks are whole register blocks");

/// Rows of C a task with a non-float32 C may cover (its float32 accumulator is
/// rows x min(n, kNC)).
constexpr int64_t kMaxAccRows = 4 * kMC;
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

/// Packs A[0:mc, 0:kc] (element (i, p) at a[i * rs + p * cs]) into kMR-row
/// slivers: dst[sliver * kc * kMR + p * kMR + i], zero rows past mc.
void pack_a(const void* a, DType t, int64_t rs, int64_t cs, int64_t mc, int64_t kc, float* dst) {
  for (int64_t ir = 0; ir < mc; ir += kMR) {
    const int mr = static_cast<int>(imin(kMR, mc - ir));
    float* d = dst + ir * kc;
    if (t == DType::kF32) {
      const float* s = static_cast<const float*>(a) + ir * rs;
      if (cs == 1) {
        // Row-major A: transpose kTT-column tiles in registers (zero rows past mr).
        int64_t p = 0;
        for (; p + kTT <= kc; p += kTT) transpose_tile(s + p, rs, mr, d + p * kMR, kMR, kMR);
        for (; p < kc; ++p) {
          for (int i = 0; i < kMR; ++i) d[p * kMR + i] = i < mr ? s[i * rs + p] : 0.0f;
        }
        continue;
      }
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
    if (t == DType::kF32 && rs == 1) {
      // Column-major B (nn.Linear's weight as B^T): transpose tiles of kTT
      // columns x kTT k-steps; lanes past nr come out zero.
      const float* s = static_cast<const float*>(b) + jr * cs;
      int64_t p = 0;
      for (; p + kTT <= kc; p += kTT) {
        for (int j0 = 0; j0 < kNR; j0 += kTT) {
          const int rows = static_cast<int>(imax(0, imin(kTT, nr - j0)));
          transpose_tile(s + j0 * cs + p, cs, rows, d + p * kNR + j0, kNR, kTT);
        }
      }
      for (; p < kc; ++p) {
        for (int j = 0; j < kNR; ++j) d[p * kNR + j] = j < nr ? s[j * cs + p] : 0.0f;
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
  int64_t tile_m;  // rows of C per task
  int64_t tile_n;  // columns of C per task
  int64_t tiles_m;
  int64_t tiles_n;
  bool c_f32;
  bool epilogue;
};

void run_tile(const GemmJob& job, int64_t b, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const GemmArgs& g = *job.g;
  const void* a = offset_ptr(g.a, g.a_dtype, b * g.a_batch_stride);
  const void* bm = offset_ptr(g.b, g.b_dtype, b * g.b_batch_stride);
  void* c = offset_ptr(g.c, g.c_dtype, b * g.c_batch_stride);
  const Epilogue& ep = g.epilogue;
  const void* bias = ep.bias ? offset_ptr(ep.bias, ep.bias_dtype, b * g.bias_batch_stride) : nullptr;
  const void* residual =
      ep.residual ? offset_ptr(ep.residual, ep.residual_dtype, b * g.residual_batch_stride) : nullptr;

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
      pack_b(offset_ptr(bm, g.b_dtype, pc * g.b_row_stride + jc * g.b_col_stride), g.b_dtype,
             g.b_row_stride, g.b_col_stride, kc, nc, bpack);
      for (int64_t ic = m0; ic < m1; ic += kMC) {
        const int64_t mc = imin(kMC, m1 - ic);
        pack_a(offset_ptr(a, g.a_dtype, ic * g.a_row_stride + pc * g.a_col_stride), g.a_dtype,
               g.a_row_stride, g.a_col_stride, mc, kc, apack);
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          const int nr = static_cast<int>(imin(kNR, nc - jr));
          const int nv = (nr + kW - 1) / kW;
          for (int64_t ir = 0; ir < mc; ir += kMR) {
            const int mr = static_cast<int>(imin(kMR, mc - ir));
            const int64_t row = ic + ir;
            float* dst;
            int64_t ld;
            float beta;
            if (job.c_f32) {
              dst = static_cast<float*>(c) + row * g.ldc + jc + jr;
              ld = g.ldc;
              beta = first ? g.beta : 1.0f;
            } else {
              dst = acc + (row - m0) * ldw + jr;
              ld = ldw;
              beta = first ? 0.0f : 1.0f;
            }
            kMicroKernels.k[mr - 1][nv - 1](kc, apack + ir * kc, bpack + jr * kc, dst, ld, nr,
                                            g.alpha, beta);
            if (last && job.epilogue) {
              for (int i = 0; i < mr; ++i) {
                const int64_t m = row + i;
                const int64_t col = jc + jr;
                EpilogueSegment s;
                s.src = dst + i * ld;
                s.dst = offset_ptr(c, g.c_dtype, m * g.ldc + col);
                s.dst_dtype = g.c_dtype;
                if (!job.c_f32 && g.beta != 0.0f) {
                  s.old = s.dst;
                  s.beta = g.beta;
                }
                if (bias) {
                  s.bias_dtype = ep.bias_dtype;
                  s.bias_per_elem = ep.bias_kind == BiasKind::kPerCol;
                  s.bias = offset_ptr(bias, ep.bias_dtype, s.bias_per_elem ? col : m);
                }
                if (residual) {
                  s.residual = offset_ptr(residual, ep.residual_dtype, m * g.residual_ld + col);
                  s.residual_dtype = ep.residual_dtype;
                }
                apply_epilogue(ep, s, nr);
              }
            }
          }
        }
      }
    }
  }
}

void gemm_tasks(int64_t begin, int64_t end, void* arg) {
  const GemmJob& job = *static_cast<const GemmJob*>(arg);
  const GemmArgs& g = *job.g;
  const int64_t per_batch = job.tiles_m * job.tiles_n;
  for (int64_t t = begin; t < end; ++t) {
    const int64_t b = t / per_batch;
    const int64_t r = t - b * per_batch;
    const int64_t mi = r / job.tiles_n;
    const int64_t ni = r - mi * job.tiles_n;
    const int64_t m0 = mi * job.tile_m;
    const int64_t n0 = ni * job.tile_n;
    run_tile(job, b, m0, imin(g.m, m0 + job.tile_m), n0, imin(g.n, n0 + job.tile_n));
  }
}

}  // namespace

void gemm(const GemmArgs& g, ParallelFor parallel_for) {
  if (g.batch <= 0 || g.m <= 0 || g.n <= 0) return;
  GemmJob job;
  job.g = &g;
  job.c_f32 = g.c_dtype == DType::kF32;
  job.epilogue = !job.c_f32 || epilogue_active(g.epilogue);

  // Tile the output: whole M and N per batch element when serial; when
  // parallel, halve tiles (M first while above kMC, which keeps B reuse, then
  // N) until there are enough tasks of at least kTaskFlops each.
  int64_t tm = round_up(g.m, kMR);
  int64_t tn = round_up(g.n, kNR);
  if (!job.c_f32) tm = imin(tm, kMaxAccRows);
  if (parallel_for) {
    const double flops = 2.0 * static_cast<double>(g.batch) * static_cast<double>(g.m) *
                         static_cast<double>(g.n) * static_cast<double>(imax(1, g.k));
    const double want_d = flops / kTaskFlops;
    const int64_t want = want_d >= static_cast<double>(kMaxTasks) ? kMaxTasks
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
  const int64_t tasks = g.batch * job.tiles_m * job.tiles_n;
  if (parallel_for && tasks > 1) {
    parallel_for(tasks, 1, &gemm_tasks, &job);
  } else {
    gemm_tasks(0, tasks, &job);
  }
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

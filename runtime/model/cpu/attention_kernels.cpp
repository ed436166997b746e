// scaled_dot_product_attention for one instruction-set level (compiled once
// per level, see simd.h): flash-style, blocked over queries and keys.
//
// A task owns kBQ query rows of one (batch, head). It walks the keys in tiles
// of kBK: scores = scale * Q K^T (this level's GEMM, serial, into a float32
// tile), mask / causal cut, then the online softmax update (running row max
// m, running sum l, rescale of the float32 output accumulator by
// exp(m_old - m_new)), then O += P V (GEMM again, beta = 1). Per-thread
// memory is O(kBQ * (kBK + ev)), whatever s is. Causal tasks stop at the
// diagonal. Rows that never see an unmasked key end as zeros.
#include <cstdint>

#include "isa_kernels.h"
#include "simd.h"
#include "vec_math.h"

namespace aotc_cpu::AOTC_CPU_ISA_NS {
namespace {

/// Query rows per task and keys per tile.
constexpr int64_t kBQ = 64;
constexpr int64_t kBK = 128;
constexpr float kNegInf = -__builtin_inff();

struct AttnJob {
  const AttentionArgs* a;
  int64_t q_blocks;
};

/// Applies mask and causal cut to one score row of keys [s0, s0 + bk) for query i.
void mask_row(const AttentionArgs& a, int64_t b, int64_t h, int64_t i, int64_t s0, int64_t bk,
              float* row) {
  if (a.mask_kind != MaskKind::kNone) {
    const int64_t base = b * a.mask_strides[0] + h * a.mask_strides[1] + i * a.mask_strides[2];
    const int64_t ms = a.mask_strides[3];
    if (a.mask_kind == MaskKind::kBool) {
      const uint8_t* mk = static_cast<const uint8_t*>(a.mask) + base;
      for (int64_t j = 0; j < bk; ++j) {
        if (!mk[(s0 + j) * ms]) row[j] = kNegInf;
      }
    } else if (ms == 1) {
      const int64_t at = base + s0;
      int64_t j = 0;
      for (; j + kW <= bk; j += kW) vstore(row + j, vload(row + j) + vload_t(a.mask, a.mask_dtype, at + j));
      if (j < bk) {
        const int rem = static_cast<int>(bk - j);
        vstore_n(row + j, vload_n(row + j, rem) + vload_t_n(a.mask, a.mask_dtype, at + j, rem), rem);
      }
    } else {
      for (int64_t j = 0; j < bk; ++j) row[j] += load_scalar(a.mask, a.mask_dtype, base + (s0 + j) * ms);
    }
  }
  if (a.causal) {
    for (int64_t j = imax(0, i + 1 - s0); j < bk; ++j) row[j] = kNegInf;
  }
}

/// Online-softmax update of one row: row holds raw scores on entry and
/// probabilities p = exp(score - m_new) on exit; m, l and the output row are
/// rescaled. Returns nothing; a row with no finite score yet leaves p = 0.
void softmax_update(float* row, int64_t bk, float* m, float* l, float* o, int64_t ev) {
  VF mx = vset1(kNegInf);
  int64_t j = 0;
  for (; j + kW <= bk; j += kW) mx = vmax(mx, vload(row + j));
  const int rem = static_cast<int>(bk - j);
  if (rem) mx = vmax(mx, vselect(vfirst_n(rem), vload_n(row + j, rem), vset1(kNegInf)));
  const float tile_max = vreduce_max(mx);
  const float m_new = *m > tile_max ? *m : tile_max;
  if (m_new == kNegInf) {
    // Everything so far is masked: contribute nothing.
    for (j = 0; j < bk; ++j) row[j] = 0.0f;
    return;
  }
  const VF vm = vset1(m_new);
  VF sum = vzero();
  for (j = 0; j + kW <= bk; j += kW) {
    const VF p = vexp(vload(row + j) - vm);
    vstore(row + j, p);
    sum = sum + p;
  }
  if (rem) {
    const VF p = vselect(vfirst_n(rem), vexp(vload_n(row + j, rem) - vm), vzero());
    vstore_n(row + j, p, rem);
    sum = sum + p;
  }
  const float corr = *m == kNegInf ? 0.0f : __builtin_expf(*m - m_new);
  *l = *l * corr + vreduce_add(sum);
  *m = m_new;
  if (corr != 1.0f) {
    const VF vc = vset1(corr);
    for (j = 0; j + kW <= ev; j += kW) vstore(o + j, vload(o + j) * vc);
    if (j < ev) {
      const int r = static_cast<int>(ev - j);
      vstore_n(o + j, vload_n(o + j, r) * vc, r);
    }
  }
}

void run_block(const AttentionArgs& a, int64_t b, int64_t h, int64_t l0, int64_t bq) {
  const int64_t ev = a.ev;
  float* scores = detail::thread_buffer(detail::kSlotAttnScores, static_cast<size_t>(bq * kBK));
  float* o = detail::thread_buffer(detail::kSlotAttnOut, static_cast<size_t>(bq * ev));
  float* ml = detail::thread_buffer(detail::kSlotAttnQ, static_cast<size_t>(2 * bq));
  float* m = ml;
  float* l = ml + bq;
  for (int64_t r = 0; r < bq; ++r) {
    m[r] = kNegInf;
    l[r] = 0.0f;
  }
  for (int64_t t = 0; t < bq * ev; ++t) o[t] = 0.0f;

  const void* q = offset_ptr(a.q, a.q_dtype, b * a.q_strides[0] + h * a.q_strides[1] + l0 * a.q_strides[2]);
  const void* k = offset_ptr(a.k, a.k_dtype, b * a.k_strides[0] + h * a.k_strides[1]);
  const void* v = offset_ptr(a.v, a.v_dtype, b * a.v_strides[0] + h * a.v_strides[1]);
  // Causal: query i sees keys j <= i, so this block needs keys < l0 + bq.
  const int64_t s_end = a.causal ? imin(a.s, l0 + bq) : a.s;

  for (int64_t s0 = 0; s0 < s_end; s0 += kBK) {
    const int64_t bk = imin(kBK, s_end - s0);
    GemmArgs qk;
    qk.m = bq;
    qk.n = bk;
    qk.k = a.e;
    qk.a = q;
    qk.a_dtype = a.q_dtype;
    qk.a_row_stride = a.q_strides[2];
    qk.a_col_stride = a.q_strides[3];
    qk.b = offset_ptr(k, a.k_dtype, s0 * a.k_strides[2]);
    qk.b_dtype = a.k_dtype;
    qk.b_row_stride = a.k_strides[3];
    qk.b_col_stride = a.k_strides[2];
    qk.c = scores;
    qk.ldc = kBK;
    qk.alpha = a.scale;
    gemm(qk, nullptr);

    for (int64_t r = 0; r < bq; ++r) {
      float* row = scores + r * kBK;
      mask_row(a, b, h, l0 + r, s0, bk, row);
      softmax_update(row, bk, m + r, l + r, o + r * ev, ev);
    }

    GemmArgs pv;
    pv.m = bq;
    pv.n = ev;
    pv.k = bk;
    pv.a = scores;
    pv.a_row_stride = kBK;
    pv.a_col_stride = 1;
    pv.b = offset_ptr(v, a.v_dtype, s0 * a.v_strides[2]);
    pv.b_dtype = a.v_dtype;
    pv.b_row_stride = a.v_strides[2];
    pv.b_col_stride = a.v_strides[3];
    pv.c = o;
    pv.ldc = ev;
    pv.beta = 1.0f;
    gemm(pv, nullptr);
  }

  void* out = offset_ptr(a.out, a.out_dtype, ((b * a.heads + h) * a.l + l0) * ev);
  for (int64_t r = 0; r < bq; ++r) {
    const VF inv = vset1(l[r] > 0.0f ? 1.0f / l[r] : 0.0f);
    const float* orow = o + r * ev;
    void* dst = offset_ptr(out, a.out_dtype, r * ev);
    int64_t j = 0;
    for (; j + kW <= ev; j += kW) vstore_t(dst, a.out_dtype, j, vload(orow + j) * inv);
    if (j < ev) {
      const int rem = static_cast<int>(ev - j);
      vstore_t_n(dst, a.out_dtype, j, vload_n(orow + j, rem) * inv, rem);
    }
  }
}

void attention_tasks(int64_t begin, int64_t end, void* arg) {
  const AttnJob& job = *static_cast<const AttnJob*>(arg);
  const AttentionArgs& a = *job.a;
  for (int64_t t = begin; t < end; ++t) {
    const int64_t bh = t / job.q_blocks;
    const int64_t qb = t - bh * job.q_blocks;
    const int64_t l0 = qb * kBQ;
    run_block(a, bh / a.heads, bh % a.heads, l0, imin(kBQ, a.l - l0));
  }
}

}  // namespace

void attention(const AttentionArgs& a, ParallelFor parallel_for) {
  if (a.batch <= 0 || a.heads <= 0 || a.l <= 0 || a.ev <= 0) return;
  AttnJob job{&a, ceil_div(a.l, kBQ)};
  const int64_t tasks = a.batch * a.heads * job.q_blocks;
  if (parallel_for && tasks > 1) {
    parallel_for(tasks, 1, &attention_tasks, &job);
  } else {
    attention_tasks(0, tasks, &job);
  }
}

}  // namespace aotc_cpu::AOTC_CPU_ISA_NS

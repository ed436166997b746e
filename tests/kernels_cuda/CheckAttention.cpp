// CheckAttention: GPU check cases for attention_simt and attention_tc:
// gpt_block's causal SDPA on views of the qkv projection, masks, GQA, other
// head dims, big shapes. Reference: float64 softmax rows from the exact inputs.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "CheckSupport.h"

namespace aotc::cuda_test {
namespace {

// ------------------------------------------------------------------- attention

struct AttentionParamsHost {
  CUdeviceptr q, k, v;
  int64_t q_stride_b, q_stride_h, q_stride_l, q_stride_e;
  int64_t k_stride_b, k_stride_h, k_stride_s, k_stride_e;
  int64_t v_stride_b, v_stride_h, v_stride_s, v_stride_e;
  int64_t batch, heads, kv_heads, len_q, len_kv, head_dim, head_dim_v;
  float scale;
  int32_t causal;
};
static_assert(sizeof(AttentionParamsHost) == 184, "mirror of aotc::cuda::AttentionParams");
struct AttnOutputHost {
  CUdeviceptr ptr;
  int64_t sb, sh, sl, se;
};
static_assert(sizeof(AttnOutputHost) == 40, "mirror of aotc::cuda::StridedAttentionOutput");

struct AttnCase {
  std::string label, kernel;
  int64_t b, h, hkv, l, s, e, ev;
  bool causal;
  DType dt;
  double tol;
  bool packed = false;        // q, k, v are views of one [B, T, 3, H, E] projection (gpt_block)
  bool q_transposed = false;  // q stored [B, H, E, L] (e stride != 1): the any-stride path
  bool mask = false;          // additive float mask [L, S] with some -inf, one row fully masked
  bool out_blhe = false;      // output written as [B, L, H, Ev] (transpose fused into the store)
};

void run_attention(Context& c, const AttnCase& a) {
  if (!selected(c, a.label, a.kernel)) return;
  const Kernel& k = c.lib.get(a.kernel);
  AttentionParamsHost p{};
  std::unique_ptr<Tensor> qt, kt, vt, packed;
  if (a.packed) {
    // [B, T, 3, H, E]: q at +0, k at +H*E, v at +2*H*E; row stride 3*H*E.
    packed = random_tensor(a.dt, static_cast<size_t>(a.b * a.l * 3 * a.h * a.e));
    const int64_t row = 3 * a.h * a.e;
    const size_t esz = dtype_size(a.dt);
    p.q = packed->ptr;
    p.k = packed->ptr + static_cast<CUdeviceptr>(a.h * a.e * static_cast<int64_t>(esz));
    p.v = packed->ptr + static_cast<CUdeviceptr>(2 * a.h * a.e * static_cast<int64_t>(esz));
    p.q_stride_b = p.k_stride_b = p.v_stride_b = a.l * row;
    p.q_stride_h = p.k_stride_h = p.v_stride_h = a.e;
    p.q_stride_l = p.k_stride_s = p.v_stride_s = row;
    p.q_stride_e = p.k_stride_e = p.v_stride_e = 1;
  } else {
    qt = random_tensor(a.dt, static_cast<size_t>(a.b * a.h * a.l * a.e));
    kt = random_tensor(a.dt, static_cast<size_t>(a.b * a.hkv * a.s * a.e));
    vt = random_tensor(a.dt, static_cast<size_t>(a.b * a.hkv * a.s * a.ev));
    p.q = qt->ptr;
    p.k = kt->ptr;
    p.v = vt->ptr;
    p.q_stride_b = a.h * a.l * a.e;
    p.q_stride_h = a.l * a.e;
    if (a.q_transposed) {
      p.q_stride_l = 1;
      p.q_stride_e = a.l;
    } else {
      p.q_stride_l = a.e;
      p.q_stride_e = 1;
    }
    p.k_stride_b = a.hkv * a.s * a.e;
    p.k_stride_h = a.s * a.e;
    p.k_stride_s = a.e;
    p.k_stride_e = 1;
    p.v_stride_b = a.hkv * a.s * a.ev;
    p.v_stride_h = a.s * a.ev;
    p.v_stride_s = a.ev;
    p.v_stride_e = 1;
  }
  p.batch = a.b;
  p.heads = a.h;
  p.kv_heads = a.hkv;
  p.len_q = a.l;
  p.len_kv = a.s;
  p.head_dim = a.e;
  p.head_dim_v = a.ev;
  p.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(a.e)));
  p.causal = a.causal ? 1 : 0;

  std::unique_ptr<Tensor> mask;
  int64_t mask_ld = a.s;
  if (a.mask) {
    mask = std::make_unique<Tensor>();
    mask->allocate(DType::kF32, static_cast<size_t>(a.l * a.s));
    mask->host.resize(mask->numel);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (int64_t i = 0; i < a.l; ++i)
      for (int64_t j = 0; j < a.s; ++j) {
        double v = static_cast<float>(u(rng()));
        if (u(rng()) < -0.6 || i == 3) v = -INFINITY;  // ~20% masked; row 3 entirely
        mask->host[static_cast<size_t>(i * a.s + j)] = v;
      }
    mask->upload();
  }

  auto out = output_tensor(a.dt, static_cast<size_t>(a.b * a.h * a.l * a.ev));
  AttnOutputHost o{out->ptr, a.h * a.l * a.ev, a.l * a.ev, a.ev, 1};
  if (a.out_blhe) o = AttnOutputHost{out->ptr, a.l * a.h * a.ev, a.ev, a.h * a.ev, 1};
  const Grid grid{ceil_div_u(a.l, k.tile_m), static_cast<unsigned>(a.h),
                  static_cast<unsigned>(a.b)};
  CUdeviceptr mask_ptr = mask ? mask->ptr : 0;
  auto run = [&](CUstream s) {
    if (a.mask)
      launch(k, grid, {&p, &o, &mask_ptr, &mask_ld}, s);
    else
      launch(k, grid, {&p, &o}, s);
  };
  run(c.stream);
  AOTC_CU(drv.cuStreamSynchronize(c.stream));
  out->download();

  // Reference per (b, h, i) row, in float64 from the exact input values.
  const Tensor& src_q = a.packed ? *packed : *qt;
  const Tensor& src_k = a.packed ? *packed : *kt;
  const Tensor& src_v = a.packed ? *packed : *vt;
  const int64_t k_off = a.packed ? a.h * a.e : 0, v_off = a.packed ? 2 * a.h * a.e : 0;
  const size_t row_count = static_cast<size_t>(a.b * a.h * a.l);
  const std::vector<size_t> rows =
      pick_indices(row_count, static_cast<double>(a.s * (a.e + a.ev)), 6e8, 512);
  std::vector<size_t> idx(rows.size() * static_cast<size_t>(a.ev));
  std::vector<double> ref(idx.size());
  const double scale = p.scale;
  parallel_for(rows.size(), [&](size_t t) {
    const int64_t r = static_cast<int64_t>(rows[t]);
    const int64_t bi = r / (a.h * a.l), hi = (r / a.l) % a.h, i = r % a.l;
    const int64_t hk = hi / (a.h / a.hkv);
    std::vector<double> w(static_cast<size_t>(a.s), 0.0);
    double mx = -INFINITY;
    for (int64_t j = 0; j < a.s; ++j) {
      double sc = -INFINITY;
      if (!a.causal || j <= i) {
        double dot = 0;
        for (int64_t e = 0; e < a.e; ++e)
          dot += src_q.host[static_cast<size_t>(bi * p.q_stride_b + hi * p.q_stride_h +
                                                i * p.q_stride_l + e * p.q_stride_e)] *
                 src_k.host[static_cast<size_t>(k_off + bi * p.k_stride_b + hk * p.k_stride_h +
                                                j * p.k_stride_s + e)];
        sc = dot * scale;
        if (mask) sc += mask->host[static_cast<size_t>(i * mask_ld + j)];
      }
      w[static_cast<size_t>(j)] = sc;
      mx = std::max(mx, sc);
    }
    double sum = 0;
    for (double& x : w) {
      x = mx == -INFINITY ? 0.0 : std::exp(x - mx);
      sum += x;
    }
    for (int64_t e = 0; e < a.ev; ++e) {
      double acc = 0;
      for (int64_t j = 0; j < a.s; ++j)
        acc += w[static_cast<size_t>(j)] *
               src_v.host[static_cast<size_t>(v_off + bi * p.v_stride_b + hk * p.v_stride_h +
                                              j * p.v_stride_s + e)];
      const size_t slot = t * static_cast<size_t>(a.ev) + static_cast<size_t>(e);
      ref[slot] = sum > 0 ? acc / sum : 0.0;  // fully masked rows give 0 (documented)
      idx[slot] = static_cast<size_t>(bi * o.sb + hi * o.sh + i * o.sl + e * o.se);
    }
  });
  double pairs = 0;
  for (int64_t i = 0; i < a.l; ++i)
    pairs += a.causal ? static_cast<double>(std::min(i + 1, a.s)) : a.s;
  Row r;
  r.family = "attention";
  r.label = a.label;
  r.kernel = a.kernel;
  r.shape = "B" + std::to_string(a.b) + " H" + std::to_string(a.h) +
            (a.hkv != a.h ? "/" + std::to_string(a.hkv) : "") + " L" + std::to_string(a.l) + " S" +
            std::to_string(a.s) + " E" + std::to_string(a.e) + (a.causal ? " c" : "") +
            (a.mask ? " m" : "");
  r.dtype = dtype_name(a.dt);
  r.tol = a.tol;
  r.sampled = rows.size() < row_count;
  finish(c, r, compare(out->host, idx, ref), run,
         2.0 * a.b * a.h * pairs * static_cast<double>(a.e + a.ev), true);
}

}  // namespace

void run_attention_cases(Context& c) {
  const bool full = !c.opt.quick;
  const DType f32 = DType::kF32, bf16 = DType::kBF16, f16 = DType::kF16;
  (void)full;
  (void)f32;
  (void)bf16;
  (void)f16;
  // Attention: gpt_block (B=1, H=4, E=64, causal; q/k/v views of the qkv
  // projection, output stored as [B, T, H*E]), then the other paths.
  std::vector<AttnCase> attns;
  for (int64_t t : {16, 77, 512}) {
    AttnCase f{
        "gpt sdpa T" + std::to_string(t), "attn_simt_e64", 1, 4, 4, t, t, 64, 64, true, f32, 1e-5};
    f.packed = f.out_blhe = true;
    AttnCase b{"gpt sdpa T" + std::to_string(t),
               t <= 128 ? "attn_tc_e64s_bf16" : "attn_tc_e64_bf16",
               1,
               4,
               4,
               t,
               t,
               64,
               64,
               true,
               bf16,
               1e-2};
    b.packed = b.out_blhe = true;
    AttnCase w = f;
    w.kernel = "attn_keys_e64";
    attns.insert(attns.end(), {f, w, b});
  }
  {
    AttnCase m{"mask, L!=S", "attn_keys_e64_mask", 2, 3, 3, 50, 77, 64, 64, false, f32, 1e-5};
    m.mask = true;
    AttnCase g{"gqa causal, L < a step", "attn_keys_e64", 2, 8, 2, 100, 100, 64, 64, true, f32, 1e-5};
    AttnCase l{"L!=S causal", "attn_keys_e64_w4k32s2", 1, 4, 4, 300, 333, 64, 64, true, f32, 1e-5};
    AttnCase s{"S < L, non-causal", "attn_keys_e64_w4k32s2", 1, 2, 2, 129, 7, 64, 64, false, f32, 1e-5};
    AttnCase g128{"gqa E128 causal", "attn_keys_e128", 1, 8, 2, 200, 200, 128, 128, true, f32, 1e-5};
    AttnCase l128{"E128 causal", "attn_keys_e128", 1, 2, 2, 512, 512, 128, 128, true, f32, 1e-5};
    AttnCase o128{"E128 causal", "attn_simt_e128", 1, 2, 2, 512, 512, 128, 128, true, f32, 1e-5};
    attns.insert(attns.end(), {m, g, l, s, g128, l128, o128});
  }
  {
    AttnCase m{"mask, L!=S", "attn_simt_e64_mask", 2, 3, 3, 50, 77, 64, 64, false, f32, 1e-5};
    m.mask = true;
    AttnCase g{"gqa E128 causal", "attn_simt_e128", 1, 8, 2, 200, 200, 128, 128, true, f32, 1e-5};
    AttnCase any{
        "E80 q^T any-stride", "attn_simt_e96_any", 1, 2, 2, 33, 65, 80, 80, false, f32, 1e-5};
    any.q_transposed = true;
    AttnCase bm{"mask, L!=S", "attn_tc_e64_bf16_mask", 2, 3, 3, 50, 77, 64, 64, false, bf16, 1e-2};
    bm.mask = true;
    AttnCase hg{
        "gqa E128 causal", "attn_tc_e128_f16", 1, 8, 2, 300, 300, 128, 128, true, f16, 1e-2};
    AttnCase e80{"E80 causal", "attn_tc_e96_bf16", 1, 2, 2, 130, 130, 80, 80, true, bf16, 1e-2};
    attns.insert(attns.end(), {m, g, any, bm, hg, e80});
    if (full) {
      attns.push_back(AttnCase{"big causal", "attn_tc_e64_bf16", 4, 16, 16, 2048, 2048, 64, 64,
                               true, bf16, 1e-2});
      attns.push_back(AttnCase{"big causal", "attn_tc_e128_f16", 4, 16, 16, 2048, 2048, 128, 128,
                               true, f16, 1e-2});
      attns.push_back(
          AttnCase{"big causal", "attn_simt_e64", 1, 16, 16, 2048, 2048, 64, 64, true, f32, 1e-5});
      attns.push_back(
          AttnCase{"big causal", "attn_keys_e64", 1, 16, 16, 2048, 2048, 64, 64, true, f32, 1e-5});
    }
  }
  for (const AttnCase& a : attns) run_attention(c, a);
}

}  // namespace aotc::cuda_test

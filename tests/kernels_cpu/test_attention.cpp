// scaled_dot_product_attention against a float64 softmax(QK^T)V: shapes
// across the query and key tiles, transposed / broadcast views, causal
// (L < S, L == S, L > S), boolean and additive masks with broadcasting, fully
// masked rows, dtypes, threads, every ISA level.
#include <cmath>
#include <sstream>
#include <vector>

#include "test_util.h"

namespace {

using aotc_cpu::DType;
using aotc_cpu::MaskKind;
using kt::Tensor;

struct AttnCase {
  int64_t b = 1, h = 1, l = 1, s = 1, e = 1, ev = 1;
  bool causal = false;
  MaskKind mask = MaskKind::kNone;
  DType mask_dtype = DType::kF32;
  bool mask_bcast = false;  // [L, S] shared over batch and heads
  bool q_blhe = false;      // q stored [B, L, H, E] (a transposed view)
  bool k_ehs = false;       // k stored [B, H, E, S]
  bool v_bcast = false;     // v shared over the batch (stride 0)
  DType t = DType::kF32;
  bool parallel = false;
  bool mask_row = false;    // mask out query row 0 completely

  std::string describe() const {
    std::ostringstream o;
    o << "B" << b << " H" << h << " L" << l << " S" << s << " E" << e << " Ev" << ev << (causal ? " causal" : "")
      << " mask " << static_cast<int>(mask) << (mask_bcast ? " bcast" : "") << (q_blhe ? " q-BLHE" : "")
      << (k_ehs ? " k-EHS" : "") << (v_bcast ? " v-bcast" : "") << " " << kt::dtype_name(t)
      << (parallel ? " par" : "") << (mask_row ? " masked-row" : "");
    return o.str();
  }
};

void run_attention_case(const AttnCase& c) {
  INFO(c.describe());
  aotc_cpu::AttentionArgs a;
  a.batch = c.b;
  a.heads = c.h;
  a.l = c.l;
  a.s = c.s;
  a.e = c.e;
  a.ev = c.ev;
  int64_t qs[4] = {c.h * c.l * c.e, c.l * c.e, c.e, 1};
  if (c.q_blhe) {
    qs[0] = c.l * c.h * c.e;
    qs[1] = c.e;
    qs[2] = c.h * c.e;
    qs[3] = 1;
  }
  int64_t ks[4] = {c.h * c.s * c.e, c.s * c.e, c.e, 1};
  if (c.k_ehs) {
    ks[2] = 1;
    ks[3] = c.s;
  }
  int64_t vs[4] = {c.v_bcast ? 0 : c.h * c.s * c.ev, c.s * c.ev, c.ev, 1};
  Tensor q = kt::random_tensor(c.t, c.b * c.h * c.l * c.e, -2.0f, 2.0f);
  Tensor k = kt::random_tensor(c.t, c.b * c.h * c.s * c.e, -2.0f, 2.0f);
  Tensor v = kt::random_tensor(c.t, (c.v_bcast ? 1 : c.b) * c.h * c.s * c.ev);
  Tensor out = kt::random_tensor(c.t, c.b * c.h * c.l * c.ev);
  const int64_t mask_elems = c.mask_bcast ? c.l * c.s : c.b * c.h * c.l * c.s;
  int64_t ms[4] = {c.h * c.l * c.s, c.l * c.s, c.s, 1};
  if (c.mask_bcast) ms[0] = ms[1] = 0;
  std::vector<uint8_t> bmask(static_cast<size_t>(mask_elems));
  Tensor amask = kt::random_tensor(c.mask_dtype, mask_elems, -3.0f, 1.0f);
  for (auto& m : bmask) m = (kt::rng()() % 4) != 0;
  if (c.mask_row) {
    for (int64_t j = 0; j < c.s; ++j) {
      bmask[static_cast<size_t>(j)] = 0;
      kt::set(amask, j, -INFINITY);
    }
  }
  for (int i = 0; i < 4; ++i) {
    a.q_strides[i] = qs[i];
    a.k_strides[i] = ks[i];
    a.v_strides[i] = vs[i];
    a.mask_strides[i] = ms[i];
  }
  a.q = q.data();
  a.k = k.data();
  a.v = v.data();
  a.q_dtype = a.k_dtype = a.v_dtype = a.out_dtype = c.t;
  a.out = out.data();
  a.scale = 1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(c.e, 1)));
  a.causal = c.causal;
  a.mask_kind = c.mask;
  a.mask = c.mask == MaskKind::kBool ? static_cast<const void*>(bmask.data()) : amask.data();
  a.mask_dtype = c.mask_dtype;
  aotc_cpu::attention(a, c.parallel ? &kt::threaded_parallel_for : nullptr);

  kt::Checker check("attention");
  std::vector<double> sc(static_cast<size_t>(c.s));
  for (int64_t b = 0; b < c.b; ++b) {
    for (int64_t h = 0; h < c.h; ++h) {
      for (int64_t i = 0; i < c.l; ++i) {
        double mx = -INFINITY;
        for (int64_t j = 0; j < c.s; ++j) {
          double d = 0;
          for (int64_t x = 0; x < c.e; ++x) {
            d += q.at(b * qs[0] + h * qs[1] + i * qs[2] + x * qs[3]) * k.at(b * ks[0] + h * ks[1] + j * ks[2] + x * ks[3]);
          }
          d *= a.scale;
          const int64_t mi = b * ms[0] + h * ms[1] + i * ms[2] + j * ms[3];
          if (c.mask == MaskKind::kBool && !bmask[static_cast<size_t>(mi)]) d = -INFINITY;
          if (c.mask == MaskKind::kAdditive) d += amask.at(mi);
          if (c.causal && j > i) d = -INFINITY;
          sc[static_cast<size_t>(j)] = d;
          mx = std::max(mx, d);
        }
        double sum = 0;
        for (int64_t j = 0; j < c.s; ++j) {
          sc[static_cast<size_t>(j)] = mx == -INFINITY ? 0.0 : std::exp(sc[static_cast<size_t>(j)] - mx);
          sum += sc[static_cast<size_t>(j)];
        }
        for (int64_t y = 0; y < c.ev; ++y) {
          double acc = 0, mag = 0;
          for (int64_t j = 0; j < c.s; ++j) {
            const double vv = v.at(b * vs[0] + h * vs[1] + j * vs[2] + y * vs[3]);
            acc += sc[static_cast<size_t>(j)] * vv;
            mag += sc[static_cast<size_t>(j)] * std::fabs(vv);
          }
          const double want = sum > 0 ? acc / sum : 0.0;  // fully masked rows give 0
          const double scale = sum > 0 ? mag / sum : 0.0;
          const int64_t oi = ((b * c.h + h) * c.l + i) * c.ev + y;
          check(oi, out.at(oi), want, 2e-5 * (scale + 1e-3) + 1.5 * kt::dtype_eps(c.t) * std::fabs(want) + kt::dtype_abs(c.t));
        }
      }
    }
  }
  check.done();
}

}  // namespace

TEST_CASE("attention shapes and causal", "[attention]") {
  struct S {
    int64_t b, h, l, s, e, ev;
  };
  const S shapes[] = {{1, 1, 1, 1, 1, 1},   {2, 3, 17, 33, 8, 5},  {1, 2, 130, 70, 64, 64},
                      {1, 1, 5, 300, 16, 24}, {1, 1, 10, 4, 3, 7},  {1, 1, 3, 200, 33, 17},
                      {1, 2, 70, 129, 0, 4}};
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (const S& s : shapes) {
      for (bool causal : {false, true}) {
        AttnCase c;
        c.b = s.b;
        c.h = s.h;
        c.l = s.l;
        c.s = s.s;
        c.e = s.e;
        c.ev = s.ev;
        c.causal = causal;
        c.parallel = s.l > 64;
        run_attention_case(c);
      }
    }
  }
}

TEST_CASE("attention strided views, masks, dtypes", "[attention]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    AttnCase base;
    base.b = 2;
    base.h = 3;
    base.l = 21;
    base.s = 150;
    base.e = 12;
    base.ev = 9;
    AttnCase c = base;
    c.q_blhe = true;
    c.k_ehs = true;
    c.v_bcast = true;
    run_attention_case(c);
    for (MaskKind m : {MaskKind::kBool, MaskKind::kAdditive}) {
      for (bool bc : {false, true}) {
        c = base;
        c.mask = m;
        c.mask_bcast = bc;
        c.causal = bc;
        c.mask_row = !bc;
        c.parallel = true;
        run_attention_case(c);
      }
    }
    c = base;
    c.mask = MaskKind::kAdditive;
    c.mask_dtype = DType::kBF16;
    run_attention_case(c);
    for (DType t : {DType::kBF16, DType::kF16}) {
      c = base;
      c.t = t;
      c.causal = true;
      c.q_blhe = true;
      run_attention_case(c);
    }
  }
}

// GEMM against a float64 triple loop: awkward shapes around every block
// size, transposed / strided / broadcast operands, dtypes, alpha / beta,
// every epilogue, serial and threaded, on every ISA level.
#include <cmath>
#include <sstream>
#include <vector>

#include "test_util.h"

namespace {

using aotc_cpu::BiasKind;
using aotc_cpu::Activation;
using aotc_cpu::DType;
using kt::Tensor;

struct GemmCase {
  int64_t batch = 1, m = 1, n = 1, k = 1;
  bool trans_a = false, trans_b = false;
  bool bcast_a = false, bcast_b = false;  // batch stride 0
  int64_t stride_a = 1, stride_b = 1;     // element step along k (A) and n (B) when not transposed
  DType at = DType::kF32, bt = DType::kF32, ct = DType::kF32;
  float alpha = 1.0f, beta = 0.0f;
  BiasKind bias = BiasKind::kNone;
  Activation act = Activation::kNone;
  float act_a = 0.0f, act_b = 0.0f;
  bool residual = false, res_before = true;
  bool parallel = false;
  int64_t pad = 0;  // extra elements per row of every operand

  std::string describe() const {
    std::ostringstream s;
    s << "b" << batch << " m" << m << " n" << n << " k" << k << (trans_a ? " At" : "")
      << (trans_b ? " Bt" : "") << (bcast_a ? " Abc" : "") << (bcast_b ? " Bbc" : "") << " sa" << stride_a
      << " sb" << stride_b << " " << kt::dtype_name(at) << "/" << kt::dtype_name(bt) << "->"
      << kt::dtype_name(ct) << " alpha " << alpha << " beta " << beta << " bias "
      << static_cast<int>(bias) << " act " << kt::act_name(act) << (residual ? " res" : "")
      << (residual && !res_before ? "-after" : "") << (parallel ? " par" : "") << " pad " << pad;
    return s.str();
  }
};

void run_gemm_case(const GemmCase& c) {
  INFO(c.describe());
  // A: logical [m, k]; stored [k][m + pad] when transposed, else [m][(k + pad) * stride_a].
  const int64_t a_rs = c.trans_a ? 1 : (c.k * c.stride_a + c.pad);
  const int64_t a_cs = c.trans_a ? (c.m + c.pad) : c.stride_a;
  const int64_t a_size = c.trans_a ? c.k * (c.m + c.pad) : c.m * a_rs;
  const int64_t b_rs = c.trans_b ? 1 : (c.n * c.stride_b + c.pad);
  const int64_t b_cs = c.trans_b ? (c.k + c.pad) : c.stride_b;
  const int64_t b_size = c.trans_b ? c.n * (c.k + c.pad) : c.k * b_rs;
  const int64_t ldc = c.n + c.pad;
  const int64_t c_size = c.m * ldc;
  const int64_t a_bs = c.bcast_a ? 0 : a_size + 3;
  const int64_t b_bs = c.bcast_b ? 0 : b_size + 5;
  const int64_t c_bs = c_size + 2;

  Tensor A = kt::random_tensor(c.at, std::max<int64_t>(1, a_bs * (c.batch - 1) + a_size));
  Tensor B = kt::random_tensor(c.bt, std::max<int64_t>(1, b_bs * (c.batch - 1) + b_size));
  Tensor C = kt::random_tensor(c.ct, std::max<int64_t>(1, c_bs * c.batch));
  const Tensor C_old = C;
  const int64_t bias_len = c.bias == BiasKind::kPerRow ? c.m : c.n;
  Tensor bias = kt::random_tensor(DType::kF32, bias_len);
  Tensor res = kt::random_tensor(c.ct, std::max<int64_t>(1, c_bs * c.batch));

  aotc_cpu::GemmArgs g;
  g.batch = c.batch;
  g.m = c.m;
  g.n = c.n;
  g.k = c.k;
  g.a = A.data();
  g.a_dtype = c.at;
  g.a_batch_stride = a_bs;
  g.a_row_stride = a_rs;
  g.a_col_stride = a_cs;
  g.b = B.data();
  g.b_dtype = c.bt;
  g.b_batch_stride = b_bs;
  g.b_row_stride = b_rs;
  g.b_col_stride = b_cs;
  g.c = C.data();
  g.c_dtype = c.ct;
  g.c_batch_stride = c_bs;
  g.ldc = ldc;
  g.alpha = c.alpha;
  g.beta = c.beta;
  if (c.bias != BiasKind::kNone) {
    g.epilogue.bias = bias.data();
    g.epilogue.bias_kind = c.bias;
  }
  g.epilogue.act = c.act;
  g.epilogue.act_alpha = c.act_a;
  g.epilogue.act_beta = c.act_b;
  if (c.residual) {
    g.epilogue.residual = res.data();
    g.epilogue.residual_dtype = c.ct;
    g.epilogue.residual_before_act = c.res_before;
    g.residual_ld = ldc;
    g.residual_batch_stride = c_bs;
  }
  aotc_cpu::gemm(g, c.parallel ? &kt::threaded_parallel_for : nullptr);

  kt::Checker check("C");
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t i = 0; i < c.m; ++i) {
      for (int64_t j = 0; j < c.n; ++j) {
        double acc = 0.0, mag = 0.0;
        for (int64_t p = 0; p < c.k; ++p) {
          const double x = A.at(b * a_bs + i * a_rs + p * a_cs) * B.at(b * b_bs + p * b_rs + j * b_cs);
          acc += x;
          mag += std::fabs(x);
        }
        const int64_t ci = b * c_bs + i * ldc + j;
        double v = c.alpha * acc;
        mag *= std::fabs(c.alpha);
        if (c.beta != 0.0f) {
          v += c.beta * C_old.at(ci);
          mag += std::fabs(c.beta * C_old.at(ci));
        }
        if (c.bias != BiasKind::kNone) {
          const double bv = bias.at(c.bias == BiasKind::kPerRow ? i : j);
          v += bv;
          mag += std::fabs(bv);
        }
        const double r = c.residual ? res.at(ci) : 0.0;
        if (c.residual && c.res_before) v += r;
        v = kt::act_ref(c.act, v, c.act_a, c.act_b);
        if (c.residual && !c.res_before) v += r;
        mag += std::fabs(r) + std::fabs(v);
        check(ci, C.at(ci), v, 2e-5 * mag + 1.5 * kt::dtype_eps(c.ct) * std::fabs(v) + kt::dtype_abs(c.ct) + 1e-30);
      }
    }
    // Padding between rows and batches is never written.
    for (int64_t i = 0; i < c.m; ++i) {
      for (int64_t j = c.n; j < ldc; ++j) {
        const int64_t ci = b * c_bs + i * ldc + j;
        check(ci, C.at(ci), C_old.at(ci), 0.0);
      }
    }
  }
  check.done();
}

struct Shape {
  int64_t m, n, k;
};

// Around every block size of every level: register tiles (6/8 x 8/16/32),
// kMC (120/168/240), kKC (256), kNC (2048/3072), k == 0 and 1.
const Shape kShapes[] = {{1, 1, 1},    {1, 7, 17},   {7, 1, 17},  {17, 7, 1},   {2, 3, 0},
                         {64, 64, 64}, {129, 17, 65}, {5, 129, 300}, {33, 40, 257}, {250, 33, 17},
                         {9, 31, 513}, {6, 16, 8},   {8, 32, 16}, {1, 100, 64}};

}  // namespace

TEST_CASE("gemm f32 shapes and transposes", "[gemm]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (const Shape& s : kShapes) {
      for (int t = 0; t < 4; ++t) {
        GemmCase c;
        c.m = s.m;
        c.n = s.n;
        c.k = s.k;
        c.trans_a = t & 1;
        c.trans_b = t & 2;
        c.pad = t == 3 ? 3 : 0;
        run_gemm_case(c);
      }
    }
  }
}

TEST_CASE("gemm wide N, strided operands, alpha and beta", "[gemm]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    GemmCase c;
    c.m = 3;
    c.n = 3100;  // > kNC
    c.k = 9;
    run_gemm_case(c);
    c.trans_b = true;
    run_gemm_case(c);

    GemmCase s;  // non-unit strides on both operands (generic packing paths)
    s.m = 13;
    s.n = 21;
    s.k = 19;
    s.stride_a = 2;
    s.stride_b = 3;
    s.pad = 1;
    run_gemm_case(s);
    s.alpha = -0.5f;
    s.beta = 0.75f;
    run_gemm_case(s);
    s.k = 0;  // beta * C only
    run_gemm_case(s);
    s.k = 300;  // beta applied once across K blocks
    s.trans_a = true;
    run_gemm_case(s);
  }
}

TEST_CASE("gemm beta == 0 ignores NaN in C", "[gemm]") {
  std::vector<float> a = {1, 2, 3, 4}, b = {1, 0, 0, 1}, c(4, NAN);
  aotc_cpu::GemmArgs g;
  g.m = 2;
  g.n = 2;
  g.k = 2;
  g.a = a.data();
  g.a_row_stride = 2;
  g.b = b.data();
  g.b_row_stride = 2;
  g.c = c.data();
  g.ldc = 2;
  aotc_cpu::gemm(g, nullptr);
  CHECK(c == std::vector<float>{1, 2, 3, 4});
}

TEST_CASE("gemm batched with broadcast operands, serial and threaded", "[gemm]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (bool par : {false, true}) {
      for (int bc = 0; bc < 3; ++bc) {
        GemmCase c;
        c.batch = 3;
        c.m = 37;
        c.n = 45;
        c.k = 29;
        c.bcast_a = bc == 1;
        c.bcast_b = bc == 2;
        c.trans_b = bc == 2;
        c.parallel = par;
        c.bias = BiasKind::kPerCol;
        run_gemm_case(c);
      }
      GemmCase shared;  // A shared by the batch and taller than one A block
      shared.batch = 3;
      shared.m = 300;
      shared.n = 20;
      shared.k = 300;
      shared.bcast_a = true;
      shared.parallel = par;
      shared.bias = BiasKind::kPerRow;
      shared.residual = true;
      shared.act = Activation::kRelu;
      run_gemm_case(shared);
      GemmCase big;  // enough work that the parallel split makes many tiles
      big.m = 301;
      big.n = 157;
      big.k = 130;
      big.parallel = par;
      big.beta = 1.0f;
      run_gemm_case(big);
    }
  }
}

TEST_CASE("gemm bf16 and f16 inputs and outputs", "[gemm]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (DType t : {DType::kBF16, DType::kF16}) {
      for (const Shape& s : {Shape{1, 1, 1}, Shape{17, 33, 65}, Shape{70, 5, 300}}) {
        for (int variant = 0; variant < 4; ++variant) {
          GemmCase c;
          c.m = s.m;
          c.n = s.n;
          c.k = s.k;
          c.at = t;
          c.bt = variant == 1 ? DType::kF32 : t;
          c.ct = variant == 2 ? DType::kF32 : t;
          c.trans_b = variant == 3;
          c.beta = variant == 3 ? 0.5f : 0.0f;
          c.bias = BiasKind::kPerCol;
          c.act = aotc_cpu::Activation::kGeluTanh;
          run_gemm_case(c);
        }
      }
    }
    // A bf16 output taller than one accumulator tile, K over several blocks,
    // in parallel.
    GemmCase c;
    c.m = 1000;
    c.n = 9;
    c.k = 300;
    c.at = c.bt = c.ct = DType::kBF16;
    c.parallel = true;
    c.beta = -1.0f;
    run_gemm_case(c);
    c.parallel = false;
    run_gemm_case(c);
  }
}

TEST_CASE("gemm epilogues", "[gemm][epilogue]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (aotc_cpu::Activation act : kt::kAllActs) {
      for (int variant = 0; variant < 4; ++variant) {
        GemmCase c;
        c.m = 19;
        c.n = 37;
        c.k = 23;
        c.alpha = 2.5f;  // spread values over the activations' interesting range
        c.act = act;
        c.act_a = act == aotc_cpu::Activation::kHardtanh ? -0.5f : 0.1f;
        c.act_b = act == aotc_cpu::Activation::kHardtanh ? 6.0f : 0.0f;
        c.bias = variant == 0 ? BiasKind::kNone : variant == 1 ? BiasKind::kPerRow : BiasKind::kPerCol;
        c.residual = variant >= 2;
        c.res_before = variant == 2;
        c.ct = variant == 3 ? DType::kBF16 : DType::kF32;
        c.parallel = variant == 1;
        run_gemm_case(c);
      }
    }
  }
}

TEST_CASE("activations are accurate over a wide range", "[epilogue]") {
  // C = x (k = 1, B = 1), then the activation: checks the vector math alone.
  const int64_t n = 4001;
  std::vector<float> x(n);
  for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = -20.0f + 40.0f * static_cast<float>(i) / (n - 1);
  x[0] = -90.0f;
  x[1] = 90.0f;
  x[2] = 1e-6f;
  x[3] = -1e-6f;
  x[4] = 0.0f;
  x[5] = 0.6249f;
  x[6] = 0.6251f;
  x[7] = NAN;
  float one = 1.0f;
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (aotc_cpu::Activation act : kt::kAllActs) {
      std::vector<float> y(n);
      aotc_cpu::GemmArgs g;
      g.m = n;
      g.n = 1;
      g.k = 1;
      g.a = x.data();
      g.a_row_stride = 1;
      g.b = &one;
      g.b_row_stride = 1;
      g.c = y.data();
      g.ldc = 1;
      g.epilogue.act = act;
      g.epilogue.act_alpha = act == aotc_cpu::Activation::kHardtanh ? -1.0f : 0.01f;
      g.epilogue.act_beta = 1.0f;
      aotc_cpu::gemm(g, nullptr);
      kt::Checker check(kt::act_name(act));
      for (int64_t i = 0; i < n; ++i) {
        const double want = kt::act_ref(act, x[static_cast<size_t>(i)], g.epilogue.act_alpha, g.epilogue.act_beta);
        // exp(-x^2)-like tails magnify the float rounding of their argument by ~x^2.
        const double xi = x[static_cast<size_t>(i)];
        check(i, y[static_cast<size_t>(i)], want, 4e-6 * std::fabs(want) * std::max(1.0, xi * xi / 16) + 1e-37);
      }
      check.done();
    }
  }
}

// Row operations against float64 loops: softmax / log_softmax, layer_norm /
// rms_norm, group_norm, reductions and cumsum over [outer, n, inner] views
// (innermost and non-last dims), dtypes, NaN / -inf rows, every ISA level.
#include <cmath>
#include <limits>
#include <vector>

#include "test_util.h"

namespace {

using aotc_cpu::DType;
using aotc_cpu::ReduceOp;
using kt::Tensor;

struct View {
  int64_t outer, n, inner;
};
const View kViews[] = {{1, 1, 1},  {3, 7, 1},  {2, 17, 1}, {5, 64, 1}, {2, 129, 1}, {1, 1000, 1},
                       {2, 5, 3},  {3, 9, 17}, {1, 4, 64}, {2, 33, 20}, {4, 1, 9}};

void check_softmax(bool log, DType xt, DType yt, const View& v, bool par) {
  INFO((log ? "log_softmax " : "softmax ") << v.outer << "x" << v.n << "x" << v.inner << " "
                                           << kt::dtype_name(xt) << "->" << kt::dtype_name(yt));
  const int64_t total = v.outer * v.n * v.inner;
  Tensor x = kt::random_tensor(xt, total, -8.0f, 8.0f);
  Tensor y = kt::make_tensor(yt, total);
  (log ? aotc_cpu::log_softmax : aotc_cpu::softmax)(xt, x.data(), yt, y.data(), v.outer, v.n, v.inner,
                                                    par ? &kt::threaded_parallel_for : nullptr);
  kt::Checker check("softmax");
  for (int64_t o = 0; o < v.outer; ++o) {
    for (int64_t i = 0; i < v.inner; ++i) {
      double m = -INFINITY, s = 0.0;
      for (int64_t j = 0; j < v.n; ++j) m = std::max(m, x.at((o * v.n + j) * v.inner + i));
      for (int64_t j = 0; j < v.n; ++j) s += std::exp(x.at((o * v.n + j) * v.inner + i) - m);
      for (int64_t j = 0; j < v.n; ++j) {
        const int64_t k = (o * v.n + j) * v.inner + i;
        const double xv = x.at(k);
        const double want = log ? xv - m - std::log(s) : std::exp(xv - m) / s;
        const double tol = log ? 2e-6 * (std::fabs(xv - m) + std::log(s) + 1) : 2e-6 * want + 1e-12;
        check(k, y.at(k), want, tol + 1.5 * kt::dtype_eps(yt) * std::fabs(want) + kt::dtype_abs(yt));
      }
    }
  }
  check.done();
}

}  // namespace

TEST_CASE("softmax and log_softmax", "[rowops]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (const View& v : kViews) {
      for (bool log : {false, true}) check_softmax(log, DType::kF32, DType::kF32, v, v.outer > 2);
    }
    for (DType t : {DType::kBF16, DType::kF16}) {
      check_softmax(false, t, t, View{3, 37, 1}, false);
      check_softmax(true, t, DType::kF32, View{2, 19, 5}, true);
    }
  }
}

TEST_CASE("softmax edge rows: -inf, NaN, in place", "[rowops]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    const float inf = std::numeric_limits<float>::infinity();
    std::vector<float> x = {-inf, 0.0f, -inf, 1.0f, /*row 2*/ -inf, -inf, -inf, -inf,
                            /*row 3*/ 0.0f, NAN, 1.0f, 2.0f};
    std::vector<float> y(x.size());
    aotc_cpu::softmax(DType::kF32, x.data(), DType::kF32, y.data(), 3, 4, 1, nullptr);
    const double e = std::exp(1.0);
    CHECK(y[0] == 0.0f);
    CHECK(y[1] == Approx(1.0 / (1.0 + e)));
    CHECK(y[3] == Approx(e / (1.0 + e)));
    for (int i = 4; i < 12; ++i) CHECK(std::isnan(y[static_cast<size_t>(i)]));  // as PyTorch
    // In place.
    std::vector<float> z = {1.0f, 2.0f, 3.0f};
    aotc_cpu::softmax(DType::kF32, z.data(), DType::kF32, z.data(), 1, 3, 1, nullptr);
    const double s = std::exp(-2.0) + std::exp(-1.0) + 1.0;
    CHECK(z[0] == Approx(std::exp(-2.0) / s));
    CHECK(z[2] == Approx(1.0 / s));
  }
}

TEST_CASE("layer_norm and rms_norm", "[rowops]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (int64_t n : {1, 7, 16, 17, 100, 768}) {
      for (int variant = 0; variant < 4; ++variant) {
        const DType t = variant == 3 ? DType::kBF16 : DType::kF32;
        const int64_t rows = 5;
        INFO("n " << n << " variant " << variant);
        Tensor x = kt::random_tensor(t, rows * n, -2.0f, 3.0f);
        // A large common offset: the variance must not lose it to cancellation.
        if (variant == 2) {
          for (int64_t i = 0; i < rows * n; ++i) kt::set(x, i, static_cast<float>(x.at(i)) + 100.0f);
        }
        Tensor w = kt::random_tensor(t, n), b = kt::random_tensor(t, n);
        Tensor y = kt::make_tensor(t, rows * n), r = kt::make_tensor(t, rows * n);
        const bool affine = variant != 1;
        aotc_cpu::layer_norm(t, x.data(), t, y.data(), rows, n, affine ? w.data() : nullptr,
                             affine ? b.data() : nullptr, t, 1e-5f, &kt::threaded_parallel_for);
        aotc_cpu::rms_norm(t, x.data(), t, r.data(), rows, n, affine ? w.data() : nullptr, t, 1e-6f, nullptr);
        kt::Checker check("norm");
        for (int64_t row = 0; row < rows; ++row) {
          double mean = 0, var = 0, ms = 0;
          for (int64_t j = 0; j < n; ++j) mean += x.at(row * n + j);
          mean /= n;
          for (int64_t j = 0; j < n; ++j) {
            const double d = x.at(row * n + j) - mean;
            var += d * d;
            ms += x.at(row * n + j) * x.at(row * n + j);
          }
          var /= n;
          ms /= n;
          for (int64_t j = 0; j < n; ++j) {
            const int64_t k = row * n + j;
            const double xn = (x.at(k) - mean) / std::sqrt(var + 1e-5);
            const double want = affine ? xn * w.at(j) + b.at(j) : xn;
            const double scale = affine ? std::fabs(xn * w.at(j)) + std::fabs(b.at(j)) + 1 : std::fabs(xn) + 1;
            check(k, y.at(k), want, 2e-5 * scale * (variant == 2 ? 10 : 1) + 1.5 * kt::dtype_eps(t) * std::fabs(want) + kt::dtype_abs(t));
            const double rn = x.at(k) / std::sqrt(ms + 1e-6) * (affine ? w.at(j) : 1.0);
            check(k, r.at(k), rn, 2e-5 * (std::fabs(rn) + 1) + 1.5 * kt::dtype_eps(t) * std::fabs(rn) + kt::dtype_abs(t));
          }
        }
        check.done();
      }
    }
  }
}

TEST_CASE("group_norm", "[rowops]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    struct G {
      int64_t batch, channels, spatial, groups;
    };
    for (const G& g : {G{2, 6, 5, 3}, G{1, 32, 49, 8}, G{3, 4, 1, 4}, G{2, 4, 17, 1}}) {
      INFO(g.batch << "x" << g.channels << "x" << g.spatial << " groups " << g.groups);
      const int64_t total = g.batch * g.channels * g.spatial;
      Tensor x = kt::random_tensor(DType::kF32, total), w = kt::random_tensor(DType::kF32, g.channels),
             b = kt::random_tensor(DType::kF32, g.channels), y = kt::make_tensor(DType::kF32, total);
      aotc_cpu::group_norm(DType::kF32, x.data(), DType::kF32, y.data(), g.batch, g.channels, g.spatial,
                           g.groups, w.data(), b.data(), DType::kF32, 1e-5f, &kt::threaded_parallel_for);
      kt::Checker check("group_norm");
      const int64_t cpg = g.channels / g.groups;
      for (int64_t n = 0; n < g.batch; ++n) {
        for (int64_t gr = 0; gr < g.groups; ++gr) {
          const int64_t base = (n * g.channels + gr * cpg) * g.spatial, cnt = cpg * g.spatial;
          double mean = 0, var = 0;
          for (int64_t i = 0; i < cnt; ++i) mean += x.at(base + i);
          mean /= cnt;
          for (int64_t i = 0; i < cnt; ++i) var += (x.at(base + i) - mean) * (x.at(base + i) - mean);
          var /= cnt;
          for (int64_t i = 0; i < cnt; ++i) {
            const int64_t c = gr * cpg + i / g.spatial;
            const double xn = (x.at(base + i) - mean) / std::sqrt(var + 1e-5);
            const double want = xn * w.at(c) + b.at(c);
            check(base + i, y.at(base + i), want, 2e-5 * (std::fabs(xn) + 1));
          }
        }
      }
      check.done();
    }
  }
}

TEST_CASE("reductions over innermost and non-last dims", "[rowops]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (const View& v : kViews) {
      for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kMean, ReduceOp::kMax, ReduceOp::kMin, ReduceOp::kVar}) {
        for (int64_t corr : {0, 1}) {
          if (op != ReduceOp::kVar && corr == 1) continue;
          for (DType t : {DType::kF32, DType::kF16}) {
            INFO("op " << static_cast<int>(op) << " " << v.outer << "x" << v.n << "x" << v.inner << " corr " << corr
                       << " " << kt::dtype_name(t));
            const int64_t total = v.outer * v.n * v.inner;
            Tensor x = kt::random_tensor(t, total, -1.0f, 2.0f);
            Tensor y = kt::make_tensor(DType::kF32, v.outer * v.inner);
            aotc_cpu::reduce(op, t, x.data(), DType::kF32, y.data(), v.outer, v.n, v.inner, corr,
                             v.outer > 1 ? &kt::threaded_parallel_for : nullptr);
            kt::Checker check("reduce");
            for (int64_t o = 0; o < v.outer; ++o) {
              for (int64_t i = 0; i < v.inner; ++i) {
                double s = 0, mx = -INFINITY, mn = INFINITY, sa = 0;
                for (int64_t j = 0; j < v.n; ++j) {
                  const double e = x.at((o * v.n + j) * v.inner + i);
                  s += e;
                  sa += std::fabs(e);
                  mx = std::max(mx, e);
                  mn = std::min(mn, e);
                }
                const double mean = s / v.n;
                double ss = 0;
                for (int64_t j = 0; j < v.n; ++j) {
                  const double d = x.at((o * v.n + j) * v.inner + i) - mean;
                  ss += d * d;
                }
                double want = 0, tol = 0;
                switch (op) {
                  case ReduceOp::kSum: want = s; tol = 1e-6 * sa; break;
                  case ReduceOp::kMean: want = mean; tol = 1e-6 * sa / v.n; break;
                  case ReduceOp::kMax: want = mx; break;
                  case ReduceOp::kMin: want = mn; break;
                  case ReduceOp::kVar: {
                    const int64_t d = v.n - corr;
                    want = d > 0 ? ss / d : (ss > 0 ? INFINITY : NAN);
                    tol = 1e-5 * std::fabs(want) + 1e-7;
                    break;
                  }
                }
                check(o * v.inner + i, y.at(o * v.inner + i), want, tol);
              }
            }
            check.done();
          }
        }
      }
    }
  }
}

TEST_CASE("max / min propagate NaN, empty reductions", "[rowops]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    std::vector<float> x(40, 1.0f);
    x[3] = NAN;   // row 0 (innermost)
    x[37] = NAN;  // last row, in the vector tail
    std::vector<float> y(2);
    aotc_cpu::reduce(ReduceOp::kMax, DType::kF32, x.data(), DType::kF32, y.data(), 2, 20, 1, 0, nullptr);
    CHECK(std::isnan(y[0]));
    CHECK(std::isnan(y[1]));
    std::vector<float> z(20);
    aotc_cpu::reduce(ReduceOp::kMin, DType::kF32, x.data(), DType::kF32, z.data(), 1, 2, 20, 0, nullptr);
    CHECK(std::isnan(z[3]));
    CHECK(std::isnan(z[17]));
    CHECK(z[0] == 1.0f);
    std::vector<float> e(3, 5.0f);
    aotc_cpu::reduce(ReduceOp::kSum, DType::kF32, x.data(), DType::kF32, e.data(), 3, 0, 1, 0, nullptr);
    CHECK(e == std::vector<float>(3, 0.0f));
  }
}

TEST_CASE("cumsum", "[rowops]") {
  for (const View& v : kViews) {
    INFO(v.outer << "x" << v.n << "x" << v.inner);
    const int64_t total = v.outer * v.n * v.inner;
    Tensor x = kt::random_tensor(DType::kBF16, total);
    std::vector<float> y(static_cast<size_t>(total));
    aotc_cpu::cumsum(DType::kBF16, x.data(), DType::kF32, y.data(), v.outer, v.n, v.inner, &kt::threaded_parallel_for);
    kt::Checker check("cumsum");
    for (int64_t o = 0; o < v.outer; ++o) {
      for (int64_t i = 0; i < v.inner; ++i) {
        double s = 0;
        for (int64_t j = 0; j < v.n; ++j) {
          const int64_t k = (o * v.n + j) * v.inner + i;
          s += x.at(k);
          check(k, y[static_cast<size_t>(k)], s, 1e-6 * (std::fabs(s) + 1));
        }
      }
    }
    check.done();
  }
}

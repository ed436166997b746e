// Convolutions against direct float64 loops: conv2d (general, grouped,
// depthwise, pointwise, strided / padded / dilated, channels-last input
// views), conv1d and conv_transpose2d, with dtypes and epilogues, serial and
// threaded, on every ISA level.
#include <cmath>
#include <sstream>
#include <vector>

#include "test_util.h"

namespace {

using aotc_cpu::Activation;
using aotc_cpu::DType;
using kt::Tensor;

struct ConvCase {
  int64_t batch = 2, cin = 3, cout = 5, h = 7, w = 9, kh = 3, kw = 3;
  int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1;
  bool channels_last = false;
  DType xt = DType::kF32, wt = DType::kF32, yt = DType::kF32;
  bool bias = false;
  Activation act = Activation::kNone;
  bool residual = false, res_before = true;
  bool parallel = false;

  std::string describe() const {
    std::ostringstream s;
    s << "n" << batch << " cin" << cin << " cout" << cout << " " << h << "x" << w << " k" << kh << "x" << kw
      << " s" << sh << "," << sw << " p" << ph << "," << pw << " d" << dh << "," << dw << " g" << groups
      << (channels_last ? " NHWC-view" : "") << " " << kt::dtype_name(xt) << "/" << kt::dtype_name(wt)
      << "->" << kt::dtype_name(yt) << (bias ? " bias" : "") << " " << kt::act_name(act)
      << (residual ? (res_before ? " res" : " res-after") : "") << (parallel ? " par" : "");
    return s.str();
  }
};

int64_t out_dim(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  return (in + 2 * p - d * (k - 1) - 1) / s + 1;
}

void run_conv_case(const ConvCase& c) {
  INFO(c.describe());
  const int64_t oh = out_dim(c.h, c.kh, c.sh, c.ph, c.dh);
  const int64_t ow = out_dim(c.w, c.kw, c.sw, c.pw, c.dw);
  REQUIRE(oh > 0);
  REQUIRE(ow > 0);
  const int64_t cin_g = c.cin / c.groups, cout_g = c.cout / c.groups;
  Tensor x = kt::random_tensor(c.xt, c.batch * c.cin * c.h * c.w);
  Tensor wt = kt::random_tensor(c.wt, c.cout * cin_g * c.kh * c.kw);
  Tensor bias = kt::random_tensor(DType::kF32, c.cout);
  Tensor res = kt::random_tensor(c.yt, c.batch * c.cout * oh * ow);
  Tensor y = kt::random_tensor(c.yt, c.batch * c.cout * oh * ow);
  // Input strides: NCHW, or an NHWC buffer seen as NCHW.
  int64_t xs[4] = {c.cin * c.h * c.w, c.h * c.w, c.w, 1};
  if (c.channels_last) {
    xs[0] = c.h * c.w * c.cin;
    xs[1] = 1;
    xs[2] = c.w * c.cin;
    xs[3] = c.cin;
  }
  aotc_cpu::Conv2dArgs a;
  a.batch = c.batch;
  a.in_channels = c.cin;
  a.in_h = c.h;
  a.in_w = c.w;
  a.input = x.data();
  a.input_dtype = c.xt;
  if (c.channels_last) {
    for (int i = 0; i < 4; ++i) a.input_strides[i] = xs[i];
  }
  a.out_channels = c.cout;
  a.kernel_h = c.kh;
  a.kernel_w = c.kw;
  a.weight = wt.data();
  a.weight_dtype = c.wt;
  a.stride_h = c.sh;
  a.stride_w = c.sw;
  a.pad_h = c.ph;
  a.pad_w = c.pw;
  a.dilation_h = c.dh;
  a.dilation_w = c.dw;
  a.groups = c.groups;
  a.output = y.data();
  a.output_dtype = c.yt;
  if (c.bias) a.epilogue.bias = bias.data();
  a.epilogue.act = c.act;
  a.epilogue.act_alpha = 0.1f;
  if (c.residual) {
    a.epilogue.residual = res.data();
    a.epilogue.residual_dtype = c.yt;
    a.epilogue.residual_before_act = c.res_before;
  }
  std::vector<float> scratch(aotc_cpu::conv2d_scratch_bytes(a) / 4 + 1);
  aotc_cpu::conv2d(a, scratch.data(), c.parallel ? &kt::threaded_parallel_for : nullptr);

  kt::Checker check("conv2d");
  for (int64_t n = 0; n < c.batch; ++n) {
    for (int64_t oc = 0; oc < c.cout; ++oc) {
      const int64_t g = oc / cout_g;
      for (int64_t i = 0; i < oh; ++i) {
        for (int64_t j = 0; j < ow; ++j) {
          double acc = 0.0, mag = 0.0;
          for (int64_t icl = 0; icl < cin_g; ++icl) {
            for (int64_t ki = 0; ki < c.kh; ++ki) {
              for (int64_t kj = 0; kj < c.kw; ++kj) {
                const int64_t ih = i * c.sh - c.ph + ki * c.dh;
                const int64_t iw = j * c.sw - c.pw + kj * c.dw;
                if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
                const double v = x.at(n * xs[0] + (g * cin_g + icl) * xs[1] + ih * xs[2] + iw * xs[3]) *
                                 wt.at(((oc * cin_g + icl) * c.kh + ki) * c.kw + kj);
                acc += v;
                mag += std::fabs(v);
              }
            }
          }
          if (c.bias) {
            acc += bias.at(oc);
            mag += std::fabs(bias.at(oc));
          }
          const int64_t yi = ((n * c.cout + oc) * oh + i) * ow + j;
          const double r = c.residual ? res.at(yi) : 0.0;
          if (c.residual && c.res_before) acc += r;
          acc = kt::act_ref(c.act, acc, 0.1, 0.0);
          if (c.residual && !c.res_before) acc += r;
          mag += std::fabs(r) + std::fabs(acc);
          check(yi, y.at(yi), acc, 2e-5 * mag + 1.5 * kt::dtype_eps(c.yt) * std::fabs(acc) + kt::dtype_abs(c.yt));
        }
      }
    }
  }
  check.done();
}

}  // namespace

TEST_CASE("conv2d general shapes", "[conv]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (int64_t s : {1, 2}) {
      for (int64_t p : {0, 1}) {
        for (int64_t d : {1, 2}) {
          ConvCase c;
          c.sh = c.sw = s;
          c.ph = c.pw = p;
          c.dh = c.dw = d;
          run_conv_case(c);
        }
      }
    }
    ConvCase odd;  // asymmetric everything, larger than one GEMM tile
    odd.batch = 1;
    odd.cin = 7;
    odd.cout = 17;
    odd.h = 19;
    odd.w = 23;
    odd.kh = 2;
    odd.kw = 5;
    odd.sh = 2;
    odd.sw = 1;
    odd.ph = 1;
    odd.pw = 2;
    odd.dh = 1;
    odd.dw = 2;
    run_conv_case(odd);
    ConvCase tiny;  // kernel larger than the input, all padding
    tiny.h = 2;
    tiny.w = 1;
    tiny.kh = 3;
    tiny.kw = 3;
    tiny.ph = 1;
    tiny.pw = 1;
    run_conv_case(tiny);
    ConvCase one;  // everything 1
    one.batch = one.cin = one.cout = one.h = one.w = one.kh = one.kw = 1;
    run_conv_case(one);
  }
}

TEST_CASE("conv2d grouped, depthwise and pointwise", "[conv]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    ConvCase g;
    g.cin = 4;
    g.cout = 6;
    g.groups = 2;
    g.ph = g.pw = 1;
    run_conv_case(g);
    for (int64_t mult : {1, 2}) {
      for (int64_t s : {1, 2}) {
        for (int64_t d : {1, 2}) {
          ConvCase dw;  // depthwise, wide enough for the vector interior
          dw.cin = 5;
          dw.cout = 5 * mult;
          dw.groups = 5;
          dw.h = 6;
          dw.w = 41;
          dw.sh = dw.sw = s;
          dw.ph = dw.pw = 1;
          dw.dh = dw.dw = d;
          dw.bias = true;
          dw.act = Activation::kRelu;
          dw.parallel = s == 2;
          run_conv_case(dw);
          dw.channels_last = true;
          run_conv_case(dw);
        }
      }
    }
    ConvCase pw;  // 1x1 stride 1: GEMM straight on the input
    pw.cin = 16;
    pw.cout = 7;
    pw.h = 5;
    pw.w = 6;
    pw.kh = pw.kw = 1;
    pw.bias = true;
    run_conv_case(pw);
    pw.groups = 2;
    pw.cout = 8;
    run_conv_case(pw);
    pw.channels_last = true;  // not collapsible: the general path
    run_conv_case(pw);
    pw.channels_last = false;
    pw.sh = pw.sw = 2;  // 1x1 stride 2
    run_conv_case(pw);
  }
}

TEST_CASE("conv2d dtypes, epilogues, threads, channels-last input", "[conv]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (DType t : {DType::kBF16, DType::kF16}) {
      ConvCase c;
      c.xt = c.wt = c.yt = t;
      c.ph = c.pw = 1;
      c.bias = true;
      c.act = Activation::kSilu;
      run_conv_case(c);
      c.yt = DType::kF32;
      c.residual = true;
      run_conv_case(c);
    }
    for (int v = 0; v < 3; ++v) {
      ConvCase c;  // ResNet's pattern at a small size: conv + bias, + residual, relu
      c.batch = 2;
      c.cin = 8;
      c.cout = 16;
      c.h = c.w = 12;
      c.ph = c.pw = 1;
      c.bias = true;
      c.act = v == 2 ? Activation::kHardtanh : Activation::kRelu;
      c.residual = true;
      c.res_before = v != 1;
      c.parallel = true;
      c.channels_last = v == 2;
      run_conv_case(c);
    }
  }
}

TEST_CASE("conv2d with many output channels and a small image (weights shared by the batch)", "[conv]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (bool par : {false, true}) {
      ConvCase c;
      c.batch = 3;
      c.cin = 24;
      c.cout = 260;
      c.h = c.w = 5;
      c.ph = c.pw = 1;
      c.bias = true;
      c.act = Activation::kRelu;
      c.residual = true;
      c.parallel = par;
      run_conv_case(c);
    }
  }
}

TEST_CASE("conv2d with a column buffer larger than one chunk", "[conv]") {
  // 64 * 9 rows of im2col and 64x64 pixels: several chunks per image if chunked.
  ConvCase c;
  c.batch = 1;
  c.cin = 64;
  c.cout = 8;
  c.h = c.w = 64;
  c.ph = c.pw = 1;
  c.parallel = true;
  run_conv_case(c);
}

TEST_CASE("conv1d", "[conv]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (int64_t groups : {1, 3}) {
      const int64_t cin = 6, cout = 9, len = 17, k = 5, s = 2, p = 2, d = 1;
      const int64_t olen = out_dim(len, k, s, p, d);
      Tensor x = kt::random_tensor(DType::kF32, 2 * cin * len);
      Tensor w = kt::random_tensor(DType::kF32, cout * (cin / groups) * k);
      Tensor bias = kt::random_tensor(DType::kF32, cout);
      std::vector<float> y(static_cast<size_t>(2 * cout * olen));
      aotc_cpu::Conv1dArgs a;
      a.batch = 2;
      a.in_channels = cin;
      a.in_len = len;
      a.input = x.data();
      a.out_channels = cout;
      a.kernel = k;
      a.weight = w.data();
      a.stride = s;
      a.pad = p;
      a.dilation = d;
      a.groups = groups;
      a.output = y.data();
      a.epilogue.bias = bias.data();
      std::vector<float> scratch(aotc_cpu::conv1d_scratch_bytes(a) / 4 + 1);
      aotc_cpu::conv1d(a, scratch.data(), nullptr);
      kt::Checker check("conv1d");
      const int64_t cin_g = cin / groups, cout_g = cout / groups;
      for (int64_t n = 0; n < 2; ++n) {
        for (int64_t oc = 0; oc < cout; ++oc) {
          for (int64_t o = 0; o < olen; ++o) {
            double acc = bias.at(oc), mag = std::fabs(acc);
            for (int64_t icl = 0; icl < cin_g; ++icl) {
              for (int64_t t = 0; t < k; ++t) {
                const int64_t i = o * s - p + t * d;
                if (i < 0 || i >= len) continue;
                const double v = x.at((n * cin + oc / cout_g * cin_g + icl) * len + i) * w.at((oc * cin_g + icl) * k + t);
                acc += v;
                mag += std::fabs(v);
              }
            }
            const int64_t yi = (n * cout + oc) * olen + o;
            check(yi, y[static_cast<size_t>(yi)], acc, 2e-5 * mag);
          }
        }
      }
      check.done();
    }
  }
}

TEST_CASE("conv_transpose2d", "[conv]") {
  struct TCase {
    int64_t cin, cout, h, w, kh, kw, s, p, op, d, groups;
    DType t;
  };
  const TCase cases[] = {{4, 6, 5, 4, 3, 3, 2, 1, 1, 1, 1, DType::kF32},
                         {4, 6, 5, 4, 3, 2, 1, 0, 0, 2, 2, DType::kF32},
                         {3, 2, 1, 1, 2, 2, 2, 0, 0, 1, 1, DType::kF32},
                         {4, 4, 6, 7, 4, 4, 2, 1, 0, 1, 4, DType::kBF16}};
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    for (const TCase& c : cases) {
      const int64_t oh = (c.h - 1) * c.s - 2 * c.p + c.d * (c.kh - 1) + c.op + 1;
      const int64_t ow = (c.w - 1) * c.s - 2 * c.p + c.d * (c.kw - 1) + c.op + 1;
      const int64_t cin_g = c.cin / c.groups, cout_g = c.cout / c.groups;
      Tensor x = kt::random_tensor(c.t, 2 * c.cin * c.h * c.w);
      Tensor w = kt::random_tensor(c.t, c.cin * cout_g * c.kh * c.kw);
      Tensor bias = kt::random_tensor(DType::kF32, c.cout);
      Tensor y = kt::random_tensor(c.t, 2 * c.cout * oh * ow);
      aotc_cpu::ConvTranspose2dArgs a;
      a.batch = 2;
      a.in_channels = c.cin;
      a.in_h = c.h;
      a.in_w = c.w;
      a.input = x.data();
      a.input_dtype = c.t;
      a.out_channels = c.cout;
      a.kernel_h = c.kh;
      a.kernel_w = c.kw;
      a.weight = w.data();
      a.weight_dtype = c.t;
      a.stride_h = a.stride_w = c.s;
      a.pad_h = a.pad_w = c.p;
      a.output_pad_h = a.output_pad_w = c.op;
      a.dilation_h = a.dilation_w = c.d;
      a.groups = c.groups;
      a.output = y.data();
      a.output_dtype = c.t;
      a.epilogue.bias = bias.data();
      a.epilogue.act = Activation::kTanh;
      REQUIRE(aotc_cpu::conv_transpose_output_size(c.h, c.kh, c.s, c.p, c.d, c.op) == oh);
      std::vector<float> scratch(aotc_cpu::conv_transpose2d_scratch_bytes(a) / 4 + 1);
      aotc_cpu::conv_transpose2d(a, scratch.data(), &kt::threaded_parallel_for);
      kt::Checker check("conv_transpose2d");
      for (int64_t n = 0; n < 2; ++n) {
        for (int64_t oc = 0; oc < c.cout; ++oc) {
          const int64_t g = oc / cout_g;
          for (int64_t oy = 0; oy < oh; ++oy) {
            for (int64_t ox = 0; ox < ow; ++ox) {
              double acc = bias.at(oc), mag = std::fabs(acc);
              for (int64_t icl = 0; icl < cin_g; ++icl) {
                const int64_t ic = g * cin_g + icl;
                for (int64_t ih = 0; ih < c.h; ++ih) {
                  for (int64_t iw = 0; iw < c.w; ++iw) {
                    for (int64_t ki = 0; ki < c.kh; ++ki) {
                      for (int64_t kj = 0; kj < c.kw; ++kj) {
                        if (ih * c.s - c.p + ki * c.d != oy || iw * c.s - c.p + kj * c.d != ox) continue;
                        const double v = x.at(((n * c.cin + ic) * c.h + ih) * c.w + iw) *
                                         w.at(((ic * cout_g + (oc - g * cout_g)) * c.kh + ki) * c.kw + kj);
                        acc += v;
                        mag += std::fabs(v);
                      }
                    }
                  }
                }
              }
              const double want = std::tanh(acc);
              const int64_t yi = ((n * c.cout + oc) * oh + oy) * ow + ox;
              check(yi, y.at(yi), want, 2e-5 * mag + 1.5 * kt::dtype_eps(c.t) * std::fabs(want) + kt::dtype_abs(c.t));
            }
          }
        }
      }
      check.done();
    }
  }
}

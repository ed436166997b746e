// Convolution and pooling of the reference evaluator against PyTorch's values
// (torch_reference.h), hand-computed cases, and a ResNet-sized timing run.
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "eval_test_util.h"
#include "torch_reference.h"

using namespace aotc;
using namespace aotc::eval_test;

namespace {

NamedAttrs conv_attrs(std::vector<int64_t> stride, std::vector<int64_t> padding,
                      std::vector<int64_t> dilation, int64_t groups = 1, bool transposed = false,
                      std::vector<int64_t> output_padding = {}) {
  return {{"stride", std::move(stride)},
          {"padding", std::move(padding)},
          {"dilation", std::move(dilation)},
          {"transposed", transposed},
          {"output_padding", std::move(output_padding)},
          {"groups", groups}};
}

NamedAttrs max_pool_attrs(std::vector<int64_t> kernel, std::vector<int64_t> stride,
                          std::vector<int64_t> padding, std::vector<int64_t> dilation,
                          bool ceil_mode = false) {
  return {{"kernel_size", std::move(kernel)},
          {"stride", std::move(stride)},
          {"padding", std::move(padding)},
          {"dilation", std::move(dilation)},
          {"ceil_mode", ceil_mode}};
}

NamedAttrs avg_pool_attrs(std::vector<int64_t> kernel, std::vector<int64_t> stride,
                          std::vector<int64_t> padding, bool ceil_mode = false,
                          bool count_include_pad = true) {
  return {{"kernel_size", std::move(kernel)},
          {"stride", std::move(stride)},
          {"padding", std::move(padding)},
          {"ceil_mode", ceil_mode},
          {"count_include_pad", count_include_pad}};
}

}  // namespace

TEST_CASE("convolution matches PyTorch: grouped, strided, dilated, 1-d unbatched, 3-d") {
  namespace r = torch_ref;
  check_close(
      run_op(OpId::Convolution, {det({2, 4, 7, 6}, 42), det({6, 2, 3, 2}, 43), det({6}, 44)},
             conv_attrs({2, 1}, {1, 0}, {1, 2}, 2)),
      {2, 6, 4, 4}, r::conv2d);
  check_close(run_op(OpId::Convolution, {det({3, 10}, 45), det({4, 3, 3}, 46), std::nullopt},
                     conv_attrs({2}, {2}, {2})),
              {4, 5}, r::conv1d_unbatched);
  check_close(
      run_op(OpId::Convolution, {det({1, 2, 4, 5, 3}, 47), det({3, 2, 2, 3, 2}, 48), det({3}, 49)},
             conv_attrs({1}, {1}, {1})),
      {1, 3, 5, 5, 4}, r::conv3d);
}

TEST_CASE("transposed convolution matches PyTorch: groups, stride, output_padding, dilation") {
  namespace r = torch_ref;
  check_close(
      run_op(OpId::Convolution, {det({2, 4, 3, 4}, 50), det({4, 3, 3, 3}, 51), det({6}, 52)},
             conv_attrs({2, 2}, {1, 1}, {1, 1}, 2, true, {1, 1})),
      {2, 6, 6, 8}, r::conv_transpose2d);
  check_close(run_op(OpId::Convolution, {det({1, 2, 5}, 53), det({2, 3, 3}, 54), std::nullopt},
                     conv_attrs({3}, {2}, {2}, 1, true, {1})),
              {1, 3, 14}, r::conv_transpose1d);
}

TEST_CASE("convolution by hand") {
  // 1-d, one channel: [1 2 3 4] * [1 -1] with padding 1 -> [-1, -1, -1, -1, 4].
  const HostTensor x = tensor(DType::Float32, {1, 1, 4}, {1, 2, 3, 4});
  const HostTensor w = tensor(DType::Float32, {1, 1, 2}, {1, -1});
  check_close(run_op(OpId::Convolution, {x, w, std::nullopt}, conv_attrs({1}, {1}, {1})), {1, 1, 5},
              {-1, -1, -1, -1, 4});
  // Transposed, stride 2: each input scatters the kernel [1, 10] two apart.
  const HostTensor wt = tensor(DType::Float32, {1, 1, 2}, {1, 10});
  check_close(run_op(OpId::Convolution, {x, wt, tensor(DType::Float32, {1}, {0.5})},
                     conv_attrs({2}, {0}, {1}, 1, true, {0})),
              {1, 1, 8}, {1.5, 10.5, 2.5, 20.5, 3.5, 30.5, 4.5, 40.5});
}

TEST_CASE("max_pool matches PyTorch: ceil_mode with padding, dilation, 1-d") {
  namespace r = torch_ref;
  const HostTensor mp = det({1, 2, 7, 7}, 55);
  check_close(run_op(OpId::MaxPool, {mp}, max_pool_attrs({3, 3}, {2, 2}, {1, 1}, {1, 1}, true)),
              {1, 2, 4, 4}, r::max_pool2d_ceil);
  check_close(run_op(OpId::MaxPool, {mp}, max_pool_attrs({2, 2}, {1, 2}, {0, 0}, {2, 2})),
              {1, 2, 5, 3}, r::max_pool2d_dilated);
  // An empty stride means stride = kernel.
  check_close(run_op(OpId::MaxPool, {det({2, 9}, 56)}, max_pool_attrs({2}, {}, {0}, {1})), {2, 4},
              r::max_pool1d);
}

TEST_CASE("avg_pool matches PyTorch: ceil_mode, count_include_pad, divisor_override, 1-d, 3-d") {
  namespace r = torch_ref;
  const HostTensor ap = det({1, 2, 7, 6}, 57);
  check_close(run_op(OpId::AvgPool, {ap}, avg_pool_attrs({3, 3}, {2, 2}, {1, 1}, true)),
              {1, 2, 4, 4}, r::avg_pool2d_ceil);
  check_close(run_op(OpId::AvgPool, {ap}, avg_pool_attrs({3, 3}, {2, 2}, {1, 1}, true, false)),
              {1, 2, 4, 4}, r::avg_pool2d_ceil_nopad);
  NamedAttrs divisor = avg_pool_attrs({2, 3}, {2, 2}, {1, 1});
  divisor.push_back({"divisor_override", int64_t{5}});
  check_close(run_op(OpId::AvgPool, {ap}, divisor), {1, 2, 4, 3}, r::avg_pool2d_divisor);
  check_close(run_op(OpId::AvgPool, {det({1, 3, 8}, 58)}, avg_pool_attrs({3}, {}, {0})), {1, 3, 2},
              r::avg_pool1d);
  check_close(run_op(OpId::AvgPool, {det({1, 1, 4, 5, 4}, 59)},
                     avg_pool_attrs({2, 2, 2}, {2, 2, 2}, {1, 1, 1}, true)),
              {1, 1, 3, 3, 3}, r::avg_pool3d);
}

TEST_CASE("pooling by hand: ceil_mode windows and NaN") {
  // x = 1..7, kernel 3, stride 2, padding 1, ceil_mode: the last window [5, 8) holds 6, 7 and
  // padding.
  const HostTensor x = tensor(DType::Float32, {1, 1, 7}, {1, 2, 3, 4, 5, 6, 7});
  check_close(run_op(OpId::AvgPool, {x}, avg_pool_attrs({3}, {2}, {1}, true)), {1, 1, 4},
              {1, 3, 5, 13.0 / 3.0}, 1e-6);
  check_close(run_op(OpId::AvgPool, {x}, avg_pool_attrs({3}, {2}, {1}, true, false)), {1, 1, 4},
              {1.5, 3, 5, 6.5}, 1e-6);
  check_close(run_op(OpId::MaxPool, {x}, max_pool_attrs({3}, {2}, {1}, {1}, true)), {1, 1, 4},
              {2, 4, 6, 7});
  const HostTensor n = tensor(DType::Float32, {1, 4}, {1, std::nan(""), 3, 4});
  HostTensor m = run_op(OpId::MaxPool, {n}, max_pool_attrs({2}, {2}, {0}, {1}));
  CHECK(std::isnan(m.get(0)));
  CHECK(m.get(1) == 4);
}

TEST_CASE("adaptive pooling matches PyTorch") {
  namespace r = torch_ref;
  const HostTensor ad = det({2, 3, 7, 5}, 60);
  check_close(run_op(OpId::AdaptiveAvgPool, {ad}, {{"output_size", ints({3, 2})}}), {2, 3, 3, 2},
              r::adaptive_avg_pool2d);
  check_close(run_op(OpId::AdaptiveMaxPool, {ad}, {{"output_size", ints({4, 3})}}), {2, 3, 4, 3},
              r::adaptive_max_pool2d);
  check_close(run_op(OpId::AdaptiveAvgPool, {det({2, 10}, 61)}, {{"output_size", ints({4})}}),
              {2, 4}, r::adaptive_avg_pool1d);
  // By hand: 5 -> 3 windows [0,2) [1,4) [3,5).
  const HostTensor x = tensor(DType::Float32, {1, 5}, {1, 2, 3, 4, 5});
  check_close(run_op(OpId::AdaptiveAvgPool, {x}, {{"output_size", ints({3})}}), {1, 3},
              {1.5, 3, 4.5});
  check_close(run_op(OpId::AdaptiveMaxPool, {x}, {{"output_size", ints({3})}}), {1, 3}, {2, 4, 5});
}

TEST_CASE("timing: a ResNet-sized 3x3 convolution [2,64,56,56] x [64,64,3,3]") {
  const HostTensor x = det({2, 64, 56, 56}, 1, DType::Float32);
  const HostTensor w = affine(det({64, 64, 3, 3}, 2, DType::Float32), 0.125);
  const auto start = std::chrono::steady_clock::now();
  HostTensor y =
      run_op(OpId::Convolution, {x, w, std::nullopt}, conv_attrs({1, 1}, {1, 1}, {1, 1}));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("reference evaluator: conv [2,64,56,56] x [64,64,3,3] (0.92 GFLOP) took %.3f s\n",
              seconds);
  REQUIRE(y.shape() == ints({2, 64, 56, 56}));
  // A few outputs (corners, edges, interior) against a direct sum.
  for (auto [n, oc, oh, ow] : std::vector<std::array<int64_t, 4>>{
           {0, 0, 0, 0}, {1, 63, 55, 55}, {0, 17, 0, 31}, {1, 5, 28, 0}, {1, 40, 13, 44}}) {
    double want = 0.0;
    for (int64_t ic = 0; ic < 64; ++ic)
      for (int64_t kh = 0; kh < 3; ++kh)
        for (int64_t kw = 0; kw < 3; ++kw) {
          const int64_t ih = oh - 1 + kh, iw = ow - 1 + kw;
          if (ih < 0 || ih >= 56 || iw < 0 || iw >= 56) continue;
          want += x.get(((n * 64 + ic) * 56 + ih) * 56 + iw) *
                  w.get(((oc * 64 + ic) * 3 + kh) * 3 + kw);
        }
    CHECK(y.get(((n * 64 + oc) * 56 + oh) * 56 + ow) == static_cast<float>(want));
  }
}

// Hidden (run with `aotc_eval_tests "[.timing]"`): a whole ResNet-18 at batch 2,
// 224x224, about 3.6 GFLOP, with patterned weights. It shows the evaluator
// stays in seconds on the largest fixture.
TEST_CASE("timing: ResNet-18 forward at batch 2", "[.timing]") {
  Graph g("resnet18");
  int seed = 100;
  Value* x = g.add_input("x", TensorType{DType::Float32, {2, 3, 224, 224}});
  auto add = [&](OpId op, std::vector<Value*> operands, const NamedAttrs& attrs) {
    auto n = build_node(g, op, std::move(operands), attrs);
    if (!n) FAIL(n.error().message);
    return (*n)->result();
  };
  auto conv_bn = [&](Value* in, int64_t cin, int64_t cout, int64_t k, int64_t stride, bool relu) {
    const double scale = 1.0 / std::sqrt(static_cast<double>(cin * k * k));
    Value* w =
        g.add_constant("w", "w", affine(det({cout, cin, k, k}, seed++, DType::Float32), scale));
    Value* y = add(OpId::Convolution, {in, w, nullptr},
                   conv_attrs({stride, stride}, {k / 2, k / 2}, {1, 1}));
    Value* bn_w = g.add_constant("bn_w", "bn_w", affine(pos({cout}, seed++, DType::Float32), 0.25));
    Value* bn_b = g.add_constant("bn_b", "bn_b", affine(det({cout}, seed++, DType::Float32), 0.1));
    Value* mean = g.add_constant("mean", "mean", affine(det({cout}, seed++, DType::Float32), 0.1));
    Value* var = g.add_constant("var", "var", pos({cout}, seed++, DType::Float32));
    y = add(OpId::BatchNorm, {y, bn_w, bn_b, mean, var}, {});
    return relu ? add(OpId::Relu, {y}, {}) : y;
  };
  Value* h = conv_bn(x, 3, 64, 7, 2, true);
  h = add(OpId::MaxPool, {h}, max_pool_attrs({3, 3}, {2, 2}, {1, 1}, {1, 1}));
  int64_t channels = 64;
  for (int64_t width : {64, 128, 256, 512}) {
    for (int block = 0; block < 2; ++block) {
      const int64_t stride = (block == 0 && width != 64) ? 2 : 1;
      Value* shortcut = h;
      if (stride != 1 || channels != width)
        shortcut = conv_bn(h, channels, width, 1, stride, false);
      Value* y = conv_bn(h, channels, width, 3, stride, true);
      y = conv_bn(y, width, width, 3, 1, false);
      h = add(OpId::Relu, {add(OpId::Add, {y, shortcut}, {})}, {});
      channels = width;
    }
  }
  h = add(OpId::AdaptiveAvgPool, {h}, {{"output_size", ints({1, 1})}});
  h = add(OpId::Reshape, {h}, {{"shape", syms({2, 512})}});
  Value* fc_w =
      g.add_constant("fc_w", "fc.weight", affine(det({1000, 512}, seed++, DType::Float32), 0.05));
  Value* fc_b = g.add_constant("fc_b", "fc.bias", det({1000}, seed++, DType::Float32));
  g.add_output(add(OpId::Linear, {h, fc_w, fc_b}, {}));
  REQUIRE(verify(g));

  std::vector<HostTensor> inputs = {det({2, 3, 224, 224}, 1, DType::Float32)};
  const auto start = std::chrono::steady_clock::now();
  auto out = evaluate(g, inputs);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(out);
  std::printf("reference evaluator: ResNet-18 batch 2 (3.6 GFLOP) took %.2f s\n", seconds);
  REQUIRE((*out)[0].shape() == ints({2, 1000}));
  for (int64_t i = 0; i < (*out)[0].numel(); ++i) REQUIRE(std::isfinite((*out)[0].get(i)));
}

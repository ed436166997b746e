// index_select / embedding gather: int32 and int64 indices, negative
// wrapping, out-of-range reporting, any element size.
#include <cstring>
#include <vector>

#include "test_util.h"

TEST_CASE("index_select gathers rows", "[gather]") {
  const int64_t outer = 3, rows = 7, row_elems = 5;
  std::vector<double> src(static_cast<size_t>(outer * rows * row_elems));
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<double>(i) * 1.5;
  const std::vector<int64_t> idx64 = {6, 0, 3, 3, -1, -7};
  const std::vector<int32_t> idx32 = {6, 0, 3, 3, -1, -7};
  for (bool i32 : {false, true}) {
    INFO("int32 indices " << i32);
    std::vector<double> dst(static_cast<size_t>(outer * 6 * row_elems), -5.0);
    const bool ok = aotc_cpu::index_select(src.data(), outer, rows, row_elems, sizeof(double),
                                           i32 ? static_cast<const void*>(idx32.data()) : idx64.data(), i32,
                                           6, true, dst.data(), &kt::threaded_parallel_for);
    CHECK(ok);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t t = 0; t < 6; ++t) {
        const int64_t r = (idx64[static_cast<size_t>(t)] + rows) % rows;
        for (int64_t e = 0; e < row_elems; ++e) {
          CHECK(dst[static_cast<size_t>((o * 6 + t) * row_elems + e)] ==
                src[static_cast<size_t>((o * rows + r) * row_elems + e)]);
        }
      }
    }
  }
}

TEST_CASE("index_select reports bad indices and zero-fills their rows", "[gather]") {
  std::vector<float> table = {1, 2, 3, 4, 5, 6};  // 3 rows of 2
  const std::vector<int64_t> idx = {2, 3, -1};
  std::vector<float> out(6, 9.0f);
  CHECK_FALSE(aotc_cpu::index_select(table.data(), 1, 3, 2, 4, idx.data(), false, 3, false, out.data(), nullptr));
  CHECK(out == std::vector<float>{5, 6, 0, 0, 0, 0});
  CHECK(aotc_cpu::index_select(table.data(), 1, 3, 2, 4, idx.data(), false, 0, false, out.data(), nullptr));
}

TEST_CASE("empty sizes are no-ops and never touch memory", "[empty]") {
  KT_FOR_EACH_ISA(isa) {
    INFO("isa " << aotc_cpu::isa_name(isa));
    std::vector<float> buf(64, 7.0f);
    const std::vector<float> before = buf;
    auto pf = &kt::threaded_parallel_for;
    for (int which = 0; which < 3; ++which) {
      aotc_cpu::GemmArgs g;
      g.batch = which == 0 ? 0 : 1;
      g.m = which == 1 ? 0 : 4;
      g.n = which == 2 ? 0 : 4;
      g.k = 4;
      g.a = g.b = buf.data();
      g.a_row_stride = g.b_row_stride = g.ldc = 4;
      g.c = buf.data() + 32;
      aotc_cpu::gemm(g, pf);
    }
    aotc_cpu::Conv2dArgs c;
    c.batch = 0;
    c.in_channels = 2;
    c.out_channels = 2;
    c.in_h = c.in_w = 3;
    c.input = c.weight = buf.data();
    c.output = buf.data() + 32;
    aotc_cpu::conv2d(c, nullptr, pf);
    c.batch = 1;
    c.kernel_h = c.kernel_w = 5;  // larger than the unpadded input: no output pixels
    aotc_cpu::conv2d(c, nullptr, pf);
    aotc_cpu::Pool2dArgs p;
    p.batch = 0;
    p.channels = 3;
    p.in_h = p.in_w = 4;
    p.input = buf.data();
    p.output = buf.data() + 32;
    aotc_cpu::max_pool2d(p, pf);
    aotc_cpu::avg_pool2d(p, pf);
    aotc_cpu::softmax(aotc_cpu::DType::kF32, buf.data(), aotc_cpu::DType::kF32, buf.data() + 32, 0, 5, 1, pf);
    aotc_cpu::softmax(aotc_cpu::DType::kF32, buf.data(), aotc_cpu::DType::kF32, buf.data() + 32, 3, 0, 1, pf);
    aotc_cpu::layer_norm(aotc_cpu::DType::kF32, buf.data(), aotc_cpu::DType::kF32, buf.data() + 32, 0, 8,
                         nullptr, nullptr, aotc_cpu::DType::kF32, 1e-5f, pf);
    aotc_cpu::AttentionArgs a;
    a.l = 0;
    a.s = a.e = a.ev = 4;
    a.q = a.k = a.v = buf.data();
    a.out = buf.data() + 32;
    aotc_cpu::attention(a, pf);
    CHECK(buf == before);
    // No keys at all: softmax over nothing, the output is zeros.
    a.l = 3;
    a.s = 0;
    aotc_cpu::attention(a, pf);
    for (int i = 32; i < 32 + 12; ++i) CHECK(buf[static_cast<size_t>(i)] == 0.0f);
  }
}

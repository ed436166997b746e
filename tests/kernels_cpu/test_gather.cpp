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

// Matrix products and attention of the reference evaluator against PyTorch's
// values (torch_reference.h) and hand-computed cases.
#include <cmath>

#include "eval_test_util.h"
#include "torch_reference.h"

using namespace aotc;
using namespace aotc::eval_test;

TEST_CASE("matmul: 1-D, 2-D and broadcast batches") {
  namespace r = torch_ref;
  check_close(run_op(OpId::Matmul, {det({5}, 20), det({5}, 21)}), {}, r::matmul_vv);
  check_close(run_op(OpId::Matmul, {det({4}, 22), det({4, 3}, 23)}), {3}, r::matmul_vm);
  check_close(run_op(OpId::Matmul, {det({3, 4}, 24), det({4}, 25)}), {3}, r::matmul_mv);
  check_close(run_op(OpId::Matmul, {det({2, 1, 3, 4}, 26), det({3, 4, 5}, 27)}), {2, 3, 3, 5},
              r::matmul_batched);
  check_close(run_op(OpId::Matmul, {det({2, 3, 4}, 28), det({4}, 29)}), {2, 3}, r::matmul_bv);
}

TEST_CASE("matmul by hand, in float32 and exact int64") {
  const HostTensor a = tensor(DType::Float32, {2, 3}, {1, 2, 3, 4, 5, 6});
  const HostTensor b = tensor(DType::Float32, {3, 2}, {7, 8, 9, 10, 11, 12});
  check_close(run_op(OpId::Matmul, {a, b}), {2, 2}, {58, 64, 139, 154});
  const int64_t kBig = int64_t{1} << 40;
  const HostTensor ia = itensor(DType::Int64, {1, 2}, {kBig, 3});
  const HostTensor ib = itensor(DType::Int64, {2, 1}, {kBig, 1});
  CHECK(ints_of(run_op(OpId::Matmul, {ia, ib})) == ints({3}));  // 2^80 wraps mod 2^64 to 0, plus 3
}

TEST_CASE("linear: x @ W^T + b") {
  namespace r = torch_ref;
  check_close(run_op(OpId::Linear, {det({2, 3, 5}, 30), det({4, 5}, 31), det({4}, 32)}), {2, 3, 4},
              r::linear);
  check_close(run_op(OpId::Linear, {det({5}, 33), det({4, 5}, 34), std::nullopt}), {4},
              r::linear_nobias_1d);
  const HostTensor x = tensor(DType::Float32, {1, 2}, {1, 2});
  const HostTensor w = tensor(DType::Float32, {3, 2}, {1, 0, 0, 1, 1, 1});
  check_close(run_op(OpId::Linear, {x, w, tensor(DType::Float32, {3}, {10, 20, 30})}), {1, 3},
              {11, 22, 33});
}

TEST_CASE("scaled_dot_product_attention matches PyTorch") {
  namespace r = torch_ref;
  const HostTensor q = det({2, 3, 4, 5}, 35), k = det({2, 3, 6, 5}, 36), v = det({2, 3, 6, 7}, 37);
  SECTION("additive float mask broadcast from [L, S], explicit scale") {
    check_close(run_op(OpId::Sdpa, {q, k, v, det({4, 6}, 38)}, {{"scale", 0.3}}), {2, 3, 4, 7},
                r::sdpa_mask_scale);
  }
  SECTION("causal with L < S is top-left aligned, default scale 1/sqrt(E)") {
    check_close(run_op(OpId::Sdpa, {q, k, v, std::nullopt}, {{"is_causal", true}}), {2, 3, 4, 7},
                r::sdpa_causal);
  }
  SECTION("boolean mask (true keeps) broadcast over heads; a fully masked row gives zeros") {
    HostTensor keep = HostTensor::zeros(DType::Bool, {2, 1, 4, 6});
    for (int64_t i = 0; i < keep.numel(); ++i) keep.set_int(i, (i * 5) % 7 != 0);
    for (int64_t j = 0; j < 6; ++j) keep.set_int(((1 * 4) + 2) * 6 + j, 0);  // [1, 0, 2, :]
    HostTensor out = run_op(OpId::Sdpa, {q, k, v, keep});
    check_close(out, {2, 3, 4, 7}, r::sdpa_bool_mask);
  }
  SECTION("grouped-query attention repeats key/value heads") {
    check_close(
        run_op(OpId::Sdpa,
               {det({1, 4, 3, 5}, 39), det({1, 2, 3, 5}, 40), det({1, 2, 3, 5}, 41), std::nullopt},
               {{"enable_gqa", true}}),
        {1, 4, 3, 5}, r::sdpa_gqa);
  }
}

TEST_CASE("scaled_dot_product_attention by hand: causal with L > S, rank 2") {
  // Query rows past the key length see every key; row 0 sees key 0 only.
  const HostTensor q = tensor(DType::Float32, {4, 2}, {1, 1, 1, 1, 1, 1, 1, 1});
  const HostTensor k = tensor(DType::Float32, {2, 2}, {1, 1, 1, 1});
  const HostTensor v = tensor(DType::Float32, {2, 2}, {0, 1, 2, 3});
  check_close(run_op(OpId::Sdpa, {q, k, v, std::nullopt}, {{"is_causal", true}}), {4, 2},
              {0, 1, 1, 2, 1, 2, 1, 2}, 1e-6, 1e-6);
  // With a scale, unequal scores: softmax([2s, 0]) weights.
  const HostTensor q1 = tensor(DType::Float64, {1, 1}, {1});
  const HostTensor k1 = tensor(DType::Float64, {2, 1}, {2, 0});
  const HostTensor v1 = tensor(DType::Float64, {2, 1}, {1, 0});
  const double p = 1.0 / (1.0 + std::exp(-1.0));  // scale 0.5: scores [1, 0]
  check_close(run_op(OpId::Sdpa, {q1, k1, v1, std::nullopt}, {{"scale", 0.5}}), {1, 1}, {p});
}

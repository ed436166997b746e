// DTypes: codes, promotion, half-precision rounding.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "ir/DType.h"

using aotc::DType;
using aotc::PromotionRank;

TEST_CASE("export and c10 codes differ and round-trip") {
  CHECK(aotc::dtype_from_export_code(7) == DType::Float32);
  CHECK(aotc::dtype_from_export_code(13) == DType::BFloat16);
  CHECK(aotc::dtype_from_export_code(12) == DType::Bool);
  CHECK_FALSE(aotc::dtype_from_export_code(10).has_value());  // complex64: unsupported
  CHECK(aotc::c10_code(DType::Float32) == 6);
  CHECK(aotc::c10_code(DType::BFloat16) == 15);
  CHECK(aotc::dtype_from_c10(4) == DType::Int64);
  CHECK(aotc::dtype_from_name("torch.bfloat16") == DType::BFloat16);
}

TEST_CASE("promotion follows torch.result_type") {
  using O = aotc::PromotionOperand;
  auto rt = [](std::vector<O> ops) { return aotc::result_type(ops); };
  CHECK(rt({{DType::Int32, PromotionRank::kDimensioned}, {DType::Float64, PromotionRank::kWrappedNumber}}) ==
        DType::Float32);
  CHECK(rt({{DType::Float16, PromotionRank::kDimensioned}, {DType::Float64, PromotionRank::kWrappedNumber}}) ==
        DType::Float16);
  CHECK(rt({{DType::Int32, PromotionRank::kDimensioned}, {DType::Int64, PromotionRank::kZeroDim}}) == DType::Int32);
  CHECK(rt({{DType::Int32, PromotionRank::kDimensioned}, {DType::Float64, PromotionRank::kZeroDim}}) ==
        DType::Float64);
  CHECK(rt({{DType::Bool, PromotionRank::kDimensioned}, {DType::Int64, PromotionRank::kWrappedNumber}}) ==
        DType::Int64);
  CHECK(rt({{DType::BFloat16, PromotionRank::kDimensioned}, {DType::Float16, PromotionRank::kDimensioned}}) ==
        DType::Float32);
  CHECK(aotc::promote_types(DType::UInt8, DType::Int8) == DType::Int16);
  CHECK(aotc::promote_types(DType::Bool, DType::Float16) == DType::Float16);
}

TEST_CASE("bfloat16 and float16 round to nearest even") {
  CHECK(aotc::bf16_bits_to_float(aotc::float_to_bf16_bits(1.0f)) == 1.0f);
  // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: rounds to even (1).
  CHECK(aotc::bf16_bits_to_float(aotc::float_to_bf16_bits(1.00390625f)) == 1.0f);
  CHECK(aotc::bf16_bits_to_float(aotc::float_to_bf16_bits(1.01171875f)) == 1.015625f);
  CHECK(std::isnan(aotc::bf16_bits_to_float(aotc::float_to_bf16_bits(NAN))));
  CHECK(aotc::fp16_bits_to_float(aotc::float_to_fp16_bits(65504.0f)) == 65504.0f);
  CHECK(std::isinf(aotc::fp16_bits_to_float(aotc::float_to_fp16_bits(70000.0f))));
  CHECK(aotc::fp16_bits_to_float(aotc::float_to_fp16_bits(1.0f / 3.0f)) == Approx(0.33325195f));
  CHECK(aotc::fp16_bits_to_float(aotc::float_to_fp16_bits(5.96046448e-08f)) == 5.96046448e-08f);  // smallest subnormal
}

// Element types and PyTorch's type promotion.
//
// Promotion follows torch.result_type: operands are ranked by priority
// (tensors with dims > zero-dim tensors > wrapped Python numbers); the result
// takes the highest category (bool < integral < floating) present, and within
// that category the promoted type of the operands of the highest priority that
// reach it. A wrapped float with integral tensors gives the default float
// dtype (float32). See promote_types() and result_type().
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace aotc {

enum class DType : uint8_t {
#define AOTC_DTYPE(e, name, size, export_code, c10_code, category) e,
#include "ir/DTypes.def"
};

inline constexpr int kNumDTypes = 10;

std::string_view dtype_name(DType t);
size_t dtype_size(DType t);
bool is_floating(DType t);
bool is_integral(DType t);  ///< integer types, not bool
int dtype_category(DType t);

std::optional<DType> dtype_from_name(std::string_view name);
std::optional<DType> dtype_from_export_code(int64_t code);
int export_code(DType t);
std::optional<DType> dtype_from_c10(int32_t code);
int32_t c10_code(DType t);

/// torch.promote_types for two dtypes.
DType promote_types(DType a, DType b);

/// How an operand takes part in type promotion.
enum class PromotionRank : uint8_t { kWrappedNumber = 0, kZeroDim = 1, kDimensioned = 2 };

struct PromotionOperand {
  DType dtype;
  PromotionRank rank;
};

/// torch.result_type over several operands.
DType result_type(std::span<const PromotionOperand> operands);

/// The type arithmetic is carried out in for a result type (PyTorch's "opmath"):
/// float32 for float16/bfloat16, the type itself otherwise.
DType opmath_type(DType t);

/// Half-precision conversions, bit-exact with PyTorch (round to nearest even).
uint16_t float_to_bf16_bits(float f);
float bf16_bits_to_float(uint16_t b);
uint16_t float_to_fp16_bits(float f);
float fp16_bits_to_float(uint16_t h);

}  // namespace aotc

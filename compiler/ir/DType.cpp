// Element type tables and PyTorch's promotion lattice.
#include "ir/DType.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstring>

namespace aotc {
namespace {

struct DTypeInfo {
  std::string_view name;
  size_t size;
  int export_code;
  int c10_code;
  int category;
};

constexpr std::array<DTypeInfo, kNumDTypes> kInfo = {{
#define AOTC_DTYPE(e, name, size, export_code, c10_code, category) \
  {name, size, export_code, c10_code, category},
#include "ir/DTypes.def"
}};

const DTypeInfo& info(DType t) { return kInfo[static_cast<size_t>(t)]; }

}  // namespace

std::string_view dtype_name(DType t) { return info(t).name; }
size_t dtype_size(DType t) { return info(t).size; }
int dtype_category(DType t) { return info(t).category; }
bool is_floating(DType t) { return info(t).category == 2; }
bool is_integral(DType t) { return info(t).category == 1; }

std::optional<DType> dtype_from_name(std::string_view name) {
  if (name.starts_with("torch.")) name.remove_prefix(6);
  for (int i = 0; i < kNumDTypes; ++i)
    if (kInfo[i].name == name) return static_cast<DType>(i);
  if (name == "float" ) return DType::Float32;
  if (name == "half") return DType::Float16;
  if (name == "double") return DType::Float64;
  if (name == "long") return DType::Int64;
  if (name == "int") return DType::Int32;
  return std::nullopt;
}

std::optional<DType> dtype_from_export_code(int64_t code) {
  for (int i = 0; i < kNumDTypes; ++i)
    if (kInfo[i].export_code == code) return static_cast<DType>(i);
  return std::nullopt;
}

int export_code(DType t) { return info(t).export_code; }

std::optional<DType> dtype_from_c10(int32_t code) {
  for (int i = 0; i < kNumDTypes; ++i)
    if (kInfo[i].c10_code == code) return static_cast<DType>(i);
  return std::nullopt;
}

int32_t c10_code(DType t) { return info(t).c10_code; }

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  using enum DType;
  // Follows c10::promoteTypes for the supported subset.
  auto cat_a = dtype_category(a), cat_b = dtype_category(b);
  if (cat_a != cat_b) return cat_a > cat_b ? a : b;
  if (cat_a == 2) {
    if ((a == Float16 && b == BFloat16) || (a == BFloat16 && b == Float16)) return Float32;
    auto rank = [](DType t) {
      switch (t) {
        case Float16: case BFloat16: return 0;
        case Float32: return 1;
        default: return 2;
      }
    };
    return rank(a) >= rank(b) ? a : b;
  }
  // Integral: uint8 with a signed type promotes to the signed type able to
  // hold both; int8 with uint8 is int16.
  if ((a == UInt8 && b == Int8) || (a == Int8 && b == UInt8)) return Int16;
  auto bits = [](DType t) { return dtype_size(t); };
  if (a == UInt8) return bits(b) > 1 ? b : Int16;
  if (b == UInt8) return bits(a) > 1 ? a : Int16;
  return bits(a) >= bits(b) ? a : b;
}

namespace {

// c10's combine_categories: `higher` comes from the higher-priority operands.
std::optional<DType> combine_categories(std::optional<DType> higher, std::optional<DType> lower) {
  if (!higher) return lower;
  if (!lower) return higher;
  if (is_floating(*higher)) return higher;
  if (*higher == DType::Bool || is_floating(*lower)) return promote_types(*higher, *lower);
  return higher;
}

}  // namespace

DType result_type(std::span<const PromotionOperand> operands) {
  std::array<std::optional<DType>, 3> per_rank{};
  for (const auto& op : operands) {
    DType t = op.dtype;
    // Wrapped Python floats take the default dtype (float32).
    if (op.rank == PromotionRank::kWrappedNumber && is_floating(t)) t = DType::Float32;
    auto& slot = per_rank[static_cast<size_t>(op.rank)];
    slot = slot ? promote_types(*slot, t) : t;
  }
  auto r = combine_categories(per_rank[2], combine_categories(per_rank[1], per_rank[0]));
  return r.value_or(DType::Float32);
}

DType opmath_type(DType t) {
  return (t == DType::Float16 || t == DType::BFloat16) ? DType::Float32 : t;
}

uint16_t float_to_bf16_bits(float f) {
  uint32_t u = std::bit_cast<uint32_t>(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);  // NaN
  uint32_t rounding = 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>((u + rounding) >> 16);
}

float bf16_bits_to_float(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

uint16_t float_to_fp16_bits(float f) {
  // Round-to-nearest-even conversion (same algorithm as c10::detail::fp16_ieee_from_fp32_value).
  const float scale_to_inf = std::bit_cast<float>(0x77800000u);
  const float scale_to_zero = std::bit_cast<float>(0x08800000u);
  float base = (std::fabs(f) * scale_to_inf) * scale_to_zero;
  const uint32_t w = std::bit_cast<uint32_t>(f);
  const uint32_t shl1_w = w + w;
  const uint32_t sign = w & 0x80000000u;
  uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = std::bit_cast<float>((bias >> 1) + 0x07800000u) + base;
  const uint32_t bits = std::bit_cast<uint32_t>(base);
  const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
  const uint32_t mantissa_bits = bits & 0x00000FFFu;
  const uint32_t nonsign = exp_bits + mantissa_bits;
  return static_cast<uint16_t>((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

float fp16_bits_to_float(uint16_t h) {
  const uint32_t w = static_cast<uint32_t>(h) << 16;
  const uint32_t sign = w & 0x80000000u;
  const uint32_t two_w = w + w;
  const uint32_t exp_offset = 0xE0u << 23;
  const float exp_scale = std::bit_cast<float>(0x7800000u);
  const float normalized = std::bit_cast<float>((two_w >> 4) + exp_offset) * exp_scale;
  const uint32_t magic_mask = 126u << 23;
  const float magic_bias = 0.5f;
  const float denormalized = std::bit_cast<float>((two_w >> 17) | magic_mask) - magic_bias;
  const uint32_t denormalized_cutoff = 1u << 27;
  const uint32_t result =
      sign | (two_w < denormalized_cutoff ? std::bit_cast<uint32_t>(denormalized)
                                          : std::bit_cast<uint32_t>(normalized));
  return std::bit_cast<float>(result);
}

}  // namespace aotc

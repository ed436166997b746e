// Typed element access for the library's baseline translation units.
#pragma once

#include <cstdint>

#include "aotc_cpu_kernels.h"

namespace aotc_cpu::detail {

inline float load_f32(const void* p, DType t, int64_t i) {
  switch (t) {
    case DType::kF32: return static_cast<const float*>(p)[i];
    case DType::kBF16: return bf16_to_float(static_cast<const uint16_t*>(p)[i]);
    case DType::kF16: return f16_to_float(static_cast<const uint16_t*>(p)[i]);
  }
  return 0.0f;
}

inline void store_f32(void* p, DType t, int64_t i, float v) {
  switch (t) {
    case DType::kF32: static_cast<float*>(p)[i] = v; return;
    case DType::kBF16: static_cast<uint16_t*>(p)[i] = float_to_bf16(v); return;
    case DType::kF16: static_cast<uint16_t*>(p)[i] = float_to_f16(v); return;
  }
}

inline const void* at(const void* p, DType t, int64_t i) {
  return static_cast<const char*>(p) + i * dtype_size(t);
}
inline void* at(void* p, DType t, int64_t i) { return static_cast<char*>(p) + i * dtype_size(t); }

}  // namespace aotc_cpu::detail

// Reading and writing NumPy .npy files (format versions 1.0 to 3.0).
//
// Little-endian, C-order arrays of the dtypes aotc runs: float32, float64,
// float16, int64, int32, int8, uint8, bool, and bfloat16, which NumPy has no
// type for: it is stored as uint16 bit patterns, or as float32 values when
// AOTC_NPY_BF16_AS_FLOAT32 is given (rounded to nearest even on load).
// Anything else is an error that says what the file holds.
#pragma once

#include <cstdint>
#include <string>

#include "aotc/runtime.h"

namespace aotc::rt {

/// Throws Failure (NOT_FOUND, IO, INVALID_ARGUMENT naming the file).
aotc_tensor* npy_load(const std::string& path, int32_t want_dtype, uint32_t flags);
void npy_save(const std::string& path, const aotc_tensor& tensor, uint32_t flags);

/// bfloat16 <-> float32, round to nearest even (NaN stays NaN).
uint16_t float_to_bf16(float f);
float bf16_to_float(uint16_t b);

}  // namespace aotc::rt

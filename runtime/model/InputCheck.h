// Input checking and output shapes for a model library (see the rules in
// aotc_model.h's banner).
//
// Pure functions over plain views of the inputs, so that they are tested
// directly (tests/runtime/test_input_check.cpp) and the container only has to
// gather the views through the host's tensor functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "aotc_model.h"

namespace aotc_model::rt {

/// What the checker needs to know about one input tensor.
struct TensorView {
  int32_t dtype = 0;
  int32_t device_type = 0;
  int32_t device_index = 0;
  int64_t rank = 0;
  const int64_t* sizes = nullptr;
  const int64_t* strides = nullptr;  ///< null: contiguous
};

/// Checks the inputs against the spec and solves the symbols into `symbols`
/// (spec.num_symbols entries). Returns "" on success, else the refusal: one
/// sentence naming the input, the dimension, what was expected and what was
/// found. `device_type`/`device_index` are the model's.
std::string check_inputs(const ModelSpec& spec, const TensorView* inputs, size_t num_inputs,
                         int32_t device_type, int32_t device_index, int64_t* symbols);

/// Checks a generated spec once, when a container is created, so that a
/// generator bug is a clear error rather than a crash. Returns "" if sound.
std::string validate_spec(const ModelSpec& spec);

/// The sizes of output `index` for solved symbols, into `sizes` (its rank
/// entries). Returns "" on success, else why not (a negative size).
std::string output_sizes(const ModelSpec& spec, size_t index, const int64_t* symbols,
                         int64_t* sizes);

/// "float32" for a c10 dtype code; null if aotc does not know the code.
const char* dtype_name(int32_t dtype);

/// Bytes per element of a c10 dtype code; 0 if unknown.
size_t dtype_size(int32_t dtype);

/// "cpu", "cuda:1", or "device type 7".
std::string device_text(int32_t device_type, int32_t device_index);

/// The dimension as the user sees it: DimSpec::text, else rebuilt from the spec.
std::string dim_text(const ModelSpec& spec, const DimSpec& dim);

}  // namespace aotc_model::rt

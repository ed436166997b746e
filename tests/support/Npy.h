// Test support: reading and writing .npy files as HostTensors, and comparing tensors.
#pragma once

#include <filesystem>
#include <string>

#include "ir/HostTensor.h"
#include "support/Status.h"

namespace aotc::testing {

/// Reads a little-endian, C-order .npy (float64/32/16, int64/32/8, uint8, bool).
Expected<HostTensor> read_npy(const std::filesystem::path& path);

/// ‖a − b‖ / ‖b‖ computed in double (b is the reference); NaN anywhere gives +inf.
double relative_error(const HostTensor& a, const HostTensor& b);

/// The fixture directory (AOTC_FIXTURES_DIR) joined with `rel`.
std::filesystem::path fixture(const std::string& rel);

}  // namespace aotc::testing

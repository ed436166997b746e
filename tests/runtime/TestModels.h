// The hand-written "generated" models of tests/runtime/models as
// PackageWriter inputs: library, source, weights and description. Shared by
// the Catch2 tests and the aotc_test_packages tool (no Catch2 here).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "PackageWriter.h"

namespace aotc::test {

/// The whole file; throws std::runtime_error if it cannot be read.
std::string slurp(const std::filesystem::path& path);

/// Little-endian float32 bytes of `values`, placed at the given byte offsets
/// of a zeroed blob of `size` bytes.
std::string float_blob(size_t size, const std::vector<std::pair<size_t, float>>& values);

/// The affine model (models/affine.cpp) as a package model: library, source,
/// weights {2 at 0, 1 at 64}, and its description.
codegen::PackageModel affine_model();
/// The pair model (models/pair.cpp): no weights.
codegen::PackageModel pair_model();
/// The CUDA model (models/cuda_add.cpp): weights {1 at 0}.
codegen::PackageModel cuda_add_model();

}  // namespace aotc::test

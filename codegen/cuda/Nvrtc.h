// NVRTC, loaded at run time: compiles generated CUDA C++ to cubin or PTX
// in-process, with no GPU, driver or nvcc. aotc finds libnvrtc.so.13 (or the
// toolkit's libnvrtc.so) when a CUDA target is asked for, so a machine without
// the CUDA toolkit still runs aotc for the CPU target.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "support/Status.h"

namespace aotc::codegen {

struct NvrtcResult {
  std::string binary;  ///< cubin bytes, or PTX text
  std::string log;     ///< compiler messages (warnings)
  double seconds = 0.0;
};

/// "13.0"; an error when NVRTC cannot be loaded.
Expected<std::string> nvrtc_version();

/// Compiles `source` with headers (name, text) for `arch` ("sm_90" gives a
/// cubin, "compute_90" PTX). Errors carry NVRTC's log.
Expected<NvrtcResult> nvrtc_compile(const std::string& source, const std::string& name,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    const std::string& arch, const std::vector<std::string>& extra_options = {});

}  // namespace aotc::codegen

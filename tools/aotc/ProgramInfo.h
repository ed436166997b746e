// What `check` and `inspect` read from an exported program without compiling it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "frontend/Frontend.h"

namespace aotc::cli {

/// An exported program, with weights when they are at hand (an archive, or --weights).
struct ProgramSource {
  schema::ExportedProgram program;
  std::optional<LoadedProgram> loaded;  ///< set when weights were available
  std::string path;
};

/// Reads INPUT (a torch.export .pt2 or model.json) with optional weights.
Expected<ProgramSource> read_program_source(const std::string& input, const std::string& weights,
                                            const std::string& model_name);

/// Whether `path` is an aotc package (a zip holding extra/aotc_manifest.json).
bool is_aotc_package(const std::filesystem::path& path);

}  // namespace aotc::cli

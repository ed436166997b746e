// Reading and writing whole files, with errors that name the file.
#pragma once

#include <filesystem>
#include <string>

#include "support/Status.h"

namespace aotc {

/// The whole content of `path`. Errors: missing (kNotFound), a directory or
/// unreadable (kIo).
Expected<std::string> read_file(const std::filesystem::path& path);

/// Up to `n` leading bytes of `path` (fewer if the file is shorter), to tell
/// zip archives from JSON and safetensors.
Expected<std::string> read_file_prefix(const std::filesystem::path& path, size_t n);

/// Writes `bytes` to `path` atomically (a temporary file renamed into place),
/// so readers never see a partial file.
Status write_file(const std::filesystem::path& path, std::string_view bytes);

}  // namespace aotc

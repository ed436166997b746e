// Running external programs (the host C++ compiler) and temporary folders.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "support/Status.h"

namespace aotc {

struct ProcessResult {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr, interleaved
};

/// Runs argv[0] (searched on PATH) with the arguments in `cwd`; never throws.
/// An error means it could not be started; a non-zero exit is a result.
Expected<ProcessResult> run_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd = {});

/// The full path of an executable on PATH (or the argument if it has a '/'), if it exists.
std::optional<std::filesystem::path> find_executable(const std::string& name);

/// A fresh private directory, removed with everything in it when the object dies.
class TempDir {
 public:
  static Expected<TempDir> create(const std::string& prefix = "aotc-");
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

}  // namespace aotc

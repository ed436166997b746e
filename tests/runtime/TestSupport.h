// Helpers shared by the runtime tests: temporary folders, files, and the
// test packages built from the hand-written models in models/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "PackageWriter.h"
#include "TestModels.h"

namespace aotc::test {

/// A fresh folder, removed with everything in it when this goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& bytes);

/// Writes a package holding `models` under root "pkg"; fails the test on error.
std::filesystem::path write_test_package(const std::filesystem::path& path,
                                         std::vector<codegen::PackageModel> models);

}  // namespace aotc::test

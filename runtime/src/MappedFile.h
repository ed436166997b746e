// A whole file mapped read-only, shared by everything that reads a package
// (the zip reader, the model library loader, the weights a model runs on).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace aotc::rt {

class MappedFile {
 public:
  /// Maps `path`; throws Failure (NOT_FOUND, IO) naming the file.
  static std::shared_ptr<const MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace aotc::rt

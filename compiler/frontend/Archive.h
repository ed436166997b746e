// A read-only zip archive, the container of torch.export's .pt2 files.
//
// A thin wrapper over libzip: open, list entries, read an entry whole. Every
// libzip call is checked; a failure comes back as an aotc::Error naming the
// archive, the entry, the libzip call and the aotc source line that made it.
// What the entries of a torch.export archive mean is Pt2Archive.h's business.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "support/Status.h"

struct zip;  // libzip's zip_t

namespace aotc {

class ZipArchive {
 public:
  /// Opens `path` for reading. Errors: missing file, unreadable file, not a
  /// zip archive, inconsistent archive.
  static Expected<ZipArchive> open(const std::filesystem::path& path);

  /// The path as given, for messages.
  const std::string& path() const { return path_; }
  /// Entry names in archive order (directories included, with a trailing '/').
  const std::vector<std::string>& entries() const { return entries_; }
  bool contains(std::string_view name) const { return index_.contains(std::string(name)); }
  /// Uncompressed size of an entry.
  Expected<uint64_t> entry_size(std::string_view name) const;
  /// The whole uncompressed content of an entry.
  Expected<std::string> read(std::string_view name) const;

 private:
  struct Closer {
    void operator()(zip* archive) const;
  };
  ZipArchive() = default;
  Expected<uint64_t> index_of(std::string_view name) const;

  std::unique_ptr<zip, Closer> zip_;
  std::string path_;
  std::vector<std::string> entries_;
  std::unordered_map<std::string, uint64_t> index_;
};

}  // namespace aotc

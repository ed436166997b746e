// A reader for zip archives held in memory (a mapped package file).
//
// libzip cannot say where an entry's data starts in the file, and aotc maps
// weights and model libraries straight from the package, so the runtime reads
// the structure itself: the end of central directory record (and its zip64
// form), the central directory, and each entry's local header. Every offset
// and size is checked against the archive's size, so a truncated or corrupt
// file is an error that says what is wrong, never a read out of bounds.
// Entries are only read in place when stored (method 0), as aotc writes them.
//
// Shared by the runtime (reading packages) and the package writer (checking
// what libzip wrote); failures are ZipError, which each user turns into its
// own error type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace aotc::zip {

/// A malformed archive or a bad request; the message does not name the file.
class ZipError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  ///< 0 stored, 8 deflated, ...
  uint16_t flags = 0;
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
  uint64_t data_offset = 0;  ///< where the entry's data starts in the archive
};

class ZipReader {
 public:
  /// Parses the archive; throws ZipError.
  ZipReader(const uint8_t* data, size_t size);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  /// The entry of that exact name, or null.
  const ZipEntry* find(std::string_view name) const;
  /// The bytes of a stored entry; throws ZipError for a compressed one.
  std::string_view data(const ZipEntry& entry) const;
  /// data(), after checking the entry's CRC-32 (for small entries).
  std::string_view checked_data(const ZipEntry& entry) const;

 private:
  const uint8_t* base_;
  size_t size_;
  std::vector<ZipEntry> entries_;
};

/// The zip CRC-32 of `size` bytes.
uint32_t crc32(const void* data, size_t size);

}  // namespace aotc::zip

// Reading a zip archive in memory; see ZipReader.h. Layout: APPNOTE.TXT 6.3
// sections 4.3.7 (local header), 4.3.12 (central directory), 4.3.14-16
// (zip64 end of central directory and locator), 4.5.3 (zip64 extra field).
#include "ZipReader.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace aotc::zip {
namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kZip64EocdSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kEocdSize = 22;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kZip64EocdSize = 56;
constexpr size_t kCentralSize = 46;
constexpr size_t kLocalSize = 30;

[[noreturn]] void corrupt(const std::string& what) {
  throw ZipError(what);
}

uint16_t u16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
uint32_t u32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
uint64_t u64(const uint8_t* p) {
  return uint64_t{u32(p)} | (uint64_t{u32(p + 4)} << 32);
}

// Whether [offset, offset + length) lies inside [0, size).
bool inside(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

}  // namespace

uint32_t crc32(const void* data, size_t size) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xffffffffu;
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

ZipReader::ZipReader(const uint8_t* data, size_t size) : base_(data), size_(size) {
  if (size < kEocdSize) {
    corrupt("the file is " + std::to_string(size) +
            " bytes, too short to be a zip archive (truncated?)");
  }
  // The end of central directory record is the last thing in the file,
  // followed only by a comment of at most 64 KiB.
  size_t eocd = SIZE_MAX;
  const size_t lowest = size >= kEocdSize + 0xffff ? size - kEocdSize - 0xffff : 0;
  for (size_t pos = size - kEocdSize + 1; pos-- > lowest;) {
    if (u32(data + pos) == kEocdSig && pos + kEocdSize + u16(data + pos + 20) == size) {
      eocd = pos;
      break;
    }
  }
  if (eocd == SIZE_MAX) {
    corrupt("no end of central directory record: the file is truncated or is not a zip archive");
  }
  const uint8_t* e = data + eocd;
  if (u16(e + 4) != 0 || u16(e + 6) != 0) corrupt("multi-disk zip archives are not supported");
  uint64_t count = u16(e + 10);
  uint64_t cd_size = u32(e + 12);
  uint64_t cd_offset = u32(e + 16);
  uint64_t cd_end_limit = eocd;

  if (count == 0xffff || cd_size == 0xffffffffu || cd_offset == 0xffffffffu) {
    if (eocd < kZip64LocatorSize || u32(data + eocd - kZip64LocatorSize) != kZip64LocatorSig) {
      corrupt("the archive needs zip64 records but has no zip64 end of central directory locator");
    }
    const uint64_t z = u64(data + eocd - kZip64LocatorSize + 8);
    if (!inside(z, kZip64EocdSize, eocd - kZip64LocatorSize) || u32(data + z) != kZip64EocdSig) {
      corrupt("the zip64 end of central directory record is missing or out of bounds");
    }
    count = u64(data + z + 32);
    cd_size = u64(data + z + 40);
    cd_offset = u64(data + z + 48);
    cd_end_limit = z;
  }
  if (!inside(cd_offset, cd_size, cd_end_limit)) {
    corrupt("the central directory (" + std::to_string(cd_size) + " bytes at offset " +
            std::to_string(cd_offset) +
            ") lies outside the file: the file is truncated or corrupt");
  }
  if (count > cd_size / kCentralSize)
    corrupt("the central directory claims more entries than it can hold");

  entries_.reserve(static_cast<size_t>(count));
  uint64_t pos = cd_offset;
  const uint64_t cd_end = cd_offset + cd_size;
  for (uint64_t i = 0; i < count; ++i) {
    if (!inside(pos, kCentralSize, cd_end) || u32(data + pos) != kCentralSig) {
      corrupt("central directory entry " + std::to_string(i) + " is corrupt");
    }
    const uint8_t* c = data + pos;
    const size_t name_len = u16(c + 28);
    const size_t extra_len = u16(c + 30);
    const size_t comment_len = u16(c + 32);
    if (!inside(pos + kCentralSize, name_len + extra_len + comment_len, cd_end)) {
      corrupt("central directory entry " + std::to_string(i) + " runs past the directory");
    }
    ZipEntry en;
    en.name.assign(reinterpret_cast<const char*>(c + kCentralSize), name_len);
    en.flags = u16(c + 8);
    en.method = u16(c + 10);
    en.crc32 = u32(c + 16);
    en.compressed_size = u32(c + 20);
    en.uncompressed_size = u32(c + 24);
    en.local_header_offset = u32(c + 42);
    // The zip64 extra field holds, in this order, each 32-bit field that is all ones.
    const uint8_t* x = c + kCentralSize + name_len;
    const uint8_t* x_end = x + extra_len;
    while (x + 4 <= x_end) {
      const uint16_t id = u16(x);
      const uint16_t len = u16(x + 2);
      if (x + 4 + len > x_end) corrupt("entry '" + en.name + "' has a malformed extra field");
      if (id == 0x0001) {
        const uint8_t* v = x + 4;
        const uint8_t* v_end = v + len;
        auto take = [&](uint64_t* field) {
          if (*field != 0xffffffffu) return;
          if (v + 8 > v_end) corrupt("entry '" + en.name + "' has a short zip64 extra field");
          *field = u64(v);
          v += 8;
        };
        take(&en.uncompressed_size);
        take(&en.compressed_size);
        take(&en.local_header_offset);
      }
      x += 4 + len;
    }
    if (en.flags & 0x1) corrupt("entry '" + en.name + "' is encrypted");

    const uint64_t lh = en.local_header_offset;
    if (!inside(lh, kLocalSize, cd_offset) || u32(data + lh) != kLocalHeaderSig) {
      corrupt("the local header of entry '" + en.name + "' is missing or out of bounds (offset " +
              std::to_string(lh) + "): the file is truncated or corrupt");
    }
    const size_t local_name_len = u16(data + lh + 26);
    const size_t local_extra_len = u16(data + lh + 28);
    if (local_name_len != name_len || !inside(lh + kLocalSize, local_name_len, cd_offset) ||
        std::memcmp(data + lh + kLocalSize, en.name.data(), name_len) != 0) {
      corrupt("the local header of entry '" + en.name + "' does not match the central directory");
    }
    en.data_offset = lh + kLocalSize + local_name_len + local_extra_len;
    if (!inside(en.data_offset, en.compressed_size, cd_offset)) {
      corrupt("the data of entry '" + en.name + "' (" + std::to_string(en.compressed_size) +
              " bytes at offset " + std::to_string(en.data_offset) +
              ") lies outside the file: the file is truncated or corrupt");
    }
    entries_.push_back(std::move(en));
    pos += kCentralSize + name_len + extra_len + comment_len;
  }
}

const ZipEntry* ZipReader::find(std::string_view name) const {
  for (const ZipEntry& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::string_view ZipReader::data(const ZipEntry& entry) const {
  if (entry.method != 0) {
    corrupt("entry '" + entry.name + "' is compressed (method " + std::to_string(entry.method) +
            "); aotc packages store every entry uncompressed");
  }
  if (entry.compressed_size != entry.uncompressed_size) {
    corrupt("stored entry '" + entry.name + "' has different compressed and uncompressed sizes");
  }
  return {reinterpret_cast<const char*>(base_ + entry.data_offset),
          static_cast<size_t>(entry.compressed_size)};
}

std::string_view ZipReader::checked_data(const ZipEntry& entry) const {
  std::string_view d = data(entry);
  if (crc32(d.data(), d.size()) != entry.crc32) {
    corrupt("entry '" + entry.name + "' is corrupt (CRC-32 mismatch)");
  }
  return d;
}

}  // namespace aotc::zip

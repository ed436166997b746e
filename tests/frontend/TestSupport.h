// Helpers for the frontend tests: fixture paths, temporary folders, and zip
// and safetensors files written directly (with libzip and by hand), so that
// the archives the tests read are not produced by the code under test.
#pragma once

#include <zip.h>
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace aotc::test {

namespace fs = std::filesystem;

inline fs::path fixture(const std::string& rel) {
  return fs::path(AOTC_FIXTURES_DIR) / rel;
}

/// A fresh folder under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("aotc_frontend_test_" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  fs::path path_;
};

inline void write_file(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

inline std::string read_file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

using Entries = std::vector<std::pair<std::string, std::string>>;

/// Every entry of a zip file, in order, read with libzip directly.
inline Entries read_zip(const fs::path& path) {
  int err = 0;
  zip_t* z = zip_open(path.string().c_str(), ZIP_RDONLY, &err);
  REQUIRE(z != nullptr);
  Entries out;
  zip_int64_t n = zip_get_num_entries(z, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    REQUIRE(zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st) == 0);
    std::string data(st.size, '\0');
    zip_file_t* f = zip_fopen_index(z, static_cast<zip_uint64_t>(i), 0);
    REQUIRE(f != nullptr);
    REQUIRE(zip_fread(f, data.data(), st.size) == static_cast<zip_int64_t>(st.size));
    REQUIRE(zip_fclose(f) == 0);
    out.emplace_back(st.name, std::move(data));
  }
  zip_discard(z);
  return out;
}

/// Writes a zip (stored, like torch's writer) holding `entries`.
inline void write_zip(const fs::path& path, const Entries& entries) {
  fs::create_directories(path.parent_path());
  int err = 0;
  zip_t* z = zip_open(path.string().c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  REQUIRE(z != nullptr);
  for (const auto& [name, data] : entries) {
    zip_source_t* src =
        zip_source_buffer(z, data.data(), data.size(), 0);  // data outlives zip_close
    REQUIRE(src != nullptr);
    zip_int64_t idx = zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8);
    REQUIRE(idx >= 0);
    REQUIRE(zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0) == 0);
  }
  REQUIRE(zip_close(z) == 0);
}

inline const std::string& entry(const Entries& entries, const std::string& name) {
  for (const auto& e : entries)
    if (e.first == name) return e.second;
  FAIL("no entry " << name);
  static std::string none;
  return none;
}

inline void set_entry(Entries& entries, const std::string& name, std::string data) {
  for (auto& e : entries)
    if (e.first == name) {
      e.second = std::move(data);
      return;
    }
  entries.emplace_back(name, std::move(data));
}

inline void remove_entry(Entries& entries, const std::string& name) {
  std::erase_if(entries, [&](const auto& e) { return e.first == name; });
}

inline std::string floats_to_bytes(const std::vector<float>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.data(), s.size());
  return s;
}

inline std::string int64s_to_bytes(const std::vector<int64_t>& v) {
  std::string s(v.size() * 8, '\0');
  std::memcpy(s.data(), v.data(), s.size());
  return s;
}

/// A safetensors file: 8-byte little-endian header length, the JSON header
/// (padded with spaces to a multiple of 8, as the reference writer does), data.
inline std::string safetensors_bytes(const std::string& header_json, const std::string& data) {
  std::string header = header_json;
  while (header.size() % 8 != 0) header += ' ';
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

}  // namespace aotc::test

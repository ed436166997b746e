// The shared pieces: SHA-256 against FIPS 180-4's published vectors, CRC-32
// against the standard check value, and the zip reader on archives written
// by libzip (an independent writer) and on damaged ones.
#include <zip.h>
#include <catch2/catch.hpp>

#include <string>

#include "Sha256.h"
#include "TestSupport.h"
#include "ZipReader.h"

using aotc::test::TempDir;

TEST_CASE("sha256 matches the FIPS 180-4 example vectors") {
  CHECK(aotc::sha256::hex("", 0) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(aotc::sha256::hex("abc", 3) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(aotc::sha256::hex(two_blocks.data(), two_blocks.size()) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // One million 'a', fed in uneven pieces to exercise the buffering.
  aotc::sha256::Hasher h;
  const std::string chunk(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    const size_t n = std::min(left, chunk.size());
    h.update(chunk.data(), n);
    left -= n;
  }
  CHECK(aotc::sha256::to_hex(h.digest()) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("crc32 gives the standard check value") {
  CHECK(aotc::zip::crc32("123456789", 9) == 0xcbf43926u);
}

namespace {

// A small archive written by libzip: one stored entry, one deflated.
std::string libzip_archive(const std::filesystem::path& path) {
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  REQUIRE(za != nullptr);
  static const std::string stored = "hello, stored";
  static const std::string deflated(4096, 'x');
  zip_int64_t a =
      zip_file_add(za, "r/a.txt", zip_source_buffer(za, stored.data(), stored.size(), 0), 0);
  zip_set_file_compression(za, static_cast<zip_uint64_t>(a), ZIP_CM_STORE, 0);
  zip_int64_t b =
      zip_file_add(za, "r/b.txt", zip_source_buffer(za, deflated.data(), deflated.size(), 0), 0);
  zip_set_file_compression(za, static_cast<zip_uint64_t>(b), ZIP_CM_DEFLATE, 9);
  REQUIRE(zip_close(za) == 0);
  return aotc::test::read_file(path);
}

}  // namespace

TEST_CASE("the zip reader reads what libzip wrote") {
  TempDir dir;
  const std::string bytes = libzip_archive(dir / "a.zip");
  aotc::zip::ZipReader zr(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  REQUIRE(zr.entries().size() == 2);
  const aotc::zip::ZipEntry* a = zr.find("r/a.txt");
  REQUIRE(a != nullptr);
  CHECK(zr.checked_data(*a) == "hello, stored");
  const aotc::zip::ZipEntry* b = zr.find("r/b.txt");
  REQUIRE(b != nullptr);
  CHECK(b->method == 8);
  CHECK(b->uncompressed_size == 4096);
  CHECK_THROWS_WITH(zr.data(*b), Catch::Contains("is compressed (method 8)"));
  CHECK(zr.find("r/c.txt") == nullptr);
}

TEST_CASE("the zip reader refuses damaged archives without reading out of bounds") {
  TempDir dir;
  const std::string bytes = libzip_archive(dir / "a.zip");
  // Every prefix of the file: each must be refused (the end record is gone).
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::string cut = bytes.substr(0, n);
    CHECK_THROWS_AS(aotc::zip::ZipReader(reinterpret_cast<const uint8_t*>(cut.data()), cut.size()),
                    aotc::zip::ZipError);
  }
  // Every single byte set to 0xff: parsed or refused, never a crash.
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(0xff);
    try {
      aotc::zip::ZipReader zr(reinterpret_cast<const uint8_t*>(bad.data()), bad.size());
      for (const auto& e : zr.entries()) {
        if (e.method == 0) (void)zr.data(e);
      }
    } catch (const aotc::zip::ZipError&) {
    }
  }
  // A stored entry's CRC is checked.
  std::string bad = bytes;
  const size_t at = bad.find("hello, stored");
  REQUIRE(at != std::string::npos);
  bad[at] = 'j';
  aotc::zip::ZipReader zr(reinterpret_cast<const uint8_t*>(bad.data()), bad.size());
  CHECK_THROWS_WITH(zr.checked_data(*zr.find("r/a.txt")), Catch::Contains("CRC-32 mismatch"));
}

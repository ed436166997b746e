// Helpers shared by the runtime tests; see TestSupport.h.
#include "TestSupport.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace aotc::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string templ = (fs::temp_directory_path() / "aotc-test-XXXXXX").string();
  REQUIRE(::mkdtemp(templ.data()) != nullptr);
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

fs::path write_test_package(const fs::path& path, std::vector<codegen::PackageModel> models) {
  codegen::PackageContents c;
  c.root = "pkg";
  c.aotc_version = "test";
  c.models = std::move(models);
  const Status s = codegen::write_package(path, c);
  INFO((s ? std::string() : s.error().message));
  REQUIRE(s.is_ok());
  return path;
}

}  // namespace aotc::test

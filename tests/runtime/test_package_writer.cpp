// The package writer: layout, stored and 64-byte aligned entries (checked with
// the runtime's zip reader and with Info-ZIP's unzip where installed),
// byte-identical output for identical contents, the manifest and metadata.
#include <catch2/catch.hpp>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "Sha256.h"
#include "TestSupport.h"
#include "ZipReader.h"

using aotc::codegen::Blob;
using aotc::codegen::PackageContents;
using aotc::codegen::PackageModel;
using aotc::test::TempDir;

namespace {

std::vector<aotc::zip::ZipEntry> entries_of(const std::string& bytes) {
  aotc::zip::ZipReader zr(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return zr.entries();
}

std::string entry_text(const std::string& bytes, const std::string& name) {
  aotc::zip::ZipReader zr(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  const aotc::zip::ZipEntry* e = zr.find(name);
  REQUIRE(e != nullptr);
  return std::string(zr.checked_data(*e));
}

// Runs a command and returns its standard output, or nullopt if it failed.
std::optional<std::string> run_command(const std::string& cmd) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  return ::pclose(p) == 0 ? std::optional<std::string>(out) : std::nullopt;
}

}  // namespace

TEST_CASE(
    "the package has AOTInductor's layout under one root, entries stored and 64-byte aligned") {
  TempDir dir;
  const auto path = aotc::test::write_test_package(dir / "p.pt2", {aotc::test::affine_model()});
  const std::string bytes = aotc::test::read_file(path);
  const auto entries = entries_of(bytes);
  std::vector<std::string> names;
  for (const auto& e : entries) {
    names.push_back(e.name);
    CHECK(e.method == 0);
    CHECK(e.data_offset % 64 == 0);
    CHECK(e.compressed_size == e.uncompressed_size);
  }
  CHECK(names == std::vector<std::string>{
                     "pkg/archive_format",
                     "pkg/archive_version",
                     "pkg/.data/version",
                     "pkg/byteorder",
                     "pkg/extra/aotc_manifest.json",
                     "pkg/data/aotinductor/model/affine.wrapper.cpp",
                     "pkg/data/aotinductor/model/affine.wrapper_metadata.json",
                     "pkg/data/aotinductor/model/affine.wrapper.so",
                     "pkg/data/aotinductor/model/affine.weights.bin",
                 });
  CHECK(entry_text(bytes, "pkg/archive_format") == "pt2");
  CHECK(entry_text(bytes, "pkg/archive_version") == "0");
  CHECK(entry_text(bytes, "pkg/.data/version") == "6\n");
  CHECK(entry_text(bytes, "pkg/byteorder") == "little");
  // The library is stored verbatim.
  CHECK(entry_text(bytes, "pkg/data/aotinductor/model/affine.wrapper.so") ==
        aotc::test::read_file(AOTC_TEST_AFFINE_SO));
}

TEST_CASE("Info-ZIP agrees: every entry stored, CRCs intact") {
  TempDir dir;
  const auto path = aotc::test::write_test_package(
      dir / "p.pt2", {aotc::test::affine_model(), aotc::test::pair_model()});
  const auto listing = run_command("unzip -v '" + path.string() + "' 2>/dev/null");
  if (!listing) {
    WARN("unzip is not installed; skipped");
    return;
  }
  std::istringstream lines(*listing);
  std::string line;
  int stored = 0;
  while (std::getline(lines, line)) {
    if (line.find(" pkg/") == std::string::npos) continue;
    CHECK_THAT(line, Catch::Contains("Stored"));
    ++stored;
  }
  CHECK(stored == 12);
  const auto test = run_command("unzip -tq '" + path.string() + "' 2>&1");
  REQUIRE(test.has_value());
  CHECK_THAT(*test, Catch::Contains("No errors detected"));
}

TEST_CASE("identical contents give a byte-identical package") {
  TempDir dir;
  const auto a = aotc::test::write_test_package(
      dir / "a.pt2", {aotc::test::affine_model(), aotc::test::pair_model()});
  const auto b = aotc::test::write_test_package(
      dir / "b.pt2", {aotc::test::affine_model(), aotc::test::pair_model()});
  CHECK(aotc::test::read_file(a) == aotc::test::read_file(b));
  // Different contents differ (the comparison can fail).
  PackageModel changed = aotc::test::affine_model();
  changed.weights = Blob::from_bytes(aotc::test::float_blob(128, {{0, 3.0f}, {64, 1.0f}}));
  const auto c = aotc::test::write_test_package(dir / "c.pt2", {changed, aotc::test::pair_model()});
  CHECK(aotc::test::read_file(a) != aotc::test::read_file(c));
}

TEST_CASE("the manifest records every file's size and sha256, and the model's description") {
  TempDir dir;
  const auto path = aotc::test::write_test_package(dir / "p.pt2", {aotc::test::affine_model()});
  const std::string bytes = aotc::test::read_file(path);
  const auto m = nlohmann::json::parse(entry_text(bytes, "pkg/extra/aotc_manifest.json"));
  CHECK(m["format"] == "aotc-package");
  CHECK(m["format_version"] == 1);
  CHECK(m["aotc_version"] == "test");
  REQUIRE(m["models"].size() == 1);
  const auto& model = m["models"][0];
  CHECK(model["name"] == "model");
  CHECK(model["target"] == "cpu");
  const std::string lib = aotc::test::read_file(AOTC_TEST_AFFINE_SO);
  CHECK(model["files"]["library"]["name"] == "affine.wrapper.so");
  CHECK(model["files"]["library"]["size"] == lib.size());
  CHECK(model["files"]["library"]["sha256"] == aotc::sha256::hex(lib.data(), lib.size()));
  CHECK(model["files"]["weights"]["size"] == 128);
  for (const char* f : {"wrapper", "metadata", "library", "weights"}) {
    const std::string name = model["files"][f]["name"];
    const std::string data = entry_text(bytes, "pkg/data/aotinductor/model/" + name);
    CHECK(model["files"][f]["size"] == data.size());
    CHECK(model["files"][f]["sha256"] == aotc::sha256::hex(data.data(), data.size()));
  }
  CHECK(model["inputs"][0]["name"] == "x");
  CHECK(model["inputs"][0]["dtype"] == "float32");
  CHECK(model["inputs"][0]["shape"] == nlohmann::json::array({"s0", "4"}));
  CHECK(model["symbols"][0] == nlohmann::json({{"name", "s0"}, {"min", 1}, {"max", 64}}));
  CHECK(model["kernels"][0]["kernel"] == "cpu_loop");

  // AOTInductor's metadata: string values only, the device key first of all.
  const auto meta = nlohmann::json::parse(
      entry_text(bytes, "pkg/data/aotinductor/model/affine.wrapper_metadata.json"));
  CHECK(meta["AOTI_DEVICE_KEY"] == "cpu");
  for (const auto& [k, v] : meta.items()) CHECK(v.is_string());
}

TEST_CASE("large files stream from disk and stay aligned") {
  TempDir dir;
  PackageModel m = aotc::test::affine_model();
  std::string big(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + 7);
  aotc::test::write_file(dir / "big.bin", big);
  m.extra_files.emplace_back("kernels.cubin", Blob::from_file(dir / "big.bin"));
  m.extra_files.emplace_back("a.cubin", Blob::from_bytes("tiny"));
  const auto path = aotc::test::write_test_package(dir / "p.pt2", {m});
  const std::string bytes = aotc::test::read_file(path);
  for (const auto& e : entries_of(bytes)) CHECK(e.data_offset % 64 == 0);
  CHECK(entry_text(bytes, "pkg/data/aotinductor/model/kernels.cubin") == big);
  CHECK(entry_text(bytes, "pkg/data/aotinductor/model/a.cubin") == "tiny");
}

TEST_CASE("the writer refuses contents it cannot lay out") {
  TempDir dir;
  PackageContents c;
  CHECK_FALSE(aotc::codegen::write_package(dir / "x.pt2", c).is_ok());  // no models
  PackageModel m = aotc::test::affine_model();
  m.name = "a/b";
  c.models = {m};
  auto s = aotc::codegen::write_package(dir / "x.pt2", c);
  REQUIRE_FALSE(s.is_ok());
  CHECK_THAT(s.error().message, Catch::Contains("model name 'a/b' is not a plain name"));
  c.models = {aotc::test::affine_model(), aotc::test::affine_model()};
  s = aotc::codegen::write_package(dir / "x.pt2", c);
  REQUIRE_FALSE(s.is_ok());
  CHECK_THAT(s.error().message, Catch::Contains("two models are named 'model'"));
  m = aotc::test::affine_model();
  m.target = "tpu";
  c.models = {m};
  s = aotc::codegen::write_package(dir / "x.pt2", c);
  REQUIRE_FALSE(s.is_ok());
  CHECK_THAT(s.error().message, Catch::Contains("target 'tpu' is neither cpu nor cuda"));
  m = aotc::test::affine_model();
  m.weights = Blob::from_file(dir / "missing.bin");
  c.models = {m};
  s = aotc::codegen::write_package(dir / "x.pt2", c);
  REQUIRE_FALSE(s.is_ok());
  CHECK_THAT(s.error().message, Catch::Contains("missing.bin"));
}

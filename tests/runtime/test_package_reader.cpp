// The runtime's refusals at load time: every damaged, foreign, newer or
// unrunnable package gives a status and a sentence, never a crash.
#include <dlfcn.h>
#include <zip.h>
#include <catch2/catch.hpp>

#include <random>

#include "TestSupport.h"
#include "ZipReader.h"
#include "aotc/runtime.hpp"

using aotc::test::TempDir;

namespace {

struct LoadResult {
  aotc_status status = AOTC_OK;
  std::string message;
};

LoadResult try_load(const std::filesystem::path& path, const aotc::LoadOptions& options = {}) {
  try {
    aotc::Model m = aotc::Model::load(path.string(), options);
    return {};
  } catch (const aotc::RuntimeError& e) {
    return {e.status(), e.what()};
  }
}

// A zip of the given (name, contents) entries, stored unless `deflate` names one.
void write_zip(const std::filesystem::path& path,
               const std::vector<std::pair<std::string, std::string>>& entries,
               const std::string& deflate = "") {
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  REQUIRE(za != nullptr);
  for (const auto& [name, data] : entries) {
    const zip_int64_t i =
        zip_file_add(za, name.c_str(), zip_source_buffer(za, data.data(), data.size(), 0), 0);
    REQUIRE(i >= 0);
    zip_set_file_compression(za, static_cast<zip_uint64_t>(i),
                             name == deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
  }
  REQUIRE(zip_close(za) == 0);
}

std::string manifest_with_version(int version) {
  return R"({"format": "aotc-package", "format_version": )" + std::to_string(version) +
         R"(, "aotc_version": "9.9.9", "models": []})";
}

}  // namespace

TEST_CASE("a missing file, a foreign zip and a foreign .pt2 are refused clearly") {
  TempDir dir;
  auto r = try_load(dir / "nope.pt2");
  CHECK(r.status == AOTC_ERROR_NOT_FOUND);
  CHECK_THAT(r.message, Catch::Contains("nope.pt2") && Catch::Contains("No such file"));

  aotc::test::write_file(dir / "text.pt2", "this is not a zip file at all, but it is long enough");
  r = try_load(dir / "text.pt2");
  CHECK(r.status == AOTC_ERROR_INVALID_PACKAGE);
  CHECK_THAT(r.message, Catch::Contains("no end of central directory record"));

  write_zip(dir / "flat.pt2", {{"archive_format", "pt2"}});
  r = try_load(dir / "flat.pt2");
  CHECK(r.status == AOTC_ERROR_INVALID_PACKAGE);
  CHECK_THAT(r.message, Catch::Contains("not under one root folder"));

  write_zip(dir / "torch.pt2",
            {{"p/archive_format", "pt2"}, {"p/archive_version", "0"}, {"p/.data/version", "6\n"}});
  r = try_load(dir / "torch.pt2");
  CHECK(r.status == AOTC_ERROR_INVALID_PACKAGE);
  CHECK_THAT(r.message, Catch::Contains("no extra/aotc_manifest.json, so it was not made by aotc"));

  write_zip(dir / "fmt.pt2", {{"p/archive_format", "zip"}, {"p/archive_version", "0"}});
  r = try_load(dir / "fmt.pt2");
  CHECK_THAT(r.message, Catch::Contains("archive_format is 'zip', expected 'pt2'"));

  write_zip(dir / "ver.pt2", {{"p/archive_format", "pt2"}, {"p/archive_version", "1"}});
  r = try_load(dir / "ver.pt2");
  CHECK(r.status == AOTC_ERROR_UNSUPPORTED);
  CHECK_THAT(r.message, Catch::Contains("archive_version is '1'"));
}

TEST_CASE("a newer manifest format_version is refused, naming both versions") {
  TempDir dir;
  write_zip(dir / "new.pt2", {{"p/archive_format", "pt2"},
                              {"p/archive_version", "0"},
                              {"p/extra/aotc_manifest.json", manifest_with_version(2)}});
  const auto r = try_load(dir / "new.pt2");
  CHECK(r.status == AOTC_ERROR_UNSUPPORTED);
  CHECK_THAT(r.message,
             Catch::Contains(
                 "manifest format version 2 (written by aotc 9.9.9), newer than the version 1"));

  write_zip(dir / "bad.pt2",
            {{"p/archive_format", "pt2"},
             {"p/archive_version", "0"},
             {"p/extra/aotc_manifest.json", R"({"format": "aotc-package", "format_version": 1})"}});
  const auto b = try_load(dir / "bad.pt2");
  CHECK(b.status == AOTC_ERROR_INVALID_PACKAGE);
  CHECK_THAT(b.message, Catch::Contains("the manifest is malformed at $: missing \"models\""));
}

TEST_CASE("a compressed entry is refused") {
  TempDir dir;
  const auto good = aotc::test::write_test_package(dir / "good.pt2", {aotc::test::affine_model()});
  const std::string bytes = aotc::test::read_file(good);
  aotc::zip::ZipReader zr(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& e : zr.entries()) entries.emplace_back(e.name, std::string(zr.data(e)));
  write_zip(dir / "deflated.pt2", entries, "pkg/data/aotinductor/model/affine.wrapper.so");
  const auto r = try_load(dir / "deflated.pt2");
  CHECK(r.status == AOTC_ERROR_INVALID_PACKAGE);
  CHECK_THAT(r.message, Catch::Contains("affine.wrapper.so' is compressed (method 8)"));
}

TEST_CASE("a truncated package is refused at every cut") {
  TempDir dir;
  const auto good = aotc::test::write_test_package(dir / "good.pt2", {aotc::test::affine_model()});
  const std::string bytes = aotc::test::read_file(good);
  REQUIRE(try_load(good).status == AOTC_OK);
  std::vector<size_t> cuts = {0,
                              1,
                              21,
                              22,
                              100,
                              1000,
                              bytes.size() / 3,
                              bytes.size() / 2,
                              bytes.size() - 100,
                              bytes.size() - 22,
                              bytes.size() - 1};
  for (size_t cut : cuts) {
    aotc::test::write_file(dir / "cut.pt2", bytes.substr(0, cut));
    const auto r = try_load(dir / "cut.pt2");
    INFO("cut at " << cut << ": " << r.message);
    CHECK(r.status == AOTC_ERROR_INVALID_PACKAGE);
    CHECK_THAT(r.message, Catch::Contains("cut.pt2") && Catch::Contains("truncated"));
  }
  // The end record kept, the middle gone: offsets now point past the data.
  const std::string holed = bytes.substr(0, bytes.size() / 2) + bytes.substr(bytes.size() - 400);
  aotc::test::write_file(dir / "holed.pt2", holed);
  const auto r = try_load(dir / "holed.pt2");
  CHECK(r.status == AOTC_ERROR_INVALID_PACKAGE);
  CHECK_THAT(r.message, Catch::Contains("truncated or corrupt"));
}

TEST_CASE("random damage is refused or harmless, never a crash") {
  TempDir dir;
  const auto good = aotc::test::write_test_package(dir / "good.pt2", {aotc::test::affine_model()});
  const std::string bytes = aotc::test::read_file(good);
  std::mt19937 rng(1234);
  // Damage the zip structure (the first kilobyte and the central directory at
  // the end), where every byte matters to the reader.
  for (int i = 0; i < 200; ++i) {
    std::string bad = bytes;
    const size_t region = i % 2 == 0 ? 1024 : 700;
    const size_t at = i % 2 == 0 ? rng() % region : bytes.size() - 1 - rng() % region;
    bad[at] = static_cast<char>(bad[at] ^ (1 + rng() % 255));
    aotc::test::write_file(dir / "bad.pt2", bad);
    const auto r = try_load(dir / "bad.pt2");
    if (r.status != AOTC_OK) CHECK_FALSE(r.message.empty());
  }
}

TEST_CASE("corrupted library bytes fail the sha256 check") {
  TempDir dir;
  const auto good = aotc::test::write_test_package(dir / "good.pt2", {aotc::test::affine_model()});
  std::string bytes = aotc::test::read_file(good);
  aotc::zip::ZipReader zr(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  const auto* lib = zr.find("pkg/data/aotinductor/model/affine.wrapper.so");
  REQUIRE(lib != nullptr);
  bytes[lib->data_offset + lib->compressed_size / 2] ^= 0x5a;
  aotc::test::write_file(dir / "bad.pt2", bytes);
  const auto r = try_load(dir / "bad.pt2");
  CHECK(r.status == AOTC_ERROR_INVALID_PACKAGE);
  CHECK_THAT(r.message,
             Catch::Contains("the model library affine.wrapper.so is corrupt (its sha256 is"));

  // Damaged weights pass by default (not read at load) but not with verify_weights.
  std::string wbytes = aotc::test::read_file(good);
  const auto* w = zr.find("pkg/data/aotinductor/model/affine.weights.bin");
  wbytes[w->data_offset + 3] ^= 0x01;
  aotc::test::write_file(dir / "badw.pt2", wbytes);
  CHECK(try_load(dir / "badw.pt2").status == AOTC_OK);
  aotc::LoadOptions verify;
  verify.verify_weights = true;
  const auto rw = try_load(dir / "badw.pt2", verify);
  CHECK(rw.status == AOTC_ERROR_INVALID_PACKAGE);
  CHECK_THAT(rw.message, Catch::Contains("the weights affine.weights.bin are corrupt"));
}

TEST_CASE("a missing model name lists the models present") {
  TempDir dir;
  const auto p = aotc::test::write_test_package(
      dir / "p.pt2", {aotc::test::affine_model(), aotc::test::pair_model()});
  aotc::LoadOptions o;
  o.model_name = "encoder";
  const auto r = try_load(p, o);
  CHECK(r.status == AOTC_ERROR_NOT_FOUND);
  CHECK_THAT(r.message, Catch::Contains("has no model 'encoder'; it has 'model', 'pair'"));
}

TEST_CASE("a cuda package on a machine without a usable GPU is refused, naming why") {
  if (void* cuda = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) {
    ::dlclose(cuda);
    WARN("this machine has a CUDA driver; the GPU-less refusal is not tested here");
    return;
  }
  TempDir dir;
  const auto p = aotc::test::write_test_package(dir / "p.pt2", {aotc::test::cuda_add_model()});
  const auto r = try_load(p);
  CHECK(r.status == AOTC_ERROR_UNSUPPORTED);
  CHECK_THAT(r.message, Catch::Contains("targets CUDA, but this machine cannot run it") &&
                            Catch::Contains("libcuda.so.1"));
  aotc::LoadOptions cpu;
  cpu.device = "cpu";
  const auto c = try_load(p, cpu);
  CHECK(c.status == AOTC_ERROR_INVALID_ARGUMENT);
  CHECK_THAT(c.message, Catch::Contains("was compiled for cuda; it cannot run on the cpu"));
}

TEST_CASE("a cpu package cannot be sent to a GPU, and unknown devices are refused") {
  TempDir dir;
  const auto p = aotc::test::write_test_package(dir / "p.pt2", {aotc::test::affine_model()});
  aotc::LoadOptions o;
  o.device = "cuda:0";
  auto r = try_load(p, o);
  CHECK(r.status == AOTC_ERROR_INVALID_ARGUMENT);
  CHECK_THAT(r.message, Catch::Contains("was compiled for cpu; it cannot run on cuda:0"));
  o.device = "tpu";
  r = try_load(p, o);
  CHECK_THAT(r.message, Catch::Contains("unknown device 'tpu'"));
}

TEST_CASE("the manifest can be read without loading a model") {
  TempDir dir;
  const auto p = aotc::test::write_test_package(dir / "p.pt2", {aotc::test::affine_model()});
  const std::string m = aotc::read_package_manifest(p.string());
  CHECK_THAT(m, Catch::Contains("\"format\": \"aotc-package\""));
}

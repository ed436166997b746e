// Weights: the four --weights sources agree on the mlp fixture; strided and
// offset views of shared storage; safetensors validation.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "TestSupport.h"
#include "frontend/Frontend.h"
#include "frontend/Weights.h"

using aotc::DType;
using aotc::ErrorCode;
using namespace aotc::test;

namespace {

aotc::WeightMap weights_ok(const fs::path& input,
                           const std::optional<fs::path>& weights = std::nullopt) {
  auto r = aotc::load_program(input, weights);
  if (!r) FAIL(r.error().message);
  return std::move(r).value().weights;
}

void require_same(const aotc::WeightMap& a, const aotc::WeightMap& b) {
  REQUIRE(a.size() == b.size());
  for (const auto& [name, t] : a) {
    INFO(name);
    REQUIRE(b.contains(name));
    const auto& u = b.at(name);
    CHECK(t.dtype() == u.dtype());
    CHECK(t.shape() == u.shape());
    REQUIRE(t.nbytes() == u.nbytes());
    CHECK(std::memcmp(t.data(), u.data(), t.nbytes()) == 0);
  }
}

// A weights config entry for a float32/int64 tensor with the given view.
std::string config_entry(const std::string& fqn, const std::string& file, int dtype,
                         const std::vector<int>& sizes, const std::vector<int>& strides,
                         int offset) {
  auto sym_list = [](const std::vector<int>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i)
      s += (i ? ", " : "") + std::string(R"({"as_int": )") + std::to_string(v[i]) + "}";
    return s + "]";
  };
  return "\"" + fqn + R"(": {"path_name": ")" + file +
         R"(", "is_param": false, "use_pickle": false, "tensor_meta": {"dtype": )" +
         std::to_string(dtype) + R"(, "sizes": )" + sym_list(sizes) +
         R"(, "requires_grad": false, "device": {"type": "cpu", "index": null}, "strides": )" +
         sym_list(strides) + R"(, "storage_offset": {"as_int": )" + std::to_string(offset) +
         R"(}, "layout": 7}})";
}

std::vector<double> values(const aotc::HostTensor& t) {
  std::vector<double> out;
  for (int64_t i = 0; i < t.numel(); ++i) out.push_back(t.get(i));
  return out;
}

}  // namespace

TEST_CASE("all four weights sources give identical tensors for mlp") {
  const auto archive = fixture("mlp/model.pt2");
  const auto json = fixture("mlp/model.json");
  auto from_archive = weights_ok(archive);
  REQUIRE(from_archive.size() == 4);
  CHECK(from_archive.at("fc1.weight").get(0) == Approx(-0.297899693).epsilon(1e-7));

  SECTION("another torch.export archive") {
    require_same(from_archive, weights_ok(json, archive));
  }

  Entries entries = read_zip(archive);
  TempDir tmp;
  SECTION("a flat folder") {
    for (const auto& [name, data] : entries)
      if (name.starts_with("model/data/weights/") || name.starts_with("model/data/constants/"))
        write_file(tmp / fs::path(name).filename().string(), data);
    require_same(from_archive, weights_ok(json, tmp.path()));
  }
  SECTION("an unzipped archive, with and without its root folder") {
    for (const auto& [name, data] : entries) write_file(tmp / ("with_root/" + name), data);
    require_same(from_archive, weights_ok(json, tmp / "with_root"));
    require_same(from_archive, weights_ok(json, tmp / "with_root/model"));
  }
  SECTION("a safetensors file written here from the raw weight files") {
    // config FQN -> weight file, as the fixture's config says (checked by from_archive's shapes).
    const std::vector<std::tuple<std::string, std::string, std::string>> tensors = {
        {"fc1.weight", "weight_0", "[16, 10]"},
        {"fc1.bias", "weight_1", "[16]"},
        {"fc2.weight", "weight_2", "[1, 16]"},
        {"fc2.bias", "weight_3", "[1]"}};
    std::string header = R"({"__metadata__": {"format": "pt"})", data;
    for (const auto& [fqn, file, shape] : tensors) {
      const std::string& bytes = entry(entries, "model/data/weights/" + file);
      header += ", \"" + fqn + R"(": {"dtype": "F32", "shape": )" + shape +
                R"(, "data_offsets": [)" + std::to_string(data.size()) + ", " +
                std::to_string(data.size() + bytes.size()) + "]}";
      data += bytes;
    }
    header += "}";
    write_file(tmp / "mlp.safetensors", safetensors_bytes(header, data));
    require_same(from_archive, weights_ok(json, tmp / "mlp.safetensors"));
    // The same file with a name that does not say what it is: sniffed from its header.
    fs::copy_file(tmp / "mlp.safetensors", tmp / "mlp.bin");
    require_same(from_archive, weights_ok(json, tmp / "mlp.bin"));
  }
}

TEST_CASE("strided views and storage offsets into shared files") {
  // weight_0: float32 storage 0..11; weight_1: empty; weight_2: int64 storage 0..6.
  std::vector<float> f(12);
  for (int i = 0; i < 12; ++i) f[static_cast<size_t>(i)] = static_cast<float>(i);
  const std::string config = "{\"config\": {" +
                             config_entry("a", "weight_0", 7, {3, 4}, {4, 1}, 0) + ", " +
                             config_entry("t", "weight_0", 7, {4, 3}, {1, 4}, 0) + ", " +
                             config_entry("v", "weight_0", 7, {2, 2}, {4, 1}, 5) + ", " +
                             config_entry("s", "weight_0", 7, {}, {}, 11) + ", " +
                             config_entry("bcast", "weight_0", 7, {2, 3}, {0, 1}, 1) + ", " +
                             config_entry("e", "weight_1", 7, {2, 3}, {3, 1}, 0) + ", " +
                             config_entry("i", "weight_2", 5, {3}, {2}, 1) + "}}";
  auto check = [](const aotc::WeightMap& w) {
    REQUIRE(w.size() == 7);
    CHECK(values(w.at("a")) == std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    CHECK(w.at("t").shape() == std::vector<int64_t>{4, 3});
    // t[i][j] = storage[i + 4 j]
    CHECK(values(w.at("t")) == std::vector<double>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
    CHECK(values(w.at("v")) == std::vector<double>{5, 6, 9, 10});
    CHECK(w.at("s").shape().empty());
    CHECK(values(w.at("s")) == std::vector<double>{11});
    CHECK(values(w.at("bcast")) == std::vector<double>{1, 2, 3, 1, 2, 3});
    CHECK(w.at("e").shape() == std::vector<int64_t>{2, 3});
    CHECK(values(w.at("e")) == std::vector<double>{0, 0, 0, 0, 0, 0});
    CHECK(w.at("i").dtype() == DType::Int64);
    CHECK(w.at("i").get_int(0) == 1);
    CHECK(w.at("i").get_int(1) == 3);
    CHECK(w.at("i").get_int(2) == 5);
  };
  TempDir tmp;
  write_file(tmp / "folder/model_weights_config.json", config);
  write_file(tmp / "folder/weight_0", floats_to_bytes(f));
  write_file(tmp / "folder/weight_1", "");
  write_file(tmp / "folder/weight_2", int64s_to_bytes({0, 1, 2, 3, 4, 5, 6}));
  auto folder = aotc::read_weights_folder(tmp / "folder", "model");
  if (!folder) FAIL(folder.error().message);
  check(*folder);

  // The same through an archive, as load_weights reads a --weights archive.
  write_zip(tmp / "views.pt2",
            {{"views/archive_format", "pt2"},
             {"views/archive_version", "0"},
             {"views/models/model.json", "{}"},
             {"views/data/weights/model_weights_config.json", config},
             {"views/data/weights/weight_0", floats_to_bytes(f)},
             {"views/data/weights/weight_1", ""},
             {"views/data/weights/weight_2", int64s_to_bytes({0, 1, 2, 3, 4, 5, 6})}});
  auto archive = aotc::load_weights(tmp / "views.pt2", "model");
  if (!archive) FAIL(archive.error().message);
  check(*archive);
}

TEST_CASE("a view that reaches past its file, and views that make no sense") {
  std::vector<float> f(12, 1.0f);
  std::span<const uint8_t> storage(reinterpret_cast<const uint8_t*>(f.data()), 48);
  std::vector<int64_t> sizes = {2, 2}, strides = {4, 1};
  auto r = aotc::materialize_strided(storage, DType::Float32, sizes, strides, 10);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message ==
        "needs 64 bytes (float32, sizes [2, 2], strides [4, 1], storage offset 10), but the file "
        "has 48 bytes");
  CHECK(aotc::materialize_strided(storage, DType::Float32, sizes, strides, 6)
            .has_value());  // ends exactly at 48

  std::vector<int64_t> negative = {4, -1};
  CHECK_THAT(aotc::materialize_strided(storage, DType::Float32, sizes, negative, 0).error().message,
             Catch::StartsWith("negative size or stride"));
  std::vector<int64_t> short_strides = {1};
  CHECK_THAT(
      aotc::materialize_strided(storage, DType::Float32, sizes, short_strides, 0).error().message,
      Catch::StartsWith("2 sizes but 1 strides"));
  std::vector<int64_t> huge = {int64_t{1} << 62, 4};
  CHECK_THAT(aotc::materialize_strided(storage, DType::Float32, huge, strides, 0).error().message,
             Catch::Contains("overflows"));

  TempDir tmp;
  write_file(tmp / "w/model_weights_config.json",
             "{\"config\": {" + config_entry("x", "weight_0", 7, {2, 2}, {4, 1}, 10) + ", " +
                 config_entry("c", "weight_1", 10, {2}, {1}, 0) + "}}");
  write_file(tmp / "w/weight_0", floats_to_bytes(f));
  auto e = aotc::read_weights_folder(tmp / "w", "model");
  REQUIRE_FALSE(e.has_value());
  // "c" (complex64) sorts first.
  CHECK(e.error().code == ErrorCode::kUnsupported);
  CHECK_THAT(e.error().message,
             Catch::Contains("tensor \"c\" has dtype COMPLEXFLOAT (export ScalarType 10)"));

  write_file(tmp / "w/model_weights_config.json",
             "{\"config\": {" + config_entry("x", "weight_0", 7, {2, 2}, {4, 1}, 10) + "}}");
  e = aotc::read_weights_folder(tmp / "w", "model");
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().message ==
        (tmp / "w/model_weights_config.json").string() + ": tensor \"x\" (" +
            (tmp / "w/weight_0").string() +
            "): needs 64 bytes (float32, sizes [2, 2], strides [4, 1], storage offset 10), but the "
            "file has 48 bytes");

  write_file(tmp / "w/model_weights_config.json",
             "{\"config\": {" + config_entry("x", "../weight_0", 7, {2}, {1}, 0) + "}}");
  CHECK_THAT(aotc::read_weights_folder(tmp / "w", "model").error().message,
             Catch::Contains("leaves the weights folder"));
}

TEST_CASE("weights folders without a config") {
  TempDir tmp;
  fs::create_directories(tmp / "empty");
  auto r = aotc::read_weights_folder(tmp / "empty", "model");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kNotFound);
  CHECK_THAT(r.error().message,
             Catch::StartsWith((tmp / "empty").string() + ": no weights config found"));
}

TEST_CASE("safetensors: dtypes, and offsets and sizes checked against the file") {
  TempDir tmp;
  auto read = [&](const std::string& header, const std::string& data) {
    write_file(tmp / "t.safetensors", safetensors_bytes(header, data));
    return aotc::read_safetensors(tmp / "t.safetensors");
  };
  const std::string src = (tmp / "t.safetensors").string();

  // bf16 1.0 = 0x3f80, int8 -2, bool true, an empty tensor.
  std::string data = std::string("\x80\x3f", 2) + std::string("\xfe", 1) + std::string("\x01", 1);
  auto ok = read(R"({"b": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]},
                     "i": {"dtype": "I8", "shape": [], "data_offsets": [2, 3]},
                     "q": {"dtype": "BOOL", "shape": [1, 1], "data_offsets": [3, 4]},
                     "z": {"dtype": "F32", "shape": [0, 5], "data_offsets": [4, 4]}})",
                 data);
  if (!ok) FAIL(ok.error().message);
  CHECK(ok->at("b").dtype() == DType::BFloat16);
  CHECK(ok->at("b").get(0) == 1.0);
  CHECK(ok->at("i").get_int(0) == -2);
  CHECK(ok->at("q").dtype() == DType::Bool);
  CHECK(ok->at("q").get(0) == 1.0);
  CHECK(ok->at("z").numel() == 0);

  auto past = read(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", "abcd");
  REQUIRE_FALSE(past.has_value());
  CHECK(past.error().message ==
        src + ": [\"w\"].data_offsets: [0, 8] is not a byte range within the 4 data bytes");

  auto size = read(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})", "abcdefgh");
  CHECK(size.error().message ==
        src + ": [\"w\"].data_offsets: [0, 4] holds 4 bytes, but F32 with shape [2] needs 8");

  auto dtype = read(R"({"w": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}})", "a");
  CHECK(dtype.error().code == ErrorCode::kUnsupported);
  CHECK(dtype.error().message ==
        src + ": [\"w\"].dtype: dtype \"F8_E4M3\" is not supported by aotc");

  write_file(tmp / "t.safetensors", std::string("\xff\x00\x00\x00\x00\x00\x00\x00{}", 10));
  CHECK_THAT(aotc::read_safetensors(tmp / "t.safetensors").error().message,
             Catch::Contains("the safetensors header claims 255 bytes, but the file has 2 bytes"));
  write_file(tmp / "t.safetensors", "abc");
  CHECK_THAT(aotc::read_safetensors(tmp / "t.safetensors").error().message,
             Catch::Contains("too short"));
  auto bad_json = read(R"({"w": )", "");
  CHECK_THAT(bad_json.error().message,
             Catch::StartsWith(src + " (header): malformed JSON at line 1"));
}

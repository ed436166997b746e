// torch.export archives: layout discovery, the archive versions aotc refuses
// and why, and the errors for broken archives. Archives are built here with
// libzip from the mlp fixture's entries, edited per case.
#include <catch2/catch.hpp>

#include <string>

#include "TestSupport.h"
#include "frontend/Frontend.h"

using aotc::ErrorCode;
using namespace aotc::test;

namespace {

// The mlp fixture's entries with their root folder renamed to `root`.
Entries mlp_entries(const std::string& root = "model/") {
  Entries out = read_zip(fixture("mlp/model.pt2"));
  for (auto& e : out) {
    REQUIRE(e.first.starts_with("model/"));
    e.first = root + e.first.substr(6);
  }
  return out;
}

std::string mlp_json() {
  return read_file_bytes(fixture("mlp/model.json"));
}

aotc::Error load_fails(const fs::path& input, const std::optional<fs::path>& weights = std::nullopt,
                       std::string_view model = {}) {
  auto r = aotc::load_program(input, weights, model);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

aotc::LoadedProgram load_ok(const fs::path& input,
                            const std::optional<fs::path>& weights = std::nullopt,
                            std::string_view model = {}) {
  auto r = aotc::load_program(input, weights, model);
  if (!r) FAIL(r.error().message);
  return std::move(r).value();
}

}  // namespace

TEST_CASE("the root folder comes from the entries") {
  TempDir tmp;
  auto path = tmp / "renamed.pt2";
  write_zip(path, mlp_entries("some export name/"));
  auto p = load_ok(path);
  CHECK(p.model_name == "model");
  CHECK(p.program.graph_module.graph.nodes.size() == 4);
  CHECK(p.weights.size() == 4);
  CHECK(p.weights.at("fc1.weight").shape() == std::vector<int64_t>{16, 10});
}

TEST_CASE("a file that is not a zip archive") {
  TempDir tmp;
  auto path = tmp / "bad.pt2";
  write_file(path, "this is not a zip file at all");
  auto e = load_fails(path);
  CHECK(e.code == ErrorCode::kInvalidInput);
  CHECK_THAT(e.message, Catch::StartsWith(path.string() + ": not a zip archive") &&
                            Catch::Contains("zip_open"));
  CHECK_THAT(load_fails(tmp / "missing.pt2").message,
             Catch::Equals((tmp / "missing.pt2").string() + ": no such file"));
}

TEST_CASE("a zip archive without a program") {
  TempDir tmp;
  auto path = tmp / "empty.pt2";
  write_zip(path, {{"empty/archive_format", "pt2"},
                   {"empty/archive_version", "0"},
                   {"empty/data/weights/model_weights_config.json", R"({"config": {}})"}});
  auto e = load_fails(path);
  CHECK(e.code == ErrorCode::kNotFound);
  CHECK(e.message ==
        path.string() + ": the archive holds no exported program (no empty/models/<name>.json)");

  auto aoti = tmp / "aoti.pt2";
  write_zip(aoti, {{"p/archive_format", "pt2"},
                   {"p/archive_version", "0"},
                   {"p/data/aotinductor/model/abc.wrapper.so", "ELF"}});
  CHECK_THAT(load_fails(aoti).message, Catch::Contains("AOTInductor package"));

  auto other = tmp / "other.zip";
  write_zip(other, {{"readme.txt", "hello"}, {"src/a.c", "int x;"}});
  CHECK(load_fails(other).message ==
        other.string() +
            ": a zip archive, but not a torch.export archive (no archive_format record and no "
            "serialized_exported_program.json)");
}

TEST_CASE("archive_format, archive_version and byteorder are checked") {
  TempDir tmp;
  auto entries = mlp_entries();
  set_entry(entries, "model/archive_version", "1");
  write_zip(tmp / "v1.pt2", entries);
  auto e = load_fails(tmp / "v1.pt2");
  CHECK(e.code == ErrorCode::kUnsupported);
  CHECK_THAT(e.message, Catch::Contains("archive version \"1\" is not supported"));

  entries = mlp_entries();
  set_entry(entries, "model/archive_format", "pt3");
  write_zip(tmp / "fmt.pt2", entries);
  CHECK_THAT(load_fails(tmp / "fmt.pt2").message, Catch::Contains("archive_format is \"pt3\""));

  entries = mlp_entries();
  set_entry(entries, "model/byteorder", "big");
  write_zip(tmp / "big.pt2", entries);
  CHECK_THAT(load_fails(tmp / "big.pt2").message, Catch::Contains("byte order is \"big\""));
}

TEST_CASE("PyTorch 2.8 archives with pickled weights are refused with a way out") {
  TempDir tmp;
  Entries entries;
  for (auto& e : mlp_entries())
    if (!e.first.starts_with("model/data/weights/") &&
        !e.first.starts_with("model/data/constants/"))
      entries.push_back(e);
  entries.emplace_back("model/data/weights/model.pt", "PK pretend torch.save zip");
  entries.emplace_back("model/data/constants/model.pt", "PK pretend torch.save zip");
  auto path = tmp / "old.pt2";
  write_zip(path, entries);
  auto e = load_fails(path);
  CHECK(e.code == ErrorCode::kUnsupported);
  CHECK_THAT(e.message,
             Catch::StartsWith(path.string() + ": this archive (written by PyTorch 2.8)") &&
                 Catch::Contains("model/data/weights/model.pt") &&
                 Catch::Contains("Re-save the program with PyTorch >= 2.9 (torch.export.save(") &&
                 Catch::Contains("--weights model.safetensors") &&
                 Catch::Contains("safetensors.torch.save_file("));

  // Its graph is fine: with the weights from elsewhere it loads.
  auto p = load_ok(path, fixture("mlp/model.pt2"));
  CHECK(p.program.graph_module.graph.nodes.size() == 4);
  CHECK(p.weights.size() == 4);
}

TEST_CASE("PyTorch <= 2.7 archives are refused with a way out, and read with --weights") {
  TempDir tmp;
  auto path = tmp / "legacy.pt2";
  write_zip(path, {{"serialized_exported_program.json", mlp_json()},
                   {"serialized_state_dict.pt", "pickle"},
                   {"serialized_constants.pt", "pickle"},
                   {"serialized_example_inputs.pt", "pickle"},
                   {"version", "8.1"}});
  auto e = load_fails(path);
  CHECK(e.code == ErrorCode::kUnsupported);
  CHECK_THAT(e.message, Catch::Contains("PyTorch <= 2.7") && Catch::Contains("PyTorch >= 2.9") &&
                            Catch::Contains("--weights model.safetensors"));
  auto p = load_ok(path, fixture("mlp/model.pt2"));
  CHECK(p.model_name == "model");
  CHECK(p.program.graph_module.graph.nodes.size() == 4);
  CHECK(p.weights.at("fc2.bias").get(0) == Approx(-0.0295908153).epsilon(1e-7));
}

TEST_CASE("use_pickle entries are refused by FQN") {
  TempDir tmp;
  auto entries = mlp_entries();
  std::string config = entry(entries, "model/data/weights/model_weights_config.json");
  const std::string from =
      R"("fc1.bias": {"path_name": "weight_1", "is_param": true, "use_pickle": false)";
  auto pos = config.find(from);
  REQUIRE(pos != std::string::npos);
  config.replace(pos, from.size(),
                 R"("fc1.bias": {"path_name": "weight_1", "is_param": true, "use_pickle": true)");
  set_entry(entries, "model/data/weights/model_weights_config.json", config);
  auto path = tmp / "pickle.pt2";
  write_zip(path, entries);
  auto e = load_fails(path);
  CHECK(e.code == ErrorCode::kUnsupported);
  CHECK_THAT(e.message, Catch::StartsWith(path.string() +
                                          ":model/data/weights/model_weights_config.json: tensor "
                                          "\"fc1.bias\" is stored as a Python pickle (use_pickle: "
                                          "true, " +
                                          path.string() + ":model/data/weights/weight_1)"));
}

TEST_CASE("a missing weight file names the FQN and the file") {
  TempDir tmp;
  auto entries = mlp_entries();
  remove_entry(entries, "model/data/weights/weight_2");
  auto path = tmp / "missing.pt2";
  write_zip(path, entries);
  auto e = load_fails(path);
  CHECK(e.code == ErrorCode::kNotFound);
  CHECK(e.message ==
        path.string() +
            ":model/data/weights/model_weights_config.json: tensor \"fc2.weight\": its file " +
            path.string() + ":model/data/weights/weight_2 is missing");
}

TEST_CASE("a short weight file names the FQN, the file and both byte counts") {
  TempDir tmp;
  auto entries = mlp_entries();
  set_entry(entries, "model/data/weights/weight_0",
            entry(entries, "model/data/weights/weight_0").substr(0, 320));
  auto path = tmp / "short.pt2";
  write_zip(path, entries);
  auto e = load_fails(path);
  CHECK(e.code == ErrorCode::kInvalidInput);
  CHECK(e.message == path.string() +
                         ":model/data/weights/model_weights_config.json: tensor \"fc1.weight\" (" +
                         path.string() +
                         ":model/data/weights/weight_0): needs 640 bytes (float32, sizes [16, 10], "
                         "strides [10, 1], storage offset 0), but the file has 320 bytes");
}

TEST_CASE("archives with several programs") {
  TempDir tmp;
  auto base = mlp_entries("multi/");
  Entries entries;
  for (auto& e : base) {
    if (e.first == "multi/models/model.json") {
      entries.emplace_back("multi/models/a.json", e.second);
      entries.emplace_back("multi/models/b.json", e.second);
    } else if (e.first == "multi/data/weights/model_weights_config.json") {
      entries.emplace_back("multi/data/weights/a_weights_config.json", e.second);
      // The `<name>_model_weights_config.json` spelling is accepted too.
      entries.emplace_back("multi/data/weights/b_model_weights_config.json", e.second);
    } else if (e.first == "multi/data/constants/model_constants_config.json") {
      entries.emplace_back("multi/data/constants/a_constants_config.json", e.second);
    } else {
      entries.push_back(e);
    }
  }
  auto path = tmp / "multi.pt2";
  write_zip(path, entries);
  auto e = load_fails(path);
  CHECK(e.message == path.string() +
                         ": the archive holds several programs (a, b) and none is named \"model\"; "
                         "say which one to read");
  auto b = load_ok(path, std::nullopt, "b");
  CHECK(b.model_name == "b");
  CHECK(b.weights.size() == 4);
  CHECK(load_ok(path, std::nullopt, "a").model_name == "a");
  CHECK(load_fails(path, std::nullopt, "c").message ==
        path.string() + ": no model named \"c\" in the archive (it has: a, b)");
}

TEST_CASE("JSON errors inside an archive name the archive entry") {
  TempDir tmp;
  auto entries = mlp_entries();
  set_entry(entries, "model/models/model.json", "{\"schema_version\": oops}");
  auto path = tmp / "badjson.pt2";
  write_zip(path, entries);
  CHECK_THAT(load_fails(path).message,
             Catch::StartsWith(path.string() +
                               ":model/models/model.json: malformed JSON at line 1, column 20: "));
}

TEST_CASE("a .json input needs --weights when its program has stored tensors") {
  auto e = load_fails(fixture("mlp/model.json"));
  CHECK(e.code == ErrorCode::kUsage);
  CHECK(e.message ==
        fixture("mlp/model.json").string() +
            ": the program has 4 parameters, buffers or constants (\"fc1.weight\", ...) but no "
            "weights were given; pass --weights with a torch.export .pt2 archive, a folder with "
            "model_weights_config.json and weight_N files, or a .safetensors file");

  // A program without parameters, buffers or constants needs none.
  TempDir tmp;
  write_file(tmp / "noweights.json",
             R"({"schema_version": {"major": 8, "minor": 17}, "graph_module": {"graph": {
                 "inputs": [{"as_tensor": {"name": "x"}}], "outputs": [{"as_tensor": {"name": "relu"}}],
                 "nodes": [{"target": "torch.ops.aten.relu.default", "inputs": [{"name": "self", "arg": {"as_tensor": {"name": "x"}}, "kind": 1}],
                            "outputs": [{"as_tensor": {"name": "relu"}}], "name": "relu"}]},
                 "signature": {"input_specs": [{"user_input": {"arg": {"as_tensor": {"name": "x"}}}}],
                               "output_specs": [{"user_output": {"arg": {"as_tensor": {"name": "relu"}}}}]}}})");
  auto p = load_ok(tmp / "noweights.json");
  CHECK(p.weights.empty());
  CHECK(p.model_name == "model");
  CHECK(p.source == (tmp / "noweights.json").string());
}

TEST_CASE("inputs that are not programs") {
  TempDir tmp;
  fs::create_directories(tmp / "dir");
  CHECK_THAT(load_fails(tmp / "dir").message, Catch::Contains("is a folder"));
  write_file(tmp / "w.safetensors", safetensors_bytes("{}", ""));
  CHECK_THAT(load_fails(tmp / "w.safetensors").message, Catch::Contains("pass it with --weights"));
  write_file(tmp / "notes.txt", "hello");
  CHECK_THAT(
      load_fails(tmp / "notes.txt").message,
      Catch::Contains("neither a torch.export .pt2 archive (zip) nor an ExportedProgram .json"));
  CHECK_THAT(load_fails(fixture("mlp/model.pt2"), tmp / "notes.txt").message,
             Catch::Contains("not a weights source; --weights takes"));
}

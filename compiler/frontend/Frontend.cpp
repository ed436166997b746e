// load_program(): what `aotc compile INPUT [--weights PATH]` reads.
//
// Inputs are told apart by content first (a zip starts with "PK"), then by
// extension, so that a .pt2 that is not a zip gets libzip's "not a zip
// archive" rather than a JSON syntax error.
#include <algorithm>
#include <filesystem>

#include "support/Files.h"
#include "frontend/Frontend.h"
#include "frontend/Pt2Archive.h"
#include "frontend/Weights.h"

namespace aotc {
namespace {

namespace fs = std::filesystem;

enum class FileKind { kZip, kJson, kSafetensors, kDirectory, kUnknown };

Expected<FileKind> classify(const fs::path& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status))
    return make_error(ErrorCode::kNotFound, "{}: no such file", path.string());
  if (fs::is_directory(status)) return FileKind::kDirectory;
  AOTC_ASSIGN_OR_RETURN(std::string head, read_file_prefix(path, 16));
  if (head.starts_with("PK\x03\x04") || head.starts_with("PK\x05\x06")) return FileKind::kZip;
  const std::string ext = path.extension().string();
  if (ext == ".safetensors") return FileKind::kSafetensors;
  if (ext == ".json") return FileKind::kJson;
  if (ext == ".pt2" || ext == ".zip") return FileKind::kZip;
  size_t first = head.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && head[first] == '{') return FileKind::kJson;
  // safetensors: an 8-byte header length, then the JSON header.
  if (head.size() > 8 && head[8] == '{') return FileKind::kSafetensors;
  return FileKind::kUnknown;
}

constexpr const char* kWeightsSources =
    "a torch.export .pt2 archive, a folder with model_weights_config.json and weight_N files, or a "
    ".safetensors file";

// FQNs of the tensors and objects the program expects to be given.
std::vector<std::string> stored_inputs(const schema::ExportedProgram& program) {
  using K = schema::InputSpec::Kind;
  std::vector<std::string> out;
  for (const auto& spec : program.graph_module.signature.input_specs)
    if (spec.kind == K::kParameter || spec.kind == K::kBuffer || spec.kind == K::kTensorConstant ||
        spec.kind == K::kCustomObj)
      out.push_back(spec.target);
  return out;
}

}  // namespace

Expected<WeightMap> load_weights(const fs::path& weights, std::string_view model_name) {
  AOTC_ASSIGN_OR_RETURN(FileKind kind, classify(weights));
  switch (kind) {
    case FileKind::kDirectory:
      return read_weights_folder(weights, model_name.empty() ? "model" : model_name);
    case FileKind::kSafetensors:
      return read_safetensors(weights);
    case FileKind::kZip: {
      AOTC_ASSIGN_OR_RETURN(Pt2Archive archive, Pt2Archive::open(weights));
      // The program's own name if the weights archive has it, else its default.
      const auto& names = archive.model_names();
      bool has = std::find(names.begin(), names.end(), model_name) != names.end();
      AOTC_ASSIGN_OR_RETURN(std::string name, archive.select_model(has ? model_name : ""));
      return archive.read_weights(name);
    }
    case FileKind::kJson:
    case FileKind::kUnknown:
      break;
  }
  return make_error(ErrorCode::kInvalidInput, "{}: not a weights source; --weights takes {}",
                    weights.string(), kWeightsSources);
}

Expected<LoadedProgram> load_program(const fs::path& input, const std::optional<fs::path>& weights,
                                     std::string_view model_name) {
  LoadedProgram out;
  out.source = input.string();
  AOTC_ASSIGN_OR_RETURN(FileKind kind, classify(input));
  switch (kind) {
    case FileKind::kZip: {
      AOTC_ASSIGN_OR_RETURN(Pt2Archive archive, Pt2Archive::open(input));
      AOTC_ASSIGN_OR_RETURN(out.model_name, archive.select_model(model_name));
      AOTC_ASSIGN_OR_RETURN(auto json, archive.read_program_json(out.model_name));
      AOTC_ASSIGN_OR_RETURN(out.program, parse_exported_program(json.first, json.second));
      if (weights) {
        AOTC_ASSIGN_OR_RETURN(out.weights, load_weights(*weights, out.model_name));
      } else {
        AOTC_ASSIGN_OR_RETURN(out.weights, archive.read_weights(out.model_name));
      }
      return out;
    }
    case FileKind::kJson: {
      out.model_name = model_name.empty() ? "model" : std::string(model_name);
      AOTC_ASSIGN_OR_RETURN(std::string text, read_file(input));
      AOTC_ASSIGN_OR_RETURN(out.program, parse_exported_program(text, out.source));
      if (weights) {
        AOTC_ASSIGN_OR_RETURN(out.weights, load_weights(*weights, out.model_name));
        return out;
      }
      std::vector<std::string> needed = stored_inputs(out.program);
      if (!needed.empty())
        return make_error(ErrorCode::kUsage,
                          "{}: the program has {} parameters, buffers or constants (\"{}\"{}) but "
                          "no weights were given; pass --weights with {}",
                          out.source, needed.size(), needed[0], needed.size() > 1 ? ", ..." : "",
                          kWeightsSources);
      return out;
    }
    case FileKind::kDirectory:
      return make_error(ErrorCode::kInvalidInput,
                        "{}: is a folder; the input is a torch.export .pt2 archive or an "
                        "ExportedProgram .json (a weights folder goes to --weights)",
                        out.source);
    case FileKind::kSafetensors:
      return make_error(ErrorCode::kInvalidInput,
                        "{}: is a safetensors file, which holds weights but no program; pass it "
                        "with --weights and give the .pt2 archive or model.json as the input",
                        out.source);
    case FileKind::kUnknown:
      break;
  }
  return make_error(ErrorCode::kInvalidInput,
                    "{}: neither a torch.export .pt2 archive (zip) nor an ExportedProgram .json",
                    out.source);
}

}  // namespace aotc

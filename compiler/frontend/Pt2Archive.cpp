// Finding the program, weights and constants inside a torch.export archive.
#include "frontend/Pt2Archive.h"

#include <algorithm>

#include "frontend/Weights.h"

namespace aotc {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.remove_suffix(1);
  return s;
}

// torch's zip writer puts every entry under one folder named after the file;
// PyTorch <= 2.7 archives are flat. Returns "<root>/" or "".
std::string find_root(const std::vector<std::string>& entries) {
  if (entries.empty()) return "";
  size_t slash = entries[0].find('/');
  if (slash == std::string::npos) return "";
  std::string root = entries[0].substr(0, slash + 1);
  for (const auto& e : entries)
    if (!e.starts_with(root)) return "";
  return root;
}

}  // namespace

std::string pickled_weights_advice(std::string_view path, std::string_view what) {
  return fmt::format(
      "{}: {}, which aotc cannot read. Re-save the program with PyTorch >= 2.9 "
      "(torch.export.save(ep, \"model.pt2\") then stores raw weights), or pass the weights "
      "separately with --weights model.safetensors, saved with "
      "safetensors.torch.save_file({{**ep.state_dict, **ep.constants}}, \"model.safetensors\") "
      "(keys are the parameter, buffer and constant names)",
      path, what);
}

Expected<Pt2Archive> Pt2Archive::open(const std::filesystem::path& path) {
  AOTC_ASSIGN_OR_RETURN(ZipArchive zip, ZipArchive::open(path));
  Pt2Archive out(std::move(zip));
  const ZipArchive& z = out.zip_;
  out.root_ = find_root(z.entries());
  const std::string& root = out.root_;

  if (z.contains(root + "archive_format")) {
    AOTC_ASSIGN_OR_RETURN(std::string format, z.read(root + "archive_format"));
    if (trim(format) != "pt2")
      return make_error(ErrorCode::kUnsupported,
                        "{}: archive_format is \"{}\", not \"pt2\"; aotc reads torch.export "
                        "archives",
                        z.path(), trim(format));
    if (!z.contains(root + "archive_version"))
      return make_error(ErrorCode::kInvalidInput, "{}: the archive has no {}archive_version record",
                        z.path(), root);
    AOTC_ASSIGN_OR_RETURN(std::string version, z.read(root + "archive_version"));
    if (trim(version) != "0")
      return make_error(ErrorCode::kUnsupported,
                        "{}: archive version \"{}\" is not supported (aotc reads pt2 archive "
                        "version 0)",
                        z.path(), trim(version));
    if (z.contains(root + "byteorder")) {
      AOTC_ASSIGN_OR_RETURN(std::string order, z.read(root + "byteorder"));
      if (trim(order) != "little")
        return make_error(ErrorCode::kUnsupported,
                          "{}: the archive's byte order is \"{}\"; aotc reads little-endian "
                          "archives only",
                          z.path(), trim(order));
    }
    const std::string models_dir = root + "models/";
    for (const auto& e : z.entries()) {
      if (!e.starts_with(models_dir) || !e.ends_with(".json")) continue;
      std::string name = e.substr(models_dir.size(), e.size() - models_dir.size() - 5);
      if (!name.empty() && name.find('/') == std::string::npos) out.model_names_.push_back(name);
    }
    std::sort(out.model_names_.begin(), out.model_names_.end());
    if (out.model_names_.empty()) {
      bool aoti = std::any_of(z.entries().begin(), z.entries().end(), [&](const std::string& e) {
        return e.starts_with(root + "data/aotinductor/");
      });
      return make_error(
          ErrorCode::kNotFound,
          "{}: the archive holds no exported program (no {}models/<name>.json){}", z.path(), root,
          aoti ? "; it is an AOTInductor package, which is already compiled: pass the "
                 "torch.export.save archive instead"
               : "");
    }
    out.format_ = Format::kPt2;
    return out;
  }

  // PyTorch <= 2.7: serialized_exported_program.json at the top (or under one folder).
  for (const auto& e : z.entries()) {
    if (e == "serialized_exported_program.json" ||
        (e.ends_with("/serialized_exported_program.json") &&
         std::count(e.begin(), e.end(), '/') == 1)) {
      out.root_ =
          e.substr(0, e.size() - std::string_view("serialized_exported_program.json").size());
      out.model_names_ = {"model"};
      out.format_ = Format::kLegacy;
      return out;
    }
  }
  return make_error(
      ErrorCode::kInvalidInput,
      "{}: a zip archive, but not a torch.export archive (no archive_format record and no "
      "serialized_exported_program.json)",
      z.path());
}

Expected<std::string> Pt2Archive::select_model(std::string_view requested) const {
  auto has = [&](std::string_view name) {
    return std::find(model_names_.begin(), model_names_.end(), name) != model_names_.end();
  };
  if (!requested.empty()) {
    if (has(requested)) return std::string(requested);
    return make_error(ErrorCode::kNotFound, "{}: no model named \"{}\" in the archive (it has: {})",
                      path(), requested, fmt::join(model_names_, ", "));
  }
  if (has("model")) return std::string("model");
  if (model_names_.size() == 1) return model_names_[0];
  return make_error(ErrorCode::kInvalidInput,
                    "{}: the archive holds several programs ({}) and none is named \"model\"; say "
                    "which one to read",
                    path(), fmt::join(model_names_, ", "));
}

Expected<std::pair<std::string, std::string>> Pt2Archive::read_program_json(
    const std::string& model) const {
  std::string entry = format_ == Format::kLegacy ? root_ + "serialized_exported_program.json"
                                                 : root_ + "models/" + model + ".json";
  AOTC_ASSIGN_OR_RETURN(std::string text, zip_.read(entry));
  return std::pair(std::move(text), path() + ":" + entry);
}

Status Pt2Archive::read_payloads(const std::string& config_entry, const std::string& dir,
                                 WeightMap& out) const {
  AOTC_ASSIGN_OR_RETURN(std::string text, zip_.read(config_entry));
  const std::string source = path() + ":" + config_entry;
  AOTC_ASSIGN_OR_RETURN(schema::PayloadConfig config, parse_payload_config(text, source));
  PayloadFiles files;
  files.read = [this, &dir](const std::string& name) { return zip_.read(dir + name); };
  files.describe = [this, &dir](const std::string& name) { return path() + ":" + dir + name; };
  return materialize_payloads(config, files, source, out);
}

Expected<WeightMap> Pt2Archive::read_weights(const std::string& model) const {
  if (format_ == Format::kLegacy)
    return Error{ErrorCode::kUnsupported,
                 pickled_weights_advice(
                     path(),
                     "this is a PyTorch <= 2.7 archive (serialized_exported_program.json) whose "
                     "weights are pickled")};
  const std::string weights_dir = root_ + "data/weights/";
  const std::string constants_dir = root_ + "data/constants/";
  for (const auto& legacy : {weights_dir + model + ".pt", constants_dir + model + ".pt"}) {
    if (zip_.contains(legacy))
      return Error{ErrorCode::kUnsupported,
                   pickled_weights_advice(
                       path(), fmt::format("this archive (written by PyTorch 2.8) stores its "
                                           "weights pickled in {}",
                                           legacy))};
  }
  auto find = [&](const std::string& dir, const char* kind) -> std::string {
    for (const auto& name : {fmt::format("{}{}_{}_config.json", dir, model, kind),
                             fmt::format("{}{}_model_{}_config.json", dir, model, kind)})
      if (zip_.contains(name)) return name;
    return "";
  };
  WeightMap out;
  std::string weights_config = find(weights_dir, "weights");
  if (weights_config.empty())
    return make_error(ErrorCode::kNotFound,
                      "{}: no weights config for model \"{}\" (expected {}{}_weights_config.json)",
                      path(), model, weights_dir, model);
  AOTC_RETURN_IF_ERROR(read_payloads(weights_config, weights_dir, out));
  // torch.export.save always writes a constants config, but a program without
  // constants loses nothing if a hand-made archive omits it.
  std::string constants_config = find(constants_dir, "constants");
  if (!constants_config.empty())
    AOTC_RETURN_IF_ERROR(read_payloads(constants_config, constants_dir, out));
  return out;
}

}  // namespace aotc

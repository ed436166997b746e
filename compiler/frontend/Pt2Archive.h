// The layout of a torch.export archive (spec §11 and §12).
//
// torch.export.save (PyTorch 2.9+) writes a zip whose entries all sit under one
// root folder (named after the file, so never assumed):
//   <root>/archive_format                        "pt2"
//   <root>/archive_version                       "0"
//   <root>/models/<name>.json                    the ExportedProgram JSON
//   <root>/data/weights/<name>_weights_config.json     PayloadConfig, raw weight_N files beside it
//   <root>/data/constants/<name>_constants_config.json PayloadConfig, raw tensor_N files beside it
// (the names are torch/csrc/export/pt2_archive_constants.h's
// WEIGHTS_CONFIG_FILENAME_FORMAT and CONSTANTS_CONFIG_FILENAME_FORMAT).
//
// Older archives are recognized so they can be refused with a way out:
//   PyTorch 2.8 writes the same container with pickled `data/weights/<name>.pt`
//   and `data/constants/<name>.pt`; PyTorch <= 2.7 wrote a flat zip with
//   `serialized_exported_program.json` and pickled state dicts. Their graphs
//   are still readable, so they work when the weights come from --weights.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/Archive.h"
#include "frontend/Frontend.h"
#include "support/Status.h"

namespace aotc {

class Pt2Archive {
 public:
  enum class Format {
    kPt2,     ///< archive_format "pt2" (PyTorch 2.8+)
    kLegacy,  ///< serialized_exported_program.json (PyTorch <= 2.7)
  };

  /// Opens a torch.export archive and checks archive_format, archive_version
  /// and byteorder. Errors: not a zip, not a torch.export archive, an
  /// unknown archive version, a big-endian archive, no model in it.
  static Expected<Pt2Archive> open(const std::filesystem::path& path);

  Format format() const { return format_; }
  const std::string& path() const { return zip_.path(); }
  /// The root folder with its trailing '/', or "" for a flat archive.
  const std::string& root() const { return root_; }
  /// Names of the programs under models/ ("model" for a legacy archive), sorted.
  const std::vector<std::string>& model_names() const { return model_names_; }

  /// `requested` if present; with no request, "model" if present, else the
  /// only model. Errors list the models the archive has.
  Expected<std::string> select_model(std::string_view requested) const;
  /// The program's JSON text and the name to use for it in messages
  /// ("model.pt2:model/models/model.json").
  Expected<std::pair<std::string, std::string>> read_program_json(const std::string& model) const;
  /// The weights and constants of `model`, keyed by FQN. Refuses pickled
  /// (PyTorch <= 2.8) weights with a message saying how to re-save them.
  Expected<WeightMap> read_weights(const std::string& model) const;

 private:
  explicit Pt2Archive(ZipArchive zip) : zip_(std::move(zip)) {}
  Status read_payloads(const std::string& config_entry, const std::string& dir,
                       WeightMap& out) const;

  ZipArchive zip_;
  Format format_ = Format::kPt2;
  std::string root_;
  std::vector<std::string> model_names_;
};

/// The message that explains how to get weights aotc can read from an archive
/// whose weights are pickled (`what` says which kind of archive it is).
std::string pickled_weights_advice(std::string_view path, std::string_view what);

}  // namespace aotc

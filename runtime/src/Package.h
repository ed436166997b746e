// An opened aotc package: the mapped file, its zip directory, its root
// folder, and its manifest, all checked (see docs/package-format.md).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "Manifest.h"
#include "MappedFile.h"
#include "ZipReader.h"

namespace aotc::rt {

class Package {
 public:
  /// Opens and checks `path`: a zip whose entries sit under one root folder,
  /// archive_format "pt2", archive_version "0", and a readable aotc manifest
  /// no newer than this runtime. Throws Failure naming the file.
  static std::shared_ptr<const Package> open(const std::string& path);

  const std::string& path() const { return file_->path(); }
  const std::string& root() const { return root_; }
  const Manifest& manifest() const { return manifest_; }
  std::string_view manifest_json() const { return manifest_json_; }
  const MappedFile& file() const { return *file_; }

  /// The model of that name; throws Failure(NOT_FOUND) listing the models present.
  const ModelDecl& model(const std::string& name) const;

  /// The bytes of one of a model's files, in place in the mapped package;
  /// throws if the entry is missing, compressed or not the manifest's size.
  std::string_view model_file(const ModelDecl& model, const FileRef& file) const;

 private:
  Package() = default;
  std::shared_ptr<const MappedFile> file_;
  std::unique_ptr<aotc::zip::ZipReader> zip_;
  std::string root_;
  std::string manifest_json_;
  Manifest manifest_;
};

}  // namespace aotc::rt

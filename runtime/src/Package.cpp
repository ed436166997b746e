// Opening and checking a package; see Package.h.
#include "Package.h"

#include "Errors.h"

namespace aotc::rt {
namespace {

using aotc::zip::ZipEntry;
using aotc::zip::ZipError;
using aotc::zip::ZipReader;

// Strips one trailing newline, as some writers add one to text records.
std::string_view trim_newline(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  return s;
}

}  // namespace

std::shared_ptr<const Package> Package::open(const std::string& path) {
  std::shared_ptr<Package> p(new Package());
  p->file_ = MappedFile::open(path);
  const std::string where = "package " + path + ": ";
  try {
    p->zip_ = std::make_unique<ZipReader>(p->file_->data(), p->file_->size());
    const auto& entries = p->zip_->entries();
    if (entries.empty()) fail(AOTC_ERROR_INVALID_PACKAGE, "the archive is empty");
    // PyTorch's readers take the root folder from the first entry.
    const std::string& first = entries.front().name;
    const size_t slash = first.find('/');
    if (slash == std::string::npos || slash == 0) {
      fail(AOTC_ERROR_INVALID_PACKAGE,
           "its entries are not under one root folder (first entry '" + first + "')");
    }
    p->root_ = first.substr(0, slash);

    auto record = [&](const std::string& name) -> std::string_view {
      const ZipEntry* e = p->zip_->find(p->root_ + "/" + name);
      if (e == nullptr) {
        fail(AOTC_ERROR_INVALID_PACKAGE,
             "it has no " + p->root_ + "/" + name + ", so it is not a .pt2 package");
      }
      return p->zip_->checked_data(*e);
    };
    const std::string_view format = trim_newline(record("archive_format"));
    if (format != "pt2") {
      fail(AOTC_ERROR_INVALID_PACKAGE,
           "archive_format is '" + std::string(format) + "', expected 'pt2'");
    }
    const std::string_view version = trim_newline(record("archive_version"));
    if (version != "0") {
      fail(AOTC_ERROR_UNSUPPORTED, "archive_version is '" + std::string(version) +
                                       "'; this runtime reads version 0 archives");
    }
    const ZipEntry* m = p->zip_->find(p->root_ + "/extra/aotc_manifest.json");
    if (m == nullptr) {
      fail(AOTC_ERROR_INVALID_PACKAGE,
           "it has no extra/aotc_manifest.json, so it was not made by aotc (a package made by "
           "PyTorch's "
           "AOTInductor runs with PyTorch: torch._inductor.aoti_load_package)");
    }
    p->manifest_json_ = std::string(p->zip_->checked_data(*m));
    p->manifest_ = parse_manifest(p->manifest_json_);
  } catch (const ZipError& e) {
    throw Failure(AOTC_ERROR_INVALID_PACKAGE, where + e.what());
  } catch (const Failure& e) {
    throw Failure(e.status(), where + e.what());
  }
  return p;
}

const ModelDecl& Package::model(const std::string& name) const {
  std::string present;
  for (const ModelDecl& m : manifest_.models) {
    if (m.name == name) return m;
    present += (present.empty() ? "'" : ", '") + m.name + "'";
  }
  fail(AOTC_ERROR_NOT_FOUND, "package " + path() + " has no model '" + name + "'; it has " +
                                 (present.empty() ? std::string("none") : present));
}

std::string_view Package::model_file(const ModelDecl& model, const FileRef& f) const {
  const std::string entry = root_ + "/data/aotinductor/" + model.name + "/" + f.name;
  const ZipEntry* e = zip_->find(entry);
  if (e == nullptr) {
    fail(AOTC_ERROR_INVALID_PACKAGE,
         "package " + path() + ": the manifest lists " + entry + ", which is missing");
  }
  std::string_view data;
  try {
    data = zip_->data(*e);
  } catch (const ZipError& err) {
    throw Failure(AOTC_ERROR_INVALID_PACKAGE, "package " + path() + ": " + err.what());
  }
  if (data.size() != f.size) {
    fail(AOTC_ERROR_INVALID_PACKAGE, "package " + path() + ": " + entry + " is " +
                                         std::to_string(data.size()) +
                                         " bytes, but the manifest says " + std::to_string(f.size));
  }
  return data;
}

}  // namespace aotc::rt

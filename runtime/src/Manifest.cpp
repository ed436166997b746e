// Reading the package manifest; see Manifest.h and docs/package-format.md.
#include "Manifest.h"

#include <climits>
#include <nlohmann/json.hpp>

#include "Errors.h"

namespace aotc::rt {
namespace {

using nlohmann::json;

[[noreturn]] void malformed(const std::string& path, const std::string& what) {
  fail(AOTC_ERROR_INVALID_PACKAGE, "the manifest is malformed at " + path + ": " + what);
}

const json& member(const json& obj, const std::string& path, const char* key) {
  if (!obj.is_object()) malformed(path, "expected an object");
  auto it = obj.find(key);
  if (it == obj.end()) malformed(path, std::string("missing \"") + key + "\"");
  return *it;
}

std::string string_at(const json& obj, const std::string& path, const char* key) {
  const json& v = member(obj, path, key);
  if (!v.is_string()) malformed(path + "." + key, "expected a string");
  return v.get<std::string>();
}

int64_t int_at(const json& obj, const std::string& path, const char* key) {
  const json& v = member(obj, path, key);
  if (!v.is_number_integer()) malformed(path + "." + key, "expected an integer");
  return v.get<int64_t>();
}

FileRef file_at(const json& files, const std::string& path, const char* key) {
  const json& f = member(files, path, key);
  const std::string p = path + "." + key;
  FileRef r;
  r.name = string_at(f, p, "name");
  const int64_t size = int_at(f, p, "size");
  if (size < 0) malformed(p + ".size", "negative");
  r.size = static_cast<uint64_t>(size);
  r.sha256 = string_at(f, p, "sha256");
  if (r.name.empty() || r.name.find('/') != std::string::npos)
    malformed(p + ".name", "not a plain file name");
  return r;
}

std::vector<TensorDecl> tensors_at(const json& model, const std::string& path, const char* key) {
  const json& list = member(model, path, key);
  if (!list.is_array()) malformed(path + "." + key, "expected an array");
  std::vector<TensorDecl> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string p = path + "." + key + "[" + std::to_string(i) + "]";
    TensorDecl t;
    t.name = string_at(list[i], p, "name");
    const std::string dtype = string_at(list[i], p, "dtype");
    t.dtype = dtype_from_name(dtype);
    if (t.dtype < 0) malformed(p + ".dtype", "unknown dtype '" + dtype + "'");
    const json& shape = member(list[i], p, "shape");
    if (!shape.is_array()) malformed(p + ".shape", "expected an array of strings");
    for (const json& d : shape) {
      if (!d.is_string()) malformed(p + ".shape", "expected an array of strings");
      t.shape.push_back(d.get<std::string>());
    }
    out.push_back(std::move(t));
  }
  return out;
}

int64_t bound_at(const json& sym, const std::string& path, const char* key, int64_t unbounded) {
  const json& v = member(sym, path, key);
  if (v.is_null()) return unbounded;
  if (!v.is_number_integer()) malformed(path + "." + key, "expected an integer or null");
  return v.get<int64_t>();
}

}  // namespace

int32_t dtype_from_name(std::string_view name) {
  struct Entry {
    const char* name;
    int32_t code;
  };
  static const Entry kNames[] = {{"uint8", 0}, {"int8", 1},     {"int16", 2},   {"int32", 3},
                                 {"int64", 4}, {"float16", 5},  {"float32", 6}, {"float64", 7},
                                 {"bool", 11}, {"bfloat16", 15}};
  for (const Entry& e : kNames) {
    if (name == e.name) return e.code;
  }
  return -1;
}

Manifest parse_manifest(std::string_view text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    fail(AOTC_ERROR_INVALID_PACKAGE, std::string("the manifest is not valid JSON: ") + e.what());
  }
  Manifest m;
  const std::string format = string_at(doc, "$", "format");
  if (format != kManifestFormat) {
    malformed("$.format",
              "expected \"" + std::string(kManifestFormat) + "\", got \"" + format + "\"");
  }
  m.format_version = int_at(doc, "$", "format_version");
  m.aotc_version = doc.contains("aotc_version") && doc["aotc_version"].is_string()
                       ? doc["aotc_version"].get<std::string>()
                       : "unknown";
  if (m.format_version > kManifestFormatVersion) {
    fail(AOTC_ERROR_UNSUPPORTED, "the package has manifest format version " +
                                     std::to_string(m.format_version) + " (written by aotc " +
                                     m.aotc_version + "), newer than the version " +
                                     std::to_string(kManifestFormatVersion) +
                                     " this runtime reads; use a newer aotc runtime");
  }
  if (m.format_version < 1) malformed("$.format_version", "must be at least 1");

  const json& models = member(doc, "$", "models");
  if (!models.is_array()) malformed("$.models", "expected an array");
  for (size_t i = 0; i < models.size(); ++i) {
    const std::string p = "$.models[" + std::to_string(i) + "]";
    const json& jm = models[i];
    ModelDecl md;
    md.name = string_at(jm, p, "name");
    md.target = string_at(jm, p, "target");
    const json& archs = member(jm, p, "archs");
    if (!archs.is_array()) malformed(p + ".archs", "expected an array of strings");
    for (const json& a : archs) {
      if (!a.is_string()) malformed(p + ".archs", "expected an array of strings");
      md.archs.push_back(a.get<std::string>());
    }
    const json& files = member(jm, p, "files");
    md.library = file_at(files, p + ".files", "library");
    md.wrapper = file_at(files, p + ".files", "wrapper");
    md.metadata = file_at(files, p + ".files", "metadata");
    if (files.contains("weights")) md.weights = file_at(files, p + ".files", "weights");
    md.inputs = tensors_at(jm, p, "inputs");
    md.outputs = tensors_at(jm, p, "outputs");
    const json& symbols = member(jm, p, "symbols");
    if (!symbols.is_array()) malformed(p + ".symbols", "expected an array");
    for (size_t s = 0; s < symbols.size(); ++s) {
      const std::string sp = p + ".symbols[" + std::to_string(s) + "]";
      SymbolDecl sd;
      sd.name = string_at(symbols[s], sp, "name");
      sd.min = bound_at(symbols[s], sp, "min", INT64_MIN);
      sd.max = bound_at(symbols[s], sp, "max", INT64_MAX);
      md.symbols.push_back(std::move(sd));
    }
    m.models.push_back(std::move(md));
  }
  return m;
}

}  // namespace aotc::rt

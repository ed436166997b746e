// The package manifest (`<root>/extra/aotc_manifest.json`) as the runtime
// reads it. docs/package-format.md defines the format; the writer is
// codegen/PackageWriter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aotc::rt {

/// The `format` value of every aotc manifest.
inline constexpr const char* kManifestFormat = "aotc-package";
/// The newest manifest format_version this runtime reads.
inline constexpr int64_t kManifestFormatVersion = 1;

struct FileRef {
  std::string name;  ///< file name inside the model's folder data/aotinductor/<model>/
  uint64_t size = 0;
  std::string sha256;  ///< lower-case hex
};

struct TensorDecl {
  std::string name;
  int32_t dtype = 0;  ///< c10 code
  std::vector<std::string> shape;
};

struct SymbolDecl {
  std::string name;
  int64_t min = 0;
  int64_t max = 0;
};

struct ModelDecl {
  std::string name;
  std::string target;  ///< "cpu" or "cuda"
  std::vector<std::string> archs;
  FileRef library;
  FileRef wrapper;
  FileRef metadata;
  std::optional<FileRef> weights;
  std::vector<TensorDecl> inputs;
  std::vector<TensorDecl> outputs;
  std::vector<SymbolDecl> symbols;
};

struct Manifest {
  int64_t format_version = 0;
  std::string aotc_version;
  std::vector<ModelDecl> models;
};

/// Parses and checks a manifest. Throws Failure: AOTC_ERROR_UNSUPPORTED for a
/// newer format_version, AOTC_ERROR_INVALID_PACKAGE for anything malformed
/// (naming the JSON path at fault).
Manifest parse_manifest(std::string_view json);

/// The c10 code of "float32", ...; -1 if unknown.
int32_t dtype_from_name(std::string_view name);

}  // namespace aotc::rt

// Writes an aotc package: a `.pt2` zip in AOTInductor's layout that both the
// aotc runtime and PyTorch's AOTInductor loaders read (DESIGN.md section 3,
// docs/package-format.md).
//
// What the writer guarantees:
//   - every entry is stored (no compression) and its data starts at a
//     64-byte aligned file offset, padded with a local-header extra field
//     (id "FB", as PyTorch's own writer does); the writer reads the finished
//     file back and checks every offset;
//   - all entries sit under one root folder;
//   - fixed timestamps (1980-01-01 00:00), permissions and entry order, so
//     identical contents give a byte-identical file;
//   - the manifest (`<root>/extra/aotc_manifest.json`) records, per model,
//     the sizes and sha256 of its files, computed here.
//
// The caller (the compiler) fills PackageContents: the files it produced and
// the model's description; the writer lays everything out and writes the
// manifest and AOTInductor's metadata JSON itself.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/Status.h"

namespace aotc::codegen {

/// A file's contents: bytes in memory, or a file on disk (large weights)
/// that is streamed into the package without being read whole.
class Blob {
 public:
  Blob() = default;
  static Blob from_bytes(std::string bytes) {
    Blob b;
    b.bytes_ = std::move(bytes);
    return b;
  }
  static Blob from_file(std::filesystem::path path) {
    Blob b;
    b.path_ = std::move(path);
    return b;
  }
  bool on_disk() const { return !path_.empty(); }
  const std::string& bytes() const { return bytes_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::string bytes_;
  std::filesystem::path path_;
};

/// An input or output as the manifest describes it.
struct ManifestTensor {
  std::string name;
  std::string dtype;               ///< "float32", "bfloat16", ... (aotc::dtype_name)
  std::vector<std::string> shape;  ///< one string per dimension: "4", "s0", "2*s0 + 1"
};

/// A shape symbol and its inclusive range; nullopt means unbounded.
struct ManifestSymbol {
  std::string name;
  std::optional<int64_t> min;
  std::optional<int64_t> max;
};

/// A kernel choice, as `aotc inspect` shows it.
struct ManifestKernel {
  std::string node;    ///< graph node (or fused group) it implements
  std::string op;      ///< "aten.mm", "fused_pointwise", ...
  std::string kernel;  ///< what was chosen: "cublaslt", "gemm_tile_128x128", "cpu_blocked_gemm"
  std::map<std::string, std::string> details;  ///< free-form: tile sizes, reason, tuning key
};

/// One model of a package: its files and its description.
struct PackageModel {
  std::string name = "model";      ///< folder data/aotinductor/<name>/
  std::string target = "cpu";      ///< "cpu" or "cuda"
  std::vector<std::string> archs;  ///< "sm_80", "sm_90", ... for cuda
  /// The "<h>" of <h>.wrapper.so etc.; empty: the first 16 hex digits of the
  /// wrapper source's sha256.
  std::string file_stem;
  Blob wrapper_cpp;             ///< <h>.wrapper.cpp: the generated host code
  Blob library;                 ///< <h>.wrapper.so: the compiled model library
  std::optional<Blob> weights;  ///< <h>.weights.bin: the raw weights blob
  /// Other files of the model folder (cubins, ...), by file name.
  std::vector<std::pair<std::string, Blob>> extra_files;
  /// Merged into <h>.wrapper_metadata.json (AOTI_DEVICE_KEY is the writer's).
  std::map<std::string, std::string> extra_metadata;

  std::vector<ManifestTensor> inputs;
  std::vector<ManifestTensor> outputs;
  std::vector<ManifestSymbol> symbols;
  std::vector<std::string> passes;  ///< passes run, in order
  std::vector<ManifestKernel> kernels;
  std::map<std::string, std::string>
      compiler;  ///< "cxx": "g++ 12.2.0", "cxx_flags": ..., "nvrtc": "13.0"
};

struct PackageContents {
  /// The root folder; empty: the output file's stem (as AOTInductor names it).
  std::string root;
  /// Recorded in the manifest; empty: this build's version.
  std::string aotc_version;
  std::vector<PackageModel> models;
};

/// The manifest's `format` and the `format_version` this writer produces.
inline constexpr const char* kManifestFormat = "aotc-package";
inline constexpr int64_t kManifestFormatVersion = 1;
/// The alignment of every entry's data in the file.
inline constexpr uint64_t kPackageAlignment = 64;

/// Writes the package to `path` (replacing it). Errors name the file, model
/// or entry at fault.
Status write_package(const std::filesystem::path& path, const PackageContents& contents);

}  // namespace aotc::codegen

// The host toolchain: compiles generated model code into a model library.
//
// The generated wrapper.cpp and the headers it includes (embedded in aotc at
// build time, so what is compiled is exactly what this aotc knows) are
// written to a private temporary folder and compiled with the system C++
// compiler (AOTC_CXX, else c++, g++ or clang++ on PATH), then linked with the
// model support library and, for CPU models, the CPU kernel library, the way
// cmake/AotcModelLibrary.cmake does: -fPIC, hidden symbols, static
// libstdc++/libgcc, and a version script exporting only the model ABI.
//
// Results are cached by content: the key hashes the sources, headers,
// flags, the compiler's identity and the support libraries, so recompiling
// an unchanged model costs a file copy. The cache is $AOTC_CACHE_DIR, else
// $XDG_CACHE_HOME/aotc, else ~/.cache/aotc; AOTC_CACHE_DIR=off disables it.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "support/Status.h"

namespace aotc::codegen {

struct HostToolchain {
  std::filesystem::path cxx;
  std::string version;  ///< first line of `cxx --version`
};

/// Finds the host compiler; a clear error if there is none.
Expected<HostToolchain> find_host_toolchain();

/// The prebuilt archives a model library links with, found next to the aotc
/// executable (<prefix>/lib/aotc), in the build tree, or in $AOTC_LIB_DIR.
struct SupportLibraries {
  std::filesystem::path model_rt;       ///< libaotc_model_rt.a
  std::filesystem::path cpu_kernels;    ///< libaotc_cpu_kernels.a
  std::filesystem::path version_script; ///< aotc_model.map
  std::string fingerprint;              ///< sha256 of the three files
};

Expected<SupportLibraries> find_support_libraries();

/// One model library to build.
struct LibraryJob {
  std::string source;                 ///< the generated wrapper.cpp
  std::vector<std::string> headers;   ///< embedded header names to provide (basenames)
  /// Extra translation units (name, text): e.g. an assembly file embedding device code.
  std::vector<std::pair<std::string, std::string>> extra_sources;
  bool link_cpu_kernels = true;
  std::vector<std::string> extra_flags;
  /// Extra text for the cache key (what determines `data_files`' output).
  std::string cache_salt;
  /// Binary files (name, bytes) the extra sources use (e.g. with .incbin),
  /// produced on demand after the wrapper is compiled, so that producing them
  /// (NVRTC) overlaps the host compile. Not called on a cache hit.
  std::function<Expected<std::vector<std::pair<std::string, std::string>>>()> data_files;
};

struct LibraryResult {
  std::string library;   ///< the .so bytes
  bool cache_hit = false;
  std::string command;   ///< the compile command line, for the manifest and -v
  double seconds = 0.0;
};

Expected<LibraryResult> build_model_library(const HostToolchain& toolchain, const SupportLibraries& libs,
                                            const LibraryJob& job);

/// Names of the headers embedded in aotc (basenames), and their text.
std::vector<std::string> embedded_header_names();
std::string_view embedded_header(std::string_view name);

/// The cache folder in use, or nullopt when caching is off.
std::optional<std::filesystem::path> cache_dir();

}  // namespace aotc::codegen

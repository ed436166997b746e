// Writing an aotc package; see PackageWriter.h and docs/package-format.md.
//
// Alignment: libzip writes entries one after another, each a 30-byte local
// header, the name, the local extra fields, then the data. The writer gives
// each entry one extra field of its own (id 0x4246, "FB", filled with 'Z', as
// PyTorch's miniz-based writer does) sized so that the data lands on a
// multiple of 64. libzip may add local extra fields of its own (zip64 sizes
// for entries of 4 GiB and more), so the writer reads the finished file back
// with the runtime's zip reader: if any entry is off, it measures what libzip
// added and writes the file once more, then checks again.
#include "PackageWriter.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "Sha256.h"
#include "ZipReader.h"

#ifndef AOTC_VERSION_STRING
#define AOTC_VERSION_STRING "unknown"
#endif

namespace aotc::codegen {
namespace {

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

constexpr uint16_t kPaddingFieldId = 0x4246;  // bytes 'F', 'B'
constexpr uint64_t kLocalHeaderSize = 30;
constexpr uint64_t kExtraFieldHeaderSize = 4;
constexpr zip_uint16_t kDosDate19800101 = (0 << 9) | (1 << 5) | 1;  // year-1980, month, day
constexpr zip_uint32_t kFileMode = 0100644;                         // regular file, rw-r--r--

Error zip_call_error(const std::string& what, const char* call, const char* file, int line) {
  return make_error(ErrorCode::kIo, "writing the package failed: {} ({} at {}:{})", what, call,
                    file, line);
}

/// Checks a libzip call that returns a negative value on failure.
#define AOTC_ZIP_CHECK(archive, call)                                                             \
  do {                                                                                            \
    if ((call) < 0) return zip_call_error(zip_strerror(archive), #call, __FILE_NAME__, __LINE__); \
  } while (0)

// One entry of the archive, in writing order.
struct Entry {
  std::string name;   // full name in the archive
  std::string bytes;  // contents when generated or held in memory
  fs::path file;      // contents when on disk (bytes unused)
  uint64_t size = 0;
};

struct Digest {
  uint64_t size = 0;
  std::string sha256;
};

bool safe_name(const std::string& s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Expected<Digest> digest(const Blob& blob, const std::string& what) {
  if (!blob.on_disk())
    return Digest{blob.bytes().size(), sha256::hex(blob.bytes().data(), blob.bytes().size())};
  std::ifstream in(blob.path(), std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, "cannot read {} for {}", blob.path().string(), what);
  sha256::Hasher h;
  std::vector<char> chunk(1 << 20);
  uint64_t total = 0;
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const std::streamsize n = in.gcount();
    if (n <= 0) break;
    h.update(chunk.data(), static_cast<size_t>(n));
    total += static_cast<uint64_t>(n);
  }
  if (in.bad())
    return make_error(ErrorCode::kIo, "reading {} for {} failed", blob.path().string(), what);
  return Digest{total, sha256::to_hex(h.digest())};
}

Entry text_entry(std::string name, std::string text) {
  Entry e;
  e.name = std::move(name);
  e.size = text.size();
  e.bytes = std::move(text);
  return e;
}

Entry blob_entry(std::string name, const Blob& blob, uint64_t size) {
  Entry e;
  e.name = std::move(name);
  e.size = size;
  if (blob.on_disk()) {
    e.file = blob.path();
  } else {
    e.bytes = blob.bytes();
  }
  return e;
}

std::string sanitized_root(const PackageContents& contents, const fs::path& path) {
  std::string root = contents.root.empty() ? path.stem().string() : contents.root;
  for (char& c : root) {
    if (!safe_name(std::string(1, c))) c = '_';
  }
  return root.empty() || root == "." || root == ".." ? "package" : root;
}

Status validate(const PackageContents& contents) {
  if (contents.models.empty())
    return make_error(ErrorCode::kInvalidInput, "a package needs at least one model");
  std::set<std::string> names;
  for (const PackageModel& m : contents.models) {
    if (!safe_name(m.name)) {
      return make_error(ErrorCode::kInvalidInput,
                        "model name '{}' is not a plain name (letters, digits, '_', '-', '.')",
                        m.name);
    }
    if (!names.insert(m.name).second)
      return make_error(ErrorCode::kInvalidInput, "two models are named '{}'", m.name);
    if (m.target != "cpu" && m.target != "cuda") {
      return make_error(ErrorCode::kInvalidInput, "model '{}': target '{}' is neither cpu nor cuda",
                        m.name, m.target);
    }
    if (!m.file_stem.empty() && !safe_name(m.file_stem)) {
      return make_error(ErrorCode::kInvalidInput, "model '{}': file stem '{}' is not a plain name",
                        m.name, m.file_stem);
    }
    if (m.extra_metadata.count("AOTI_DEVICE_KEY")) {
      return make_error(ErrorCode::kInvalidInput,
                        "model '{}': AOTI_DEVICE_KEY is set by the package writer", m.name);
    }
    std::set<std::string> files;
    for (const auto& [file, blob] : m.extra_files) {
      if (!safe_name(file) || !files.insert(file).second) {
        return make_error(ErrorCode::kInvalidInput,
                          "model '{}': extra file name '{}' is bad or repeated", m.name, file);
      }
    }
  }
  return Status::ok();
}

ordered_json file_json(const std::string& name, const Digest& d) {
  ordered_json j;
  j["name"] = name;
  j["size"] = d.size;
  j["sha256"] = d.sha256;
  return j;
}

ordered_json tensors_json(const std::vector<ManifestTensor>& tensors) {
  ordered_json list = ordered_json::array();
  for (const ManifestTensor& t : tensors) {
    ordered_json j;
    j["name"] = t.name;
    j["dtype"] = t.dtype;
    j["shape"] = t.shape;
    list.push_back(std::move(j));
  }
  return list;
}

ordered_json string_map_json(const std::map<std::string, std::string>& m) {
  ordered_json j = ordered_json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

// Everything a model contributes: its entries and its manifest object.
struct ModelLayout {
  std::vector<Entry> entries;
  ordered_json manifest;
};

Expected<ModelLayout> layout_model(const std::string& root, const PackageModel& m) {
  const std::string what = "model '" + m.name + "'";
  AOTC_ASSIGN_OR_RETURN(Digest wrapper, digest(m.wrapper_cpp, what + " wrapper source"));
  AOTC_ASSIGN_OR_RETURN(Digest library, digest(m.library, what + " library"));
  std::optional<Digest> weights;
  if (m.weights) {
    AOTC_ASSIGN_OR_RETURN(Digest w, digest(*m.weights, what + " weights"));
    weights = w;
  }
  const std::string stem = m.file_stem.empty() ? wrapper.sha256.substr(0, 16) : m.file_stem;
  const std::string dir = root + "/data/aotinductor/" + m.name + "/";
  const std::string wrapper_name = stem + ".wrapper.cpp";
  const std::string library_name = stem + ".wrapper.so";
  const std::string metadata_name = stem + ".wrapper_metadata.json";
  const std::string weights_name = stem + ".weights.bin";

  // AOTInductor's metadata: string values only; AOTI_DEVICE_KEY picks the runner.
  std::map<std::string, std::string> metadata = m.extra_metadata;
  metadata["AOTI_DEVICE_KEY"] = m.target;
  metadata["AOTC_MODEL"] = m.name;
  metadata["AOTC_FORMAT_VERSION"] = std::to_string(kManifestFormatVersion);
  std::string metadata_text = string_map_json(metadata).dump(2) + "\n";
  const Digest metadata_digest{metadata_text.size(),
                               sha256::hex(metadata_text.data(), metadata_text.size())};

  ModelLayout out;
  out.entries.push_back(blob_entry(dir + wrapper_name, m.wrapper_cpp, wrapper.size));
  out.entries.push_back(text_entry(dir + metadata_name, std::move(metadata_text)));
  out.entries.push_back(blob_entry(dir + library_name, m.library, library.size));
  std::vector<std::pair<std::string, const Blob*>> extras;
  for (const auto& [name, blob] : m.extra_files) extras.emplace_back(name, &blob);
  std::sort(extras.begin(), extras.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  ordered_json extra_json = ordered_json::array();
  for (const auto& [name, blob] : extras) {
    if (name == wrapper_name || name == library_name || name == metadata_name ||
        name == weights_name) {
      return make_error(ErrorCode::kInvalidInput, "{}: extra file '{}' clashes with a model file",
                        what, name);
    }
    AOTC_ASSIGN_OR_RETURN(Digest d, digest(*blob, what + " file " + name));
    out.entries.push_back(blob_entry(dir + name, *blob, d.size));
    extra_json.push_back(file_json(name, d));
  }
  if (weights) out.entries.push_back(blob_entry(dir + weights_name, *m.weights, weights->size));

  ordered_json& j = out.manifest;
  j["name"] = m.name;
  j["target"] = m.target;
  j["archs"] = m.archs;
  ordered_json files;
  files["wrapper"] = file_json(wrapper_name, wrapper);
  files["library"] = file_json(library_name, library);
  files["metadata"] = file_json(metadata_name, metadata_digest);
  if (weights) files["weights"] = file_json(weights_name, *weights);
  files["extra"] = std::move(extra_json);
  j["files"] = std::move(files);
  j["inputs"] = tensors_json(m.inputs);
  j["outputs"] = tensors_json(m.outputs);
  ordered_json symbols = ordered_json::array();
  for (const ManifestSymbol& s : m.symbols) {
    ordered_json sj;
    sj["name"] = s.name;
    sj["min"] = s.min ? ordered_json(*s.min) : ordered_json(nullptr);
    sj["max"] = s.max ? ordered_json(*s.max) : ordered_json(nullptr);
    symbols.push_back(std::move(sj));
  }
  j["symbols"] = std::move(symbols);
  j["passes"] = m.passes;
  ordered_json kernels = ordered_json::array();
  for (const ManifestKernel& k : m.kernels) {
    ordered_json kj;
    kj["node"] = k.node;
    kj["op"] = k.op;
    kj["kernel"] = k.kernel;
    kj["details"] = string_map_json(k.details);
    kernels.push_back(std::move(kj));
  }
  j["kernels"] = std::move(kernels);
  j["compiler"] = string_map_json(m.compiler);
  return out;
}

// Writes the archive once with the given padding per entry.
Status write_archive(const fs::path& path, const std::vector<Entry>& entries,
                     const std::vector<uint16_t>& padding) {
  int code = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
  if (za == nullptr) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    Error e =
        make_error(ErrorCode::kIo, "cannot create {}: {}", path.string(), zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return e;
  }
  auto body = [&]() -> Status {
    const std::string pad(kPackageAlignment, 'Z');
    for (size_t i = 0; i < entries.size(); ++i) {
      const Entry& e = entries[i];
      zip_source_t* src = e.file.empty() ? zip_source_buffer(za, e.bytes.data(), e.bytes.size(), 0)
                                         : zip_source_file(za, e.file.c_str(), 0, -1);
      if (src == nullptr)
        return zip_call_error(zip_strerror(za), "zip_source_*", __FILE_NAME__, __LINE__);
      const zip_int64_t idx = zip_file_add(za, e.name.c_str(), src, ZIP_FL_ENC_UTF_8);
      if (idx < 0) {
        zip_source_free(src);
        return zip_call_error(zip_strerror(za), "zip_file_add", __FILE_NAME__, __LINE__);
      }
      const auto index = static_cast<zip_uint64_t>(idx);
      AOTC_ZIP_CHECK(za, zip_set_file_compression(za, index, ZIP_CM_STORE, 0));
      AOTC_ZIP_CHECK(za, zip_file_set_dostime(za, index, 0, kDosDate19800101, 0));
      AOTC_ZIP_CHECK(
          za, zip_file_set_external_attributes(za, index, 0, ZIP_OPSYS_UNIX, kFileMode << 16));
      AOTC_ZIP_CHECK(za, zip_file_extra_field_set(za, index, kPaddingFieldId, ZIP_EXTRA_FIELD_NEW,
                                                  reinterpret_cast<const zip_uint8_t*>(pad.data()),
                                                  padding[i], ZIP_FL_LOCAL));
    }
    AOTC_ZIP_CHECK(za, zip_close(za));
    return Status::ok();
  };
  Status s = body();
  if (!s) zip_discard(za);  // after a failed zip_close too: the archive is still open
  return s;
}

// The archive as libzip wrote it, read back with the runtime's reader.
Expected<std::vector<zip::ZipEntry>> read_back(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::kIo, "cannot reopen {} to check it", path.string());
  struct stat st {};
  ::fstat(fd, &st);
  const auto size = static_cast<size_t>(st.st_size);
  void* p = size > 0 ? ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
  ::close(fd);
  if (p == MAP_FAILED)
    return make_error(ErrorCode::kIo, "cannot map {} to check it", path.string());
  Expected<std::vector<zip::ZipEntry>> result = std::vector<zip::ZipEntry>{};
  try {
    zip::ZipReader reader(static_cast<const uint8_t*>(p), size);
    result = reader.entries();
  } catch (const zip::ZipError& e) {
    result =
        make_error(ErrorCode::kInternal, "the package writer produced an unreadable archive {}: {}",
                   path.string(), e.what());
  }
  if (p != nullptr) ::munmap(p, size);
  return result;
}

// Paddings that align each entry's data, given what libzip adds to each
// local header beyond the writer's own field.
std::vector<uint16_t> paddings(const std::vector<Entry>& entries,
                               const std::vector<uint64_t>& overhead) {
  std::vector<uint16_t> pad(entries.size());
  uint64_t cursor = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const uint64_t base =
        cursor + kLocalHeaderSize + entries[i].name.size() + kExtraFieldHeaderSize + overhead[i];
    pad[i] =
        static_cast<uint16_t>((kPackageAlignment - base % kPackageAlignment) % kPackageAlignment);
    cursor = base + pad[i] + entries[i].size;
  }
  return pad;
}

}  // namespace

Status write_package(const fs::path& path, const PackageContents& contents) {
  AOTC_RETURN_IF_ERROR(validate(contents));
  const std::string root = sanitized_root(contents, path);

  std::vector<Entry> entries;
  entries.push_back(text_entry(root + "/archive_format", "pt2"));
  entries.push_back(text_entry(root + "/archive_version", "0"));
  entries.push_back(text_entry(root + "/.data/version", "6\n"));
  entries.push_back(text_entry(root + "/byteorder", "little"));
  const size_t manifest_index = entries.size();
  entries.push_back(text_entry(root + "/extra/aotc_manifest.json", ""));

  ordered_json manifest;
  manifest["format"] = kManifestFormat;
  manifest["format_version"] = kManifestFormatVersion;
  manifest["aotc_version"] =
      contents.aotc_version.empty() ? AOTC_VERSION_STRING : contents.aotc_version;
  manifest["models"] = ordered_json::array();
  for (const PackageModel& m : contents.models) {
    AOTC_ASSIGN_OR_RETURN(ModelLayout layout, layout_model(root, m));
    for (Entry& e : layout.entries) entries.push_back(std::move(e));
    manifest["models"].push_back(std::move(layout.manifest));
  }
  entries[manifest_index] = text_entry(root + "/extra/aotc_manifest.json", manifest.dump(2) + "\n");

  std::vector<uint64_t> overhead(entries.size(), 0);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const std::vector<uint16_t> pad = paddings(entries, overhead);
    AOTC_RETURN_IF_ERROR(write_archive(path, entries, pad));
    AOTC_ASSIGN_OR_RETURN(std::vector<zip::ZipEntry> written, read_back(path));
    if (written.size() != entries.size()) {
      return make_error(ErrorCode::kInternal, "{} holds {} entries, {} were written", path.string(),
                        written.size(), entries.size());
    }
    bool aligned = true;
    for (size_t i = 0; i < entries.size(); ++i) {
      const zip::ZipEntry& w = written[i];
      if (w.name != entries[i].name || w.method != 0 || w.compressed_size != entries[i].size) {
        return make_error(ErrorCode::kInternal, "{}: entry {} ('{}') was not written as asked",
                          path.string(), i, entries[i].name);
      }
      const uint64_t expected =
          w.local_header_offset + kLocalHeaderSize + w.name.size() + kExtraFieldHeaderSize + pad[i];
      if (w.data_offset < expected) {
        return make_error(ErrorCode::kInternal,
                          "{}: entry '{}' starts earlier than its header allows", path.string(),
                          w.name);
      }
      overhead[i] = w.data_offset - expected;
      aligned = aligned && w.data_offset % kPackageAlignment == 0;
    }
    if (aligned) return Status::ok();
  }
  std::error_code ec;
  fs::remove(path, ec);
  return make_error(ErrorCode::kInternal, "could not align the entries of {} to {} bytes",
                    path.string(), kPackageAlignment);
}

}  // namespace aotc::codegen

// Materializing PayloadConfig tensors, weight folders and safetensors files.
#include "frontend/Weights.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>

#include "support/Files.h"
#include "frontend/JsonReader.h"

namespace aotc {

// Payload files and safetensors data are little-endian and copied as-is.
static_assert(std::endian::native == std::endian::little,
              "aotc reads little-endian weights on little-endian hosts");

namespace {

std::string join_ints(std::span<const int64_t> v) {
  return fmt::format("[{}]", fmt::join(v, ", "));
}

// Concrete ints of a config's sizes/strides; the weights config always holds ints.
Expected<std::vector<int64_t>> concrete(const std::vector<schema::SymInt>& dims, const char* what) {
  std::vector<int64_t> out;
  out.reserve(dims.size());
  for (const auto& d : dims) {
    if (!d.is_int())
      return make_error(ErrorCode::kInvalidInput,
                        "{} has a symbolic entry \"{}\"; stored tensors have concrete {}", what,
                        d.as_expr().expr_str, what);
    out.push_back(d.as_int());
  }
  return out;
}

bool checked_mul(int64_t a, int64_t b, int64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}
bool checked_add(int64_t a, int64_t b, int64_t& out) {
  return !__builtin_add_overflow(a, b, &out);
}

// Copies the strided view element by element, innermost dimension fastest.
void copy_strided(const uint8_t* base, size_t elem, std::span<const int64_t> sizes,
                  std::span<const int64_t> strides, uint8_t* dst) {
  const size_t rank = sizes.size();
  std::vector<int64_t> index(rank, 0);
  int64_t numel = 1;
  for (int64_t s : sizes) numel *= s;
  int64_t offset = 0;  // in elements, relative to base
  for (int64_t n = 0; n < numel; ++n) {
    std::memcpy(dst, base + offset * static_cast<int64_t>(elem), elem);
    dst += elem;
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < sizes[d]) {
        offset += strides[d];
        break;
      }
      offset -= (sizes[d] - 1) * strides[d];
      index[d] = 0;
    }
  }
}

}  // namespace

Expected<HostTensor> materialize_strided(std::span<const uint8_t> storage, DType dtype,
                                         std::span<const int64_t> sizes,
                                         std::span<const int64_t> strides, int64_t storage_offset) {
  const auto elem = static_cast<int64_t>(dtype_size(dtype));
  auto view = [&] {
    return fmt::format("{}, sizes {}, strides {}, storage offset {}", dtype_name(dtype),
                       join_ints(sizes), join_ints(strides), storage_offset);
  };
  if (strides.size() != sizes.size())
    return make_error(ErrorCode::kInvalidInput, "{} sizes but {} strides ({})", sizes.size(),
                      strides.size(), view());
  if (storage_offset < 0)
    return make_error(ErrorCode::kInvalidInput, "negative storage offset ({})", view());
  int64_t numel = 1;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] < 0 || strides[d] < 0)
      return make_error(ErrorCode::kInvalidInput, "negative size or stride ({})", view());
    if (!checked_mul(numel, sizes[d], numel))
      return make_error(ErrorCode::kInvalidInput, "the element count overflows ({})", view());
  }
  std::vector<int64_t> shape(sizes.begin(), sizes.end());
  if (numel == 0 || storage.empty()) return HostTensor::zeros(dtype, std::move(shape));

  // The last element the view touches, then its end in bytes.
  int64_t last = storage_offset, needed = 0;
  for (size_t d = 0; d < sizes.size(); ++d) {
    int64_t span = 0;
    if (!checked_mul(sizes[d] - 1, strides[d], span) || !checked_add(last, span, last))
      return make_error(ErrorCode::kInvalidInput, "the view's extent overflows ({})", view());
  }
  if (!checked_add(last, 1, needed) || !checked_mul(needed, elem, needed))
    return make_error(ErrorCode::kInvalidInput, "the view's extent overflows ({})", view());
  if (static_cast<uint64_t>(needed) > storage.size())
    return make_error(ErrorCode::kInvalidInput, "needs {} bytes ({}), but the file has {} bytes",
                      needed, view(), storage.size());

  HostTensor out = HostTensor::zeros(dtype, std::move(shape));
  auto* dst = static_cast<uint8_t*>(out.mutable_data());
  const uint8_t* base = storage.data() + storage_offset * elem;
  // Dimensions of size 1 may carry any stride; the rest must be row-major.
  bool contiguous = true;
  int64_t expected = 1;
  for (size_t d = sizes.size(); d-- > 0;) {
    if (sizes[d] != 1 && strides[d] != expected) contiguous = false;
    expected *= sizes[d];
  }
  if (contiguous)
    std::memcpy(dst, base, static_cast<size_t>(numel * elem));
  else
    copy_strided(base, static_cast<size_t>(elem), sizes, strides, dst);
  return out;
}

Status materialize_payloads(const schema::PayloadConfig& config, const PayloadFiles& files,
                            std::string_view source, WeightMap& out) {
  // Each file is read once and dropped after its last user, so that peak
  // memory stays near the size of the weights rather than twice it.
  std::map<std::string, int> users;
  for (const auto& [fqn, entry] : config.config) ++users[entry.path_name];
  std::map<std::string, std::string> storages;  // path_name -> bytes

  for (const auto& [fqn, entry] : config.config) {
    const std::string file = files.describe(entry.path_name);
    if (entry.use_pickle)
      return make_error(ErrorCode::kUnsupported,
                        "{}: tensor \"{}\" is stored as a Python pickle (use_pickle: true, {}); "
                        "aotc reads only plain tensors stored raw, not tensor subclasses or "
                        "TorchBind objects. Export the module with a plain tensor there, or pass "
                        "--weights with a .safetensors file holding it",
                        source, fqn, file);
    if (!entry.tensor_meta)
      return make_error(ErrorCode::kInvalidInput, "{}: tensor \"{}\" has no tensor_meta", source,
                        fqn);
    if (out.contains(fqn))
      return make_error(ErrorCode::kInvalidInput,
                        "{}: tensor \"{}\" is defined twice (weights and constants)", source, fqn);
    const schema::TensorMeta& meta = *entry.tensor_meta;
    auto dtype = dtype_from_export_code(meta.dtype);
    if (!dtype) {
      const char* name = schema::scalar_type_name(meta.dtype);
      return make_error(ErrorCode::kUnsupported,
                        "{}: tensor \"{}\" has dtype {} (export ScalarType {}), which aotc does "
                        "not support",
                        source, fqn, name ? name : "unknown", meta.dtype);
    }
    auto context = [&](Error e) {
      return e.with_context(fmt::format("{}: tensor \"{}\" ({})", source, fqn, file));
    };
    auto sizes = concrete(meta.sizes, "sizes");
    if (!sizes) return context(std::move(sizes).error());
    auto strides = concrete(meta.strides, "strides");
    if (!strides) return context(std::move(strides).error());
    if (!meta.storage_offset.is_int())
      return context(make_error(ErrorCode::kInvalidInput, "the storage offset is symbolic"));

    auto it = storages.find(entry.path_name);
    if (it == storages.end()) {
      auto bytes = files.read(entry.path_name);
      if (!bytes) {
        if (bytes.error().code == ErrorCode::kNotFound)
          return make_error(ErrorCode::kNotFound, "{}: tensor \"{}\": its file {} is missing",
                            source, fqn, file);
        return context(std::move(bytes).error());
      }
      it = storages.emplace(entry.path_name, std::move(bytes).value()).first;
    }
    std::span<const uint8_t> storage(reinterpret_cast<const uint8_t*>(it->second.data()),
                                     it->second.size());
    auto tensor =
        materialize_strided(storage, *dtype, *sizes, *strides, meta.storage_offset.as_int());
    if (!tensor) return context(std::move(tensor).error());
    out.emplace(fqn, std::move(tensor).value());
    if (--users[entry.path_name] == 0) storages.erase(it);
  }
  return Status::ok();
}

// ---- folders --------------------------------------------------------------------

namespace {

namespace fs = std::filesystem;

// A path_name from a config must stay inside its folder.
bool is_plain_relative(const std::string& name) {
  fs::path p(name);
  if (name.empty() || p.is_absolute()) return false;
  for (const auto& part : p)
    if (part == "..") return false;
  return true;
}

PayloadFiles folder_files(const fs::path& dir) {
  PayloadFiles files;
  files.describe = [dir](const std::string& name) { return (dir / name).string(); };
  files.read = [dir](const std::string& name) -> Expected<std::string> {
    if (!is_plain_relative(name))
      return make_error(ErrorCode::kInvalidInput, "path_name \"{}\" leaves the weights folder",
                        name);
    return read_file(dir / name);
  };
  return files;
}

// `<model>_<kind>_config.json` (what torch 2.11 writes), the
// `<model>_model_<kind>_config.json` spelling some documents give, or else the
// only `*_<kind>_config.json` in the folder.
Expected<std::optional<fs::path>> find_config(const fs::path& dir, std::string_view model,
                                              std::string_view kind) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::optional<fs::path>();
  for (const auto& name : {fmt::format("{}_{}_config.json", model, kind),
                           fmt::format("{}_model_{}_config.json", model, kind)}) {
    if (fs::is_regular_file(dir / name, ec)) return std::optional<fs::path>(dir / name);
  }
  std::vector<fs::path> found;
  const std::string suffix = fmt::format("_{}_config.json", kind);
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.size() > suffix.size() && name.ends_with(suffix))
      found.push_back(e.path());
  }
  if (found.size() == 1) return std::optional<fs::path>(found[0]);
  if (found.size() > 1) {
    std::vector<std::string> names;
    for (const auto& p : found) names.push_back(p.filename().string());
    std::sort(names.begin(), names.end());
    return make_error(ErrorCode::kInvalidInput,
                      "{}: several {} configs ({}) and none named {}_{}_config.json", dir.string(),
                      kind, fmt::join(names, ", "), model, kind);
  }
  return std::optional<fs::path>();
}

Status read_folder_config(const fs::path& config_path, WeightMap& out) {
  AOTC_ASSIGN_OR_RETURN(std::string text, read_file(config_path));
  AOTC_ASSIGN_OR_RETURN(schema::PayloadConfig config,
                        parse_payload_config(text, config_path.string()));
  return materialize_payloads(config, folder_files(config_path.parent_path()), config_path.string(),
                              out);
}

}  // namespace

Expected<WeightMap> read_weights_folder(const fs::path& dir, std::string_view model_name) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return make_error(ErrorCode::kNotFound, "{}: no such folder", dir.string());
  // Layouts, in order: flat; an unzipped archive's data/weights + data/constants;
  // the same under the archive's single root folder.
  std::vector<std::pair<fs::path, fs::path>> layouts = {
      {dir, dir}, {dir / "data/weights", dir / "data/constants"}};
  std::vector<fs::path> subdirs;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory() && fs::is_directory(e.path() / "data/weights"))
      subdirs.push_back(e.path());
  if (subdirs.size() == 1)
    layouts.emplace_back(subdirs[0] / "data/weights", subdirs[0] / "data/constants");

  for (const auto& [weights_dir, constants_dir] : layouts) {
    AOTC_ASSIGN_OR_RETURN(auto weights_config, find_config(weights_dir, model_name, "weights"));
    if (!weights_config) continue;
    WeightMap out;
    AOTC_RETURN_IF_ERROR(read_folder_config(*weights_config, out));
    AOTC_ASSIGN_OR_RETURN(auto constants_config,
                          find_config(constants_dir, model_name, "constants"));
    if (constants_config) AOTC_RETURN_IF_ERROR(read_folder_config(*constants_config, out));
    return out;
  }
  return make_error(ErrorCode::kNotFound,
                    "{}: no weights config found (looked for {}_weights_config.json there and "
                    "under data/weights/); a weights folder holds the {}_weights_config.json and "
                    "weight_N files of a torch.export archive",
                    dir.string(), model_name, model_name);
}

// ---- safetensors ------------------------------------------------------------------

namespace {

std::optional<DType> safetensors_dtype(std::string_view name) {
  static const std::pair<std::string_view, DType> kTable[] = {
      {"BOOL", DType::Bool},   {"U8", DType::UInt8},      {"I8", DType::Int8},
      {"I16", DType::Int16},   {"I32", DType::Int32},     {"I64", DType::Int64},
      {"F16", DType::Float16}, {"BF16", DType::BFloat16}, {"F32", DType::Float32},
      {"F64", DType::Float64},
  };
  for (const auto& [n, t] : kTable)
    if (n == name) return t;
  return std::nullopt;
}

struct SafetensorsEntry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

// The safetensors format caps the header at 100 MB.
constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;

}  // namespace

Expected<WeightMap> read_safetensors(const fs::path& file) {
  const std::string source = file.string();
  std::error_code ec;
  if (!fs::exists(file, ec)) return make_error(ErrorCode::kNotFound, "{}: no such file", source);
  const uint64_t file_size = fs::file_size(file, ec);
  if (ec)
    return make_error(ErrorCode::kIo, "{}: cannot determine the file size: {}", source,
                      ec.message());
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, "{}: cannot open", source);
  if (file_size < 8)
    return make_error(ErrorCode::kInvalidInput, "{}: {} bytes is too short for a safetensors file",
                      source, file_size);
  uint8_t len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | len_bytes[i];
  if (header_len > file_size - 8 || header_len > kMaxSafetensorsHeader)
    return make_error(ErrorCode::kInvalidInput,
                      "{}: the safetensors header claims {} bytes, but the file has {} bytes after "
                      "the length; this is not a safetensors file or it is truncated",
                      source, header_len, file_size - 8);
  std::string header(header_len, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(header_len)))
    return make_error(ErrorCode::kIo, "{}: cannot read the safetensors header", source);
  const uint64_t data_start = 8 + header_len;
  const uint64_t data_size = file_size - data_start;

  AOTC_ASSIGN_OR_RETURN(json_reader::Json json,
                        json_reader::parse_json(header, source + " (header)"));
  auto entries = json_reader::catch_json_errors(source, [&] {
    using json_reader::Cursor;
    std::vector<SafetensorsEntry> out;
    Cursor root = Cursor::root(json);
    root.for_each_member([&](const std::string& name, const Cursor& v) {
      if (name == "__metadata__") return;  // free-form string map
      v.expect_object();
      SafetensorsEntry e;
      e.name = name;
      Cursor dtype = v.field("dtype");
      auto t = safetensors_dtype(dtype.as_string());
      if (!t)
        dtype.fail(fmt::format("dtype \"{}\" is not supported by aotc", dtype.as_string()),
                   ErrorCode::kUnsupported);
      e.dtype = *t;
      Cursor shape = v.field("shape");
      int64_t numel = 1;
      shape.for_each_element([&](const Cursor& d) {
        int64_t n = d.as_int();
        if (n < 0) d.fail("negative dimension");
        if (!checked_mul(numel, n, numel)) shape.fail("the element count overflows");
        e.shape.push_back(n);
      });
      Cursor offsets = v.field("data_offsets");
      if (offsets.array_size() != 2) offsets.fail("expected [begin, end]");
      int64_t begin = offsets.element(0).as_int(), end = offsets.element(1).as_int();
      if (begin < 0 || end < begin || static_cast<uint64_t>(end) > data_size)
        offsets.fail(fmt::format("[{}, {}] is not a byte range within the {} data bytes", begin,
                                 end, data_size));
      int64_t nbytes = 0;
      if (!checked_mul(numel, static_cast<int64_t>(dtype_size(e.dtype)), nbytes) ||
          nbytes != end - begin)
        offsets.fail(fmt::format("[{}, {}] holds {} bytes, but {} with shape {} needs {}", begin,
                                 end, end - begin, dtype.as_string(), join_ints(e.shape), nbytes));
      e.begin = static_cast<uint64_t>(begin);
      e.end = static_cast<uint64_t>(end);
      out.push_back(std::move(e));
    });
    return out;
  });
  if (!entries) return std::move(entries).error();

  WeightMap out;
  for (auto& e : *entries) {
    HostTensor t = HostTensor::zeros(e.dtype, std::move(e.shape));
    if (e.end > e.begin) {
      in.seekg(static_cast<std::streamoff>(data_start + e.begin));
      if (!in.read(static_cast<char*>(t.mutable_data()),
                   static_cast<std::streamsize>(e.end - e.begin)))
        return make_error(ErrorCode::kIo, "{}: cannot read the data of \"{}\"", source, e.name);
    }
    out.emplace(std::move(e.name), std::move(t));
  }
  return out;
}

}  // namespace aotc

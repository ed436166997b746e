// libzip-backed reading of zip archives, every call checked.
#include "frontend/Archive.h"

#include <zip.h>

namespace aotc {
namespace {

// "zip_fread failed: Read error (Archive.cpp:88)": which libzip call failed,
// libzip's reason, and where in aotc it was called.
std::string zip_failure(const char* call, zip_error_t* error, const char* file, int line) {
  return fmt::format("{} failed: {} ({}:{})", call, zip_error_strerror(error), file, line);
}

std::string zip_failure_code(const char* call, int code, const char* file, int line) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string out = zip_failure(call, &error, file, line);
  zip_error_fini(&error);
  return out;
}

#define AOTC_ZIP_FAILURE(call, error) zip_failure(call, error, __FILE_NAME__, __LINE__)
#define AOTC_ZIP_FAILURE_CODE(call, code) zip_failure_code(call, code, __FILE_NAME__, __LINE__)

}  // namespace

void ZipArchive::Closer::operator()(zip* archive) const {
  // Read-only: nothing to write back, so discard rather than close.
  zip_discard(archive);
}

Expected<ZipArchive> ZipArchive::open(const std::filesystem::path& path) {
  ZipArchive out;
  out.path_ = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return make_error(ErrorCode::kNotFound, "{}: no such file", out.path_);
  if (std::filesystem::is_directory(path, ec))
    return make_error(ErrorCode::kInvalidInput, "{}: is a directory, not a zip archive", out.path_);

  int code = 0;
  zip_t* archive = zip_open(out.path_.c_str(), ZIP_RDONLY, &code);
  if (archive == nullptr) {
    std::string why = AOTC_ZIP_FAILURE_CODE("zip_open", code);
    if (code == ZIP_ER_NOZIP)
      return make_error(ErrorCode::kInvalidInput,
                        "{}: not a zip archive, so not a torch.export .pt2 file ({})", out.path_,
                        why);
    if (code == ZIP_ER_INCONS)
      return make_error(ErrorCode::kInvalidInput, "{}: the zip archive is corrupt ({})", out.path_,
                        why);
    return make_error(ErrorCode::kIo, "{}: cannot open the archive ({})", out.path_, why);
  }
  out.zip_.reset(archive);

  zip_int64_t n = zip_get_num_entries(archive, 0);
  if (n < 0)
    return make_error(ErrorCode::kIo, "{}: cannot list the archive ({})", out.path_,
                      AOTC_ZIP_FAILURE("zip_get_num_entries", zip_get_error(archive)));
  out.entries_.reserve(static_cast<size_t>(n));
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(n); ++i) {
    const char* name = zip_get_name(archive, i, ZIP_FL_ENC_RAW);
    if (name == nullptr)
      return make_error(ErrorCode::kIo, "{}: cannot read the name of entry {} ({})", out.path_, i,
                        AOTC_ZIP_FAILURE("zip_get_name", zip_get_error(archive)));
    out.entries_.emplace_back(name);
    out.index_.emplace(name, i);
  }
  return out;
}

Expected<uint64_t> ZipArchive::index_of(std::string_view name) const {
  auto it = index_.find(std::string(name));
  if (it == index_.end())
    return make_error(ErrorCode::kNotFound, "{}: no entry \"{}\"", path_, name);
  return it->second;
}

Expected<uint64_t> ZipArchive::entry_size(std::string_view name) const {
  AOTC_ASSIGN_OR_RETURN(uint64_t index, index_of(name));
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(zip_.get(), index, 0, &st) != 0)
    return make_error(ErrorCode::kIo, "{}: cannot stat entry \"{}\" ({})", path_, name,
                      AOTC_ZIP_FAILURE("zip_stat_index", zip_get_error(zip_.get())));
  if ((st.valid & ZIP_STAT_SIZE) == 0)
    return make_error(ErrorCode::kIo, "{}: entry \"{}\" has no recorded size", path_, name);
  return static_cast<uint64_t>(st.size);
}

Expected<std::string> ZipArchive::read(std::string_view name) const {
  AOTC_ASSIGN_OR_RETURN(uint64_t index, index_of(name));
  AOTC_ASSIGN_OR_RETURN(uint64_t size, entry_size(name));
  zip_file_t* file = zip_fopen_index(zip_.get(), index, 0);
  if (file == nullptr)
    return make_error(ErrorCode::kIo, "{}: cannot open entry \"{}\" ({})", path_, name,
                      AOTC_ZIP_FAILURE("zip_fopen_index", zip_get_error(zip_.get())));
  std::string data(size, '\0');
  uint64_t done = 0;
  std::string failure;
  while (done < size) {
    zip_int64_t got = zip_fread(file, data.data() + done, size - done);
    if (got < 0) {
      failure = AOTC_ZIP_FAILURE("zip_fread", zip_file_get_error(file));
      break;
    }
    if (got == 0) {
      failure = fmt::format("the entry ended after {} of {} bytes", done, size);
      break;
    }
    done += static_cast<uint64_t>(got);
  }
  // zip_fclose reports a CRC mismatch, which only shows once all data was read.
  if (int code = zip_fclose(file); code != 0 && failure.empty())
    failure = AOTC_ZIP_FAILURE_CODE("zip_fclose", code);
  if (!failure.empty())
    return make_error(ErrorCode::kIo, "{}: cannot read entry \"{}\" ({})", path_, name, failure);
  return data;
}

}  // namespace aotc

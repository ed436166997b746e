// Whole-file reads and writes with messages that name the file.
#include "support/Files.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace aotc {
namespace {

Expected<std::ifstream> open_for_reading(const std::filesystem::path& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status))
    return make_error(ErrorCode::kNotFound, "{}: no such file", path.string());
  if (std::filesystem::is_directory(status))
    return make_error(ErrorCode::kIo, "{}: is a directory, expected a file", path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(ErrorCode::kIo, "{}: cannot open: {}", path.string(), std::strerror(errno));
  return in;
}

}  // namespace

Expected<std::string> read_file(const std::filesystem::path& path) {
  AOTC_ASSIGN_OR_RETURN(std::ifstream in, open_for_reading(path));
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0)
    return make_error(ErrorCode::kIo, "{}: cannot determine the file size", path.string());
  std::string data(static_cast<size_t>(size), '\0');
  if (!in.read(data.data(), size))
    return make_error(ErrorCode::kIo, "{}: read failed after {} of {} bytes", path.string(),
                      in.gcount(), size);
  return data;
}

Expected<std::string> read_file_prefix(const std::filesystem::path& path, size_t n) {
  AOTC_ASSIGN_OR_RETURN(std::ifstream in, open_for_reading(path));
  std::string data(n, '\0');
  in.read(data.data(), static_cast<std::streamsize>(n));
  data.resize(static_cast<size_t>(in.gcount()));
  return data;
}

Status write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::path tmp = path;
  tmp += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return make_error(ErrorCode::kIo, "cannot write {}", path.string());
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f) return make_error(ErrorCode::kIo, "cannot write {}", path.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot write {}: {}", path.string(), ec.message());
  return Status::ok();
}

}  // namespace aotc

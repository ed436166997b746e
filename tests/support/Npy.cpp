// Test support: .npy reading and tensor comparison.
#include "Npy.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace aotc::testing {

Expected<HostTensor> read_npy(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return make_error(ErrorCode::kIo, "cannot open {}", path.string());
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    return make_error(ErrorCode::kInvalidInput, "{} is not a .npy file", path.string());
  int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    header_start = 10;
  } else {
    uint32_t n;
    std::memcpy(&n, bytes.data() + 8, 4);
    header_len = n;
    header_start = 12;
  }
  std::string header = bytes.substr(header_start, header_len);
  auto field = [&](const std::string& key) {
    size_t k = header.find("'" + key + "'");
    size_t colon = header.find(':', k);
    return header.substr(colon + 1);
  };
  std::string descr = field("descr");
  descr = descr.substr(descr.find('\'') + 1);
  descr = descr.substr(0, descr.find('\''));
  if (field("fortran_order").find("True") < field("fortran_order").find(','))
    return make_error(ErrorCode::kUnsupported, "{}: Fortran order", path.string());
  std::string shape_text = field("shape");
  shape_text = shape_text.substr(shape_text.find('(') + 1);
  shape_text = shape_text.substr(0, shape_text.find(')'));
  std::vector<int64_t> shape;
  std::stringstream ss(shape_text);
  std::string item;
  while (std::getline(ss, item, ','))
    if (item.find_first_of("0123456789") != std::string::npos) shape.push_back(std::stoll(item));
  DType dtype;
  if (descr == "<f8") dtype = DType::Float64;
  else if (descr == "<f4") dtype = DType::Float32;
  else if (descr == "<f2") dtype = DType::Float16;
  else if (descr == "<i8") dtype = DType::Int64;
  else if (descr == "<i4") dtype = DType::Int32;
  else if (descr == "|i1") dtype = DType::Int8;
  else if (descr == "|u1") dtype = DType::UInt8;
  else if (descr == "|b1") dtype = DType::Bool;
  else return make_error(ErrorCode::kUnsupported, "{}: dtype {}", path.string(), descr);
  size_t data = header_start + header_len;
  HostTensor t = HostTensor::zeros(dtype, shape);
  if (bytes.size() - data < t.nbytes()) return make_error(ErrorCode::kInvalidInput, "{}: truncated", path.string());
  std::memcpy(t.mutable_data(), bytes.data() + data, t.nbytes());
  return t;
}

double relative_error(const HostTensor& a, const HostTensor& b) {
  if (a.numel() != b.numel()) return INFINITY;
  double num = 0, den = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double x = a.get(i), y = b.get(i);
    if (std::isnan(x) || std::isnan(y)) return INFINITY;
    num += (x - y) * (x - y);
    den += y * y;
  }
  if (den == 0) return std::sqrt(num);
  return std::sqrt(num / den);
}

std::filesystem::path fixture(const std::string& rel) {
  // AOTC_FIXTURES_DIR in the environment overrides the build's path (GPU runs elsewhere).
  if (const char* env = std::getenv("AOTC_FIXTURES_DIR"); env && *env) return std::filesystem::path(env) / rel;
  return std::filesystem::path(AOTC_FIXTURES_DIR) / rel;
}

}  // namespace aotc::testing

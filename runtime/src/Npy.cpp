// .npy files; see Npy.h. Format: numpy/lib/format.py (NEP 1).
#include "Npy.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "Errors.h"
#include "HostTensor.h"

namespace aotc::rt {
namespace {

struct NpyType {
  const char* descr;  // without the byte-order character
  int32_t dtype;      // what it loads as (-1: only as bfloat16 bits)
};

// uint16 has no aotc dtype: it is only read as bfloat16 bit patterns.
constexpr NpyType kTypes[] = {
    {"f4", AOTC_DTYPE_FLOAT32}, {"f8", AOTC_DTYPE_FLOAT64}, {"f2", AOTC_DTYPE_FLOAT16},
    {"i8", AOTC_DTYPE_INT64},   {"i4", AOTC_DTYPE_INT32},   {"i1", AOTC_DTYPE_INT8},
    {"u1", AOTC_DTYPE_UINT8},   {"b1", AOTC_DTYPE_BOOL},    {"u2", -1},
};

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  fail(AOTC_ERROR_INVALID_ARGUMENT, path + ": " + what);
}

// The value of 'key' in the header dict, as raw text up to the next
// top-level comma or the closing brace.
std::string field(const std::string& header, const std::string& key, const std::string& path) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) k = header.find("\"" + key + "\"");
  if (k == std::string::npos) bad(path, "the .npy header has no '" + key + "'");
  size_t colon = header.find(':', k);
  if (colon == std::string::npos) bad(path, "the .npy header is malformed");
  size_t start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos) bad(path, "the .npy header is malformed");
  size_t end = start;
  int depth = 0;
  for (; end < header.size(); ++end) {
    const char c = header[end];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth == 0 && (c == ',' || c == '}')) break;
  }
  std::string v = header.substr(start, end - start);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

std::string unquote(const std::string& s) {
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

std::vector<int64_t> parse_shape(const std::string& text, const std::string& path) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')')
    bad(path, "the .npy shape is malformed: " + text);
  std::vector<int64_t> shape;
  const std::string body = text.substr(1, text.size() - 2);
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t comma = body.find(',', pos);
    std::string item =
        body.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    item.erase(0, item.find_first_not_of(' '));
    while (!item.empty() && (item.back() == ' ' || item.back() == 'L')) item.pop_back();
    if (!item.empty()) {
      char* end = nullptr;
      const long long v = std::strtoll(item.c_str(), &end, 10);
      if (*end != '\0' || v < 0) bad(path, "the .npy shape is malformed: " + text);
      shape.push_back(v);
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return shape;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += std::to_string(shape[i]) + (shape.size() == 1 ? "," : i + 1 < shape.size() ? ", " : "");
  return s + ")";
}

const char* descr_of(int32_t dtype, uint32_t flags) {
  switch (dtype) {
    case AOTC_DTYPE_FLOAT32:
      return "<f4";
    case AOTC_DTYPE_FLOAT64:
      return "<f8";
    case AOTC_DTYPE_FLOAT16:
      return "<f2";
    case AOTC_DTYPE_INT64:
      return "<i8";
    case AOTC_DTYPE_INT32:
      return "<i4";
    case AOTC_DTYPE_INT8:
      return "|i1";
    case AOTC_DTYPE_UINT8:
      return "|u1";
    case AOTC_DTYPE_BOOL:
      return "|b1";
    case AOTC_DTYPE_BFLOAT16:
      return (flags & AOTC_NPY_BF16_AS_FLOAT32) ? "<f4" : "<u2";
    default:
      return nullptr;
  }
}

}  // namespace

uint16_t float_to_bf16(float f) {
  uint32_t bits = 0;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((bits >> 16) | 0x40);  // quiet NaN
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

float bf16_to_float(uint16_t b) {
  const uint32_t bits = uint32_t{b} << 16;
  float f = 0;
  std::memcpy(&f, &bits, 4);
  return f;
}

aotc_tensor* npy_load(const std::string& path, int32_t want_dtype, uint32_t flags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(errno == ENOENT ? AOTC_ERROR_NOT_FOUND : AOTC_ERROR_IO,
         "cannot open " + path + ": " + std::strerror(errno));
  }
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (file.size() < 10 || file.compare(0, 6, "\x93NUMPY") != 0)
    bad(path, "not a .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(file[6]);
  size_t header_len = 0;
  size_t header_start = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(file[8]) | (static_cast<unsigned char>(file[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (file.size() < 12) bad(path, "the .npy header is truncated");
    header_len = 0;
    for (int i = 3; i >= 0; --i)
      header_len = (header_len << 8) | static_cast<unsigned char>(file[8 + i]);
    header_start = 12;
  } else {
    bad(path, ".npy format version " + std::to_string(major) + " is not supported");
  }
  if (header_start + header_len > file.size()) bad(path, "the .npy header is truncated");
  const std::string header = file.substr(header_start, header_len);

  const std::string descr = unquote(field(header, "descr", path));
  const std::string fortran = field(header, "fortran_order", path);
  const std::vector<int64_t> shape = parse_shape(field(header, "shape", path), path);
  if (fortran != "False")
    bad(path, "the array is in Fortran order; save it in C order (np.ascontiguousarray)");
  if (descr.size() < 3) bad(path, "unsupported dtype '" + descr + "'");
  if (descr[0] == '>')
    bad(path,
        "the array is big-endian ('" + descr + "'); aotc reads little-endian .npy files only");
  if (descr[0] != '<' && descr[0] != '|' && descr[0] != '=')
    bad(path, "unsupported dtype '" + descr + "'");
  const std::string code = descr.substr(1);
  const NpyType* type = nullptr;
  for (const NpyType& t : kTypes) {
    if (code == t.descr) type = &t;
  }
  if (type == nullptr) {
    bad(path, "unsupported dtype '" + descr +
                  "' (aotc reads float32, float64, float16, int64, int32, int8, uint8, "
                  "bool, and uint16 or float32 as bfloat16)");
  }

  // What the caller gets, and how the file's values become it.
  int32_t dtype = type->dtype;
  bool from_f32 = false;
  if (want_dtype == AOTC_DTYPE_BFLOAT16) {
    if (code == "u2") {
      dtype = AOTC_DTYPE_BFLOAT16;
    } else if (code == "f4" && (flags & AOTC_NPY_BF16_AS_FLOAT32)) {
      dtype = AOTC_DTYPE_BFLOAT16;
      from_f32 = true;
    } else {
      bad(path, std::string("holds ") + descr +
                    ", but bfloat16 is wanted: store bfloat16 as uint16 bit patterns" +
                    ((flags & AOTC_NPY_BF16_AS_FLOAT32) ? " or float32 values"
                                                        : " (or pass the bf16-as-float32 option)"));
    }
  } else if (type->dtype < 0) {
    bad(path,
        "holds uint16, which aotc reads only as bfloat16 bit patterns (ask for dtype bfloat16)");
  } else if (want_dtype >= 0 && want_dtype != type->dtype) {
    const char* want = aotc_dtype_name(want_dtype);
    bad(path, std::string("holds ") + aotc_dtype_name(type->dtype) + ", expected " +
                  (want != nullptr ? want : "dtype code " + std::to_string(want_dtype)));
  }

  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  const size_t file_elem = std::strtoul(code.c_str() + 1, nullptr, 10);
  const size_t data_start = header_start + header_len;
  const size_t need = static_cast<size_t>(n) * file_elem;
  if (file.size() - data_start < need) {
    bad(path, "the data is truncated: shape " + shape_text(shape) + " needs " +
                  std::to_string(need) + " bytes, the file has " +
                  std::to_string(file.size() - data_start));
  }
  aotc_tensor* t = tensor_empty(dtype, shape, nullptr, AOTC_DEVICE_TYPE_CPU, 0, nullptr);
  const char* src = file.data() + data_start;
  if (from_f32) {
    auto* dst = static_cast<uint16_t*>(t->data);
    for (int64_t i = 0; i < n; ++i) {
      float f = 0;
      std::memcpy(&f, src + 4 * i, 4);
      dst[i] = float_to_bf16(f);
    }
  } else if (need > 0) {
    std::memcpy(t->data, src, need);
  }
  return t;
}

void npy_save(const std::string& path, const aotc_tensor& tensor, uint32_t flags) {
  const char* descr = descr_of(tensor.dtype, flags);
  if (descr == nullptr)
    fail(AOTC_ERROR_INVALID_ARGUMENT,
         "cannot save dtype code " + std::to_string(tensor.dtype) + " as .npy");
  // A dense host copy when needed.
  aotc_tensor* owned = nullptr;
  const aotc_tensor* src = &tensor;
  if (tensor.device_type != AOTC_DEVICE_TYPE_CPU || !is_contiguous(tensor)) {
    owned = tensor_copy(tensor, AOTC_DEVICE_TYPE_CPU, 0, nullptr);
    src = owned;
  }
  std::unique_ptr<aotc_tensor, void (*)(aotc_tensor*)> hold(owned, tensor_release);
  const int64_t n = numel(*src);

  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': " + shape_text(src->sizes) + ", }";
  // Magic (6) + version (2) + length (2) + header + '\n', padded to 64 bytes.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail(AOTC_ERROR_IO, "cannot write " + path + ": " + std::strerror(errno));
  const char prefix[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.write(prefix, 8);
  const char len[2] = {static_cast<char>(header.size() & 0xff),
                       static_cast<char>(header.size() >> 8)};
  out.write(len, 2);
  out << header;
  if (tensor.dtype == AOTC_DTYPE_BFLOAT16 && (flags & AOTC_NPY_BF16_AS_FLOAT32)) {
    std::vector<float> values(static_cast<size_t>(n));
    const auto* bits = static_cast<const uint16_t*>(src->data);
    for (int64_t i = 0; i < n; ++i) values[i] = bf16_to_float(bits[i]);
    out.write(reinterpret_cast<const char*>(values.data()),
              static_cast<std::streamsize>(values.size() * 4));
  } else {
    out.write(static_cast<const char*>(src->data),
              static_cast<std::streamsize>(n * aotc_dtype_size(src->dtype)));
  }
  out.flush();
  if (!out) fail(AOTC_ERROR_IO, "writing " + path + " failed: " + std::strerror(errno));
}

}  // namespace aotc::rt

// Dense host tensors with dtype-aware element access.
#include "ir/HostTensor.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "support/Check.h"

namespace aotc {
namespace {

// 64-byte aligned storage, so that generated code and mmap-like consumers see
// the same alignment as package weights.
std::shared_ptr<void> allocate(size_t nbytes) {
  size_t n = (nbytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, n == 0 ? 64 : n);
  AOTC_CHECK(p != nullptr, "out of memory allocating {} bytes", nbytes);
  std::memset(p, 0, n == 0 ? 64 : n);
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}

}  // namespace

int64_t HostTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape_) n *= d;
  return n;
}

HostTensor HostTensor::zeros(DType dtype, std::vector<int64_t> shape) {
  HostTensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  for (int64_t d : t.shape_) AOTC_CHECK(d >= 0, "negative dimension {}", d);
  auto storage = allocate(t.nbytes());
  t.data_ = storage.get();
  t.owner_ = std::move(storage);
  t.owned_ = true;
  return t;
}

HostTensor HostTensor::from_bytes(DType dtype, std::vector<int64_t> shape, const void* data) {
  HostTensor t = zeros(dtype, std::move(shape));
  if (t.nbytes() > 0) std::memcpy(t.mutable_data(), data, t.nbytes());
  return t;
}

HostTensor HostTensor::borrow(DType dtype, std::vector<int64_t> shape, const void* data,
                              std::shared_ptr<const void> owner) {
  HostTensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.data_ = data;
  t.owner_ = std::move(owner);
  t.owned_ = false;
  return t;
}

void* HostTensor::mutable_data() {
  AOTC_CHECK(owned_, "writing to a borrowed HostTensor");
  return const_cast<void*>(data_);
}

double HostTensor::get(int64_t i) const {
  const char* p = static_cast<const char*>(data_) + i * static_cast<int64_t>(dtype_size(dtype_));
  switch (dtype_) {
    case DType::Bool: return *reinterpret_cast<const uint8_t*>(p) != 0 ? 1.0 : 0.0;
    case DType::UInt8: return *reinterpret_cast<const uint8_t*>(p);
    case DType::Int8: return *reinterpret_cast<const int8_t*>(p);
    case DType::Int16: return *reinterpret_cast<const int16_t*>(p);
    case DType::Int32: return *reinterpret_cast<const int32_t*>(p);
    case DType::Int64: return static_cast<double>(*reinterpret_cast<const int64_t*>(p));
    case DType::Float16: return fp16_bits_to_float(*reinterpret_cast<const uint16_t*>(p));
    case DType::BFloat16: return bf16_bits_to_float(*reinterpret_cast<const uint16_t*>(p));
    case DType::Float32: return *reinterpret_cast<const float*>(p);
    case DType::Float64: return *reinterpret_cast<const double*>(p);
  }
  return 0.0;
}

int64_t HostTensor::get_int(int64_t i) const {
  const char* p = static_cast<const char*>(data_) + i * static_cast<int64_t>(dtype_size(dtype_));
  switch (dtype_) {
    case DType::Bool: return *reinterpret_cast<const uint8_t*>(p) != 0;
    case DType::UInt8: return *reinterpret_cast<const uint8_t*>(p);
    case DType::Int8: return *reinterpret_cast<const int8_t*>(p);
    case DType::Int16: return *reinterpret_cast<const int16_t*>(p);
    case DType::Int32: return *reinterpret_cast<const int32_t*>(p);
    case DType::Int64: return *reinterpret_cast<const int64_t*>(p);
    default: return static_cast<int64_t>(get(i));
  }
}

namespace {

// C++ float-to-integer conversion is undefined out of range; PyTorch's CPU
// kernels wrap in practice. Go through int64 (saturating for NaN/inf) and
// truncate to the width, which is what x86 conversions give in range.
int64_t to_int64(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9.2233720368547758e18) return INT64_MAX;
  if (v <= -9.2233720368547758e18) return INT64_MIN;
  return static_cast<int64_t>(v);
}

}  // namespace

void HostTensor::set(int64_t i, double v) {
  char* p = static_cast<char*>(mutable_data()) + i * static_cast<int64_t>(dtype_size(dtype_));
  switch (dtype_) {
    case DType::Bool: *reinterpret_cast<uint8_t*>(p) = v != 0.0; break;
    case DType::UInt8: *reinterpret_cast<uint8_t*>(p) = static_cast<uint8_t>(to_int64(v)); break;
    case DType::Int8: *reinterpret_cast<int8_t*>(p) = static_cast<int8_t>(to_int64(v)); break;
    case DType::Int16: *reinterpret_cast<int16_t*>(p) = static_cast<int16_t>(to_int64(v)); break;
    case DType::Int32: *reinterpret_cast<int32_t*>(p) = static_cast<int32_t>(to_int64(v)); break;
    case DType::Int64: *reinterpret_cast<int64_t*>(p) = to_int64(v); break;
    case DType::Float16:
      // Round double -> float first (as PyTorch's opmath result is float), then to half.
      *reinterpret_cast<uint16_t*>(p) = float_to_fp16_bits(static_cast<float>(v));
      break;
    case DType::BFloat16:
      *reinterpret_cast<uint16_t*>(p) = float_to_bf16_bits(static_cast<float>(v));
      break;
    case DType::Float32: *reinterpret_cast<float*>(p) = static_cast<float>(v); break;
    case DType::Float64: *reinterpret_cast<double*>(p) = v; break;
  }
}

void HostTensor::set_int(int64_t i, int64_t v) {
  char* p = static_cast<char*>(mutable_data()) + i * static_cast<int64_t>(dtype_size(dtype_));
  switch (dtype_) {
    case DType::Bool: *reinterpret_cast<uint8_t*>(p) = v != 0; break;
    case DType::UInt8: *reinterpret_cast<uint8_t*>(p) = static_cast<uint8_t>(v); break;
    case DType::Int8: *reinterpret_cast<int8_t*>(p) = static_cast<int8_t>(v); break;
    case DType::Int16: *reinterpret_cast<int16_t*>(p) = static_cast<int16_t>(v); break;
    case DType::Int32: *reinterpret_cast<int32_t*>(p) = static_cast<int32_t>(v); break;
    case DType::Int64: *reinterpret_cast<int64_t*>(p) = v; break;
    default: set(i, static_cast<double>(v)); break;
  }
}

HostTensor HostTensor::clone() const { return from_bytes(dtype_, shape_, data_); }

HostTensor HostTensor::reshaped(std::vector<int64_t> shape) const {
  HostTensor t = *this;
  t.shape_ = std::move(shape);
  AOTC_CHECK(t.numel() == numel(), "reshape changes the element count");
  return t;
}

HostTensor HostTensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  HostTensor out = zeros(dtype, shape_);
  const int64_t n = numel();
  const bool exact_int = !is_floating(dtype_) && !is_floating(dtype);
  for (int64_t i = 0; i < n; ++i) {
    if (exact_int) {
      out.set_int(i, get_int(i));
    } else {
      out.set(i, get(i));
    }
  }
  return out;
}

std::vector<int64_t> contiguous_strides(std::span<const int64_t> shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

}  // namespace aotc

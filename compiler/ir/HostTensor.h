// A dense, contiguous (row-major) tensor in host memory.
//
// Used for weights and constants on graph nodes, for the reference
// evaluator's values, and for .npy inputs and outputs. Storage is shared
// between copies of a HostTensor (copy is cheap; mutate only what you own).
// Element access through get()/set() converts to and from double, rounding to
// the tensor's dtype the way PyTorch does (round to nearest even for
// float16/bfloat16, C++ conversion for integers, != 0 for bool).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ir/DType.h"

namespace aotc {

class HostTensor {
 public:
  HostTensor() = default;

  /// A zero-filled tensor.
  static HostTensor zeros(DType dtype, std::vector<int64_t> shape);
  /// A copy of `nbytes` bytes of contiguous data.
  static HostTensor from_bytes(DType dtype, std::vector<int64_t> shape, const void* data);
  /// Wraps external storage kept alive by `owner` (no copy).
  static HostTensor borrow(DType dtype, std::vector<int64_t> shape, const void* data,
                           std::shared_ptr<const void> owner);

  bool defined() const { return data_ != nullptr || numel() == 0; }
  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  size_t rank() const { return shape_.size(); }
  int64_t dim(size_t i) const { return shape_[i]; }
  int64_t numel() const;
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }

  const void* data() const { return data_; }
  /// Writable data; the tensor must own its storage (zeros/from_bytes/clone).
  void* mutable_data();
  template <typename T>
  const T* data_as() const { return static_cast<const T*>(data_); }
  template <typename T>
  T* mutable_data_as() { return static_cast<T*>(mutable_data()); }

  /// Element `i` (flat, row-major) as double.
  double get(int64_t i) const;
  /// Element `i` as int64 (exact for integer dtypes).
  int64_t get_int(int64_t i) const;
  /// Stores `v` rounded to the dtype.
  void set(int64_t i, double v);
  /// Stores an integer exactly (integer dtypes) or converted (floating).
  void set_int(int64_t i, int64_t v);

  /// A deep copy that owns its storage.
  HostTensor clone() const;
  /// Same data, another shape with the same element count.
  HostTensor reshaped(std::vector<int64_t> shape) const;
  /// Elementwise conversion to another dtype.
  HostTensor to(DType dtype) const;

 private:
  DType dtype_ = DType::Float32;
  std::vector<int64_t> shape_;
  std::shared_ptr<const void> owner_;
  const void* data_ = nullptr;
  bool owned_ = false;
};

/// Row-major contiguous strides for a shape.
std::vector<int64_t> contiguous_strides(std::span<const int64_t> shape);

}  // namespace aotc

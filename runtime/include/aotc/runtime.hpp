// aotc runtime, C++ API: header-only wrappers over the C ABI (aotc/runtime.h)
// that own references and throw aotc::RuntimeError.
//
//   #include <aotc/runtime.hpp>
//
//   aotc::Model model = aotc::Model::load("mlp.aotc.pt2");
//   std::vector<float> x(8 * 16, 1.0f);
//   aotc::Tensor in = aotc::Tensor::borrow(x.data(), aotc::ScalarType::Float32, {8, 16});
//   std::vector<aotc::Tensor> out = model.run({in});
//   const float* y = out[0].data_as<float>();
//
// Tensors are reference-counted handles: copying one shares the data (no
// deep copy); Tensor::to() copies. A borrowed tensor wraps memory the caller
// keeps alive. Model is move-only and thread-safe to run from many threads.
// Everything here is inline: a program depends only on libaotc_runtime.so's
// C symbols, never on the C++ ABI it was built with.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "aotc/runtime.h"

namespace aotc {

/// A failure of the runtime: the C status and the runtime's message.
class RuntimeError : public std::runtime_error {
 public:
  RuntimeError(aotc_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  /// AOTC_ERROR_INVALID_INPUT, AOTC_ERROR_INVALID_PACKAGE, ...
  aotc_status status() const { return status_; }

 private:
  aotc_status status_;
};

namespace detail {
inline void check(aotc_status status) {
  if (status != AOTC_OK) throw RuntimeError(status, aotc_last_error());
}
}  // namespace detail

/// Element types (PyTorch's c10::ScalarType codes).
enum class ScalarType : int32_t {
  UInt8 = AOTC_DTYPE_UINT8,
  Int8 = AOTC_DTYPE_INT8,
  Int16 = AOTC_DTYPE_INT16,
  Int32 = AOTC_DTYPE_INT32,
  Int64 = AOTC_DTYPE_INT64,
  Float16 = AOTC_DTYPE_FLOAT16,
  Float32 = AOTC_DTYPE_FLOAT32,
  Float64 = AOTC_DTYPE_FLOAT64,
  Bool = AOTC_DTYPE_BOOL,
  BFloat16 = AOTC_DTYPE_BFLOAT16,
};

/// "float32".
inline std::string scalar_type_name(ScalarType t) {
  const char* n = aotc_dtype_name(static_cast<int32_t>(t));
  return n != nullptr ? n : "dtype " + std::to_string(static_cast<int32_t>(t));
}
inline size_t scalar_type_size(ScalarType t) {
  return aotc_dtype_size(static_cast<int32_t>(t));
}

/// The ScalarType of a C++ element type (float, double, int64_t, int32_t, int16_t, int8_t, uint8_t,
/// bool).
template <typename T>
constexpr ScalarType scalar_type_of() {
  if constexpr (std::is_same_v<T, float>)
    return ScalarType::Float32;
  else if constexpr (std::is_same_v<T, double>)
    return ScalarType::Float64;
  else if constexpr (std::is_same_v<T, int64_t>)
    return ScalarType::Int64;
  else if constexpr (std::is_same_v<T, int32_t>)
    return ScalarType::Int32;
  else if constexpr (std::is_same_v<T, int16_t>)
    return ScalarType::Int16;
  else if constexpr (std::is_same_v<T, int8_t>)
    return ScalarType::Int8;
  else if constexpr (std::is_same_v<T, uint8_t>)
    return ScalarType::UInt8;
  else if constexpr (std::is_same_v<T, bool>)
    return ScalarType::Bool;
  else
    static_assert(sizeof(T) == 0, "no aotc dtype for this C++ type");
}

/// Where a tensor lives.
struct Device {
  enum class Type : int32_t { kCpu = AOTC_DEVICE_TYPE_CPU, kCuda = AOTC_DEVICE_TYPE_CUDA };
  Type type = Type::kCpu;
  int32_t index = 0;

  static Device cpu() { return {}; }
  static Device cuda(int32_t index = 0) { return {Type::kCuda, index}; }
  bool is_cuda() const { return type == Type::kCuda; }
  /// "cpu", "cuda:0".
  std::string str() const { return is_cuda() ? "cuda:" + std::to_string(index) : "cpu"; }
  friend bool operator==(const Device& a, const Device& b) {
    return a.type == b.type && (a.type == Type::kCpu || a.index == b.index);
  }
};

/// A reference-counted handle to a strided tensor (or no tensor).
class Tensor {
 public:
  Tensor() = default;
  Tensor(const Tensor& other) : t_(aotc_tensor_retain(other.t_)) {}
  Tensor(Tensor&& other) noexcept : t_(std::exchange(other.t_, nullptr)) {}
  Tensor& operator=(Tensor other) noexcept {
    std::swap(t_, other.t_);
    return *this;
  }
  ~Tensor() { aotc_tensor_release(t_); }

  /// Takes over one owning reference from the C API.
  static Tensor adopt(aotc_tensor* raw) {
    Tensor t;
    t.t_ = raw;
    return t;
  }

  /// A new contiguous tensor, uninitialised.
  static Tensor empty(ScalarType dtype, const std::vector<int64_t>& sizes,
                      Device device = Device::cpu()) {
    aotc_tensor* raw = nullptr;
    detail::check(aotc_tensor_empty(static_cast<int32_t>(dtype), static_cast<int32_t>(sizes.size()),
                                    sizes.data(), static_cast<int32_t>(device.type), device.index,
                                    &raw));
    return adopt(raw);
  }

  /// A tensor over memory the caller owns and keeps alive; no copy. Empty
  /// `strides` means contiguous (strides are in elements).
  static Tensor borrow(void* data, ScalarType dtype, const std::vector<int64_t>& sizes,
                       const std::vector<int64_t>& strides = {}, Device device = Device::cpu()) {
    aotc_tensor* raw = nullptr;
    detail::check(aotc_tensor_wrap(data, static_cast<int32_t>(dtype),
                                   static_cast<int32_t>(sizes.size()), sizes.data(),
                                   strides.empty() ? nullptr : strides.data(),
                                   static_cast<int32_t>(device.type), device.index, &raw));
    return adopt(raw);
  }

  /// A new CPU tensor holding a copy of `values`, shaped `sizes` (default: 1-D).
  template <typename T>
  static Tensor from_vector(const std::vector<T>& values, std::vector<int64_t> sizes = {}) {
    if (sizes.empty()) sizes = {static_cast<int64_t>(values.size())};
    Tensor t = empty(scalar_type_of<T>(), sizes);
    if (static_cast<size_t>(t.numel()) != values.size()) {
      throw RuntimeError(
          AOTC_ERROR_INVALID_ARGUMENT,
          "from_vector: " + std::to_string(values.size()) + " values do not fill the shape");
    }
    if constexpr (std::is_same_v<T, bool>) {
      auto* p = static_cast<uint8_t*>(t.data());
      for (size_t i = 0; i < values.size(); ++i) p[i] = values[i] ? 1 : 0;
    } else if (!values.empty()) {
      std::memcpy(t.data(), values.data(), values.size() * sizeof(T));
    }
    return t;
  }

  bool defined() const { return t_ != nullptr; }
  /// The C handle (still owned by this object).
  aotc_tensor* get() const { return t_; }
  /// Gives up ownership of the C handle.
  aotc_tensor* release() { return std::exchange(t_, nullptr); }

  void* data() const { return aotc_tensor_data(raw()); }
  /// The data as T*, after checking that T matches the dtype.
  template <typename T>
  T* data_as() const {
    if (scalar_type_of<std::remove_const_t<T>>() != dtype()) {
      throw RuntimeError(AOTC_ERROR_INVALID_ARGUMENT,
                         "data_as: the tensor holds " + scalar_type_name(dtype()));
    }
    return static_cast<T*>(data());
  }
  ScalarType dtype() const { return static_cast<ScalarType>(aotc_tensor_dtype(raw())); }
  Device device() const {
    return {static_cast<Device::Type>(aotc_tensor_device_type(raw())),
            aotc_tensor_device_index(raw())};
  }
  int64_t dim() const { return aotc_tensor_ndim(raw()); }
  std::vector<int64_t> sizes() const {
    const int64_t* p = aotc_tensor_sizes(raw());
    return std::vector<int64_t>(p, p + dim());
  }
  std::vector<int64_t> strides() const {
    const int64_t* p = aotc_tensor_strides(raw());
    return std::vector<int64_t>(p, p + dim());
  }
  int64_t size(int64_t d) const { return aotc_tensor_sizes(raw())[d < 0 ? d + dim() : d]; }
  int64_t numel() const { return aotc_tensor_numel(raw()); }
  size_t nbytes() const { return aotc_tensor_nbytes(raw()); }
  bool is_contiguous() const { return aotc_tensor_is_contiguous(raw()) != 0; }

  /// A contiguous copy on `device` (synchronised).
  Tensor to(Device device) const {
    aotc_tensor* out = nullptr;
    detail::check(
        aotc_tensor_copy_to(raw(), static_cast<int32_t>(device.type), device.index, &out));
    return adopt(out);
  }

  /// The elements, copied to the host in row-major order.
  template <typename T>
  std::vector<T> to_vector() const {
    const Tensor host = device().is_cuda() || !is_contiguous() ? to(Device::cpu()) : *this;
    const T* p = host.data_as<const T>();
    return std::vector<T>(p, p + host.numel());
  }

 private:
  aotc_tensor* raw() const {
    if (t_ == nullptr)
      throw RuntimeError(AOTC_ERROR_INVALID_ARGUMENT, "use of an undefined aotc::Tensor");
    return t_;
  }
  aotc_tensor* t_ = nullptr;
};

struct LoadOptions {
  std::string model_name = "model";
  /// "" for the package's target; "cpu", "cuda", "cuda:N".
  std::string device;
  /// Model instances serving concurrent run() calls.
  uint32_t max_concurrency = 4;
  /// Also check the weights' sha256 at load (reads them once).
  bool verify_weights = false;
  /// CUDA models: when runs are replayed as CUDA graphs. kAuto (the default)
  /// captures a run that repeats with the same sizes and buffers;
  /// kAlways (AOTC_LOAD_CUDA_GRAPHS) captures every new one; kNever
  /// (AOTC_LOAD_NO_CUDA_GRAPHS) launches kernel by kernel.
  enum class CudaGraphs { kAuto, kAlways, kNever };
  CudaGraphs cuda_graphs = CudaGraphs::kAuto;
};

struct RunOptions {
  /// CUDA models: the CUstream to run on (null: the legacy default stream).
  void* stream = nullptr;
};

/// An input or output as the model declares it.
struct TensorInfo {
  std::string name;
  ScalarType dtype;
  std::vector<std::string> shape;  ///< "4", "s0", "2*s0 + 1"
};

/// A shape symbol and its inclusive range (INT64_MIN / INT64_MAX: unbounded).
struct SymbolInfo {
  std::string name;
  int64_t min;
  int64_t max;
};

/// Waits for the work queued on a CUDA stream (null: the legacy default
/// stream) of device cuda:`device_index`.
inline void cuda_synchronize(int32_t device_index = 0, void* stream = nullptr) {
  detail::check(aotc_cuda_stream_synchronize(device_index, stream));
}

/// A loaded model. Move-only; run() may be called from many threads at once.
class Model {
 public:
  static Model load(const std::string& path, const LoadOptions& options = {}) {
    aotc_load_options o;
    aotc_load_options_init(&o);
    o.model_name = options.model_name.c_str();
    o.device = options.device.empty() ? nullptr : options.device.c_str();
    o.max_concurrency = options.max_concurrency;
    o.flags = (options.verify_weights ? AOTC_LOAD_VERIFY_WEIGHTS : 0u) |
              (options.cuda_graphs == LoadOptions::CudaGraphs::kAlways  ? AOTC_LOAD_CUDA_GRAPHS
               : options.cuda_graphs == LoadOptions::CudaGraphs::kNever ? AOTC_LOAD_NO_CUDA_GRAPHS
                                                                         : 0u);
    aotc_model* raw = nullptr;
    detail::check(aotc_model_load(path.c_str(), &o, &raw));
    return Model(raw);
  }

  Model(Model&& other) noexcept : m_(std::exchange(other.m_, nullptr)) {}
  Model& operator=(Model&& other) noexcept {
    std::swap(m_, other.m_);
    return *this;
  }
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model() { aotc_model_free(m_); }

  /// Runs the model on `inputs` (in order). Throws RuntimeError with status
  /// AOTC_ERROR_INVALID_INPUT, naming the input and dimension, when the
  /// inputs do not fit the model. Outputs are on the inputs' device.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs, const RunOptions& options = {}) const {
    std::vector<aotc_tensor*> in(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) in[i] = inputs[i].get();
    std::vector<aotc_tensor*> out(aotc_model_num_outputs(m_), nullptr);
    aotc_run_options o;
    aotc_run_options_init(&o);
    o.stream = options.stream;
    detail::check(aotc_model_run(m_, in.data(), in.size(), out.data(), out.size(), &o));
    std::vector<Tensor> result;
    result.reserve(out.size());
    for (aotc_tensor* t : out) result.push_back(Tensor::adopt(t));
    return result;
  }

  std::string name() const { return aotc_model_name(m_); }
  std::string target() const { return aotc_model_target(m_); }
  std::string device() const { return aotc_model_device(m_); }

  std::vector<TensorInfo> inputs() const {
    return infos(aotc_model_num_inputs(m_), aotc_model_input_info);
  }
  std::vector<TensorInfo> outputs() const {
    return infos(aotc_model_num_outputs(m_), aotc_model_output_info);
  }
  std::vector<SymbolInfo> symbols() const {
    std::vector<SymbolInfo> out;
    for (size_t i = 0; i < aotc_model_num_symbols(m_); ++i) {
      const char* name = nullptr;
      SymbolInfo s{};
      detail::check(aotc_model_symbol_info(m_, i, &name, &s.min, &s.max));
      s.name = name;
      out.push_back(std::move(s));
    }
    return out;
  }

  aotc_model* get() const { return m_; }

 private:
  explicit Model(aotc_model* m) : m_(m) {}
  template <typename Query>
  std::vector<TensorInfo> infos(size_t n, Query query) const {
    std::vector<TensorInfo> out;
    for (size_t i = 0; i < n; ++i) {
      aotc_tensor_info info;
      detail::check(query(m_, i, &info));
      TensorInfo t{info.name, static_cast<ScalarType>(info.dtype), {}};
      for (int32_t d = 0; d < info.rank; ++d) t.shape.emplace_back(info.shape[d]);
      out.push_back(std::move(t));
    }
    return out;
  }
  aotc_model* m_ = nullptr;
};

struct NpyOptions {
  /// bfloat16 as float32 values in the file, instead of uint16 bit patterns.
  bool bf16_as_float32 = false;
};

/// Loads a .npy file into a CPU tensor; `want` checks (or, for bfloat16,
/// selects) the dtype.
inline Tensor load_npy(const std::string& path, std::optional<ScalarType> want = std::nullopt,
                       const NpyOptions& options = {}) {
  aotc_tensor* raw = nullptr;
  detail::check(aotc_npy_load(path.c_str(), want ? static_cast<int32_t>(*want) : -1,
                              options.bf16_as_float32 ? AOTC_NPY_BF16_AS_FLOAT32 : 0u, &raw));
  return Tensor::adopt(raw);
}

/// Saves a tensor (any device) as a C-order .npy file.
inline void save_npy(const std::string& path, const Tensor& tensor,
                     const NpyOptions& options = {}) {
  detail::check(aotc_npy_save(path.c_str(), tensor.get(),
                              options.bf16_as_float32 ? AOTC_NPY_BF16_AS_FLOAT32 : 0u));
}

/// A package's manifest JSON text, after checking the package's structure.
inline std::string read_package_manifest(const std::string& path) {
  char* raw = nullptr;
  detail::check(aotc_package_read_manifest(path.c_str(), &raw));
  std::string s(raw);
  aotc_free(raw);
  return s;
}

}  // namespace aotc

// The weights blob of a model running inside PyTorch: `<cubin_dir>/<weights_file>`,
// the package's weights entry as PyTorch's loader extracted it, mapped
// read-only. (Under the aotc runtime the host maps the package instead and
// passes the blob through AotcWeights.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace aotc_model::rt {

class MappedWeights {
 public:
  /// Maps `path`, whose size must be `expected_size`; throws ModelError otherwise.
  MappedWeights(const std::string& path, uint64_t expected_size);
  ~MappedWeights();
  MappedWeights(const MappedWeights&) = delete;
  MappedWeights& operator=(const MappedWeights&) = delete;

  const void* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  void* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace aotc_model::rt

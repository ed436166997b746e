// A loaded model: what an aotc_model* points to.
//
// Holds the package (mapped; the weights are read in place), the model
// library loaded from memory, and its container, created through
// AotcModelContainerCreateWithHost with the runtime's tensor table. Runs are
// thread-safe: nothing here changes after load, and the container pools its
// model instances. For CUDA models a run happens on the caller's stream with
// the device's primary context current; tensors on the other side (host
// tensors for a CUDA model, CUDA tensors for a CPU model) are copied over and
// the outputs copied back.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ModelLibrary.h"
#include "Package.h"
#include "aotc/runtime.h"

struct aotc_model {
 public:
  /// Loads a model; throws Failure.
  aotc_model(const std::string& path, const aotc_load_options& options);
  ~aotc_model();
  aotc_model(const aotc_model&) = delete;
  aotc_model& operator=(const aotc_model&) = delete;

  /// Runs; throws Failure (INVALID_INPUT when the model refused the inputs).
  void run(aotc_tensor* const* inputs, size_t num_inputs, aotc_tensor** outputs, size_t num_outputs,
           void* stream);

  /// Kernel tuning table (aotc_model_set_tuning); null resets. Throws Failure.
  void set_tuning(const aotc_tuning* tuning);

  const aotc::rt::ModelDecl& decl() const { return *decl_; }
  const std::string& device_string() const { return device_str_; }
  /// The shape strings of input/output `i`, as C strings owned by the model.
  const std::vector<const char*>& input_shape(size_t i) const { return input_shapes_[i]; }
  const std::vector<const char*>& output_shape(size_t i) const { return output_shapes_[i]; }

 private:
  std::shared_ptr<const aotc::rt::Package> package_;
  const aotc::rt::ModelDecl* decl_ = nullptr;
  std::unique_ptr<aotc::rt::ModelLibrary> library_;
  AotcWeights weights_{};
  AotcTuning tuning_{};
  AOTInductorModelContainerHandle container_ = nullptr;
  int32_t device_type_ = AOTC_DEVICE_TYPE_CPU;
  int32_t device_index_ = 0;
  std::string device_str_;
  std::vector<std::vector<const char*>> input_shapes_;
  std::vector<std::vector<const char*>> output_shapes_;
};

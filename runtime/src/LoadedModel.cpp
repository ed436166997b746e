// Loading and running a model; see LoadedModel.h.
#include "LoadedModel.h"

#include <cstdlib>
#include <cstring>

#include "CudaHost.h"
#include "Errors.h"
#include "HostTensor.h"
#include "Sha256.h"

using aotc::rt::fail;

namespace {

constexpr uint32_t kDefaultConcurrency = 4;

struct Device {
  int32_t type;
  int32_t index;  // -1: CUDA's current device
};

Device parse_device(const std::string& s) {
  if (s == "cpu") return {AOTC_DEVICE_TYPE_CPU, 0};
  if (s == "cuda") return {AOTC_DEVICE_TYPE_CUDA, -1};
  if (s.rfind("cuda:", 0) == 0 && s.size() > 5 && s.size() < 10 &&
      s.find_first_not_of("0123456789", 5) == std::string::npos) {
    return {AOTC_DEVICE_TYPE_CUDA, std::atoi(s.c_str() + 5)};
  }
  fail(AOTC_ERROR_INVALID_ARGUMENT,
       "unknown device '" + s + "': use \"cpu\", \"cuda\" or \"cuda:N\"");
}

// Owns run-local tensor references.
struct TensorRefs {
  std::vector<aotc_tensor*> refs;
  ~TensorRefs() {
    for (aotc_tensor* t : refs) aotc::rt::tensor_release(t);
  }
};

}  // namespace

aotc_model::aotc_model(const std::string& path, const aotc_load_options& options) {
  using namespace aotc::rt;
  package_ = Package::open(path);
  const std::string name = options.model_name != nullptr ? options.model_name : "model";
  decl_ = &package_->model(name);
  const std::string what = "model '" + name + "' in package " + path;

  // Which device, and can this machine run it?
  if (decl_->target != "cpu" && decl_->target != "cuda") {
    fail(AOTC_ERROR_UNSUPPORTED,
         what + " targets '" + decl_->target + "', which this runtime cannot run");
  }
  const std::string requested = options.device != nullptr ? options.device : decl_->target;
  Device device = parse_device(requested);
  if (device.type == AOTC_DEVICE_TYPE_CPU && decl_->target != "cpu") {
    fail(AOTC_ERROR_INVALID_ARGUMENT, what + " was compiled for cuda; it cannot run on the cpu");
  }
  if (device.type == AOTC_DEVICE_TYPE_CUDA) {
    if (decl_->target != "cuda") {
      fail(AOTC_ERROR_INVALID_ARGUMENT,
           what + " was compiled for cpu; it cannot run on " + requested);
    }
    std::string why;
    if (!cuda_host::available(&why)) {
      fail(AOTC_ERROR_UNSUPPORTED, what + " targets CUDA, but this machine cannot run it: " + why);
    }
    if (device.index < 0) device.index = cuda_host::current_device();
    cuda_host::check_device(device.index);
  }
  device_type_ = device.type;
  device_index_ = device.index;
  device_str_ =
      device.type == AOTC_DEVICE_TYPE_CPU ? "cpu" : "cuda:" + std::to_string(device.index);

  // The library: check it is the one the manifest describes, then load it.
  const std::string_view lib = package_->model_file(*decl_, decl_->library);
  const std::string lib_hash = aotc::sha256::hex(lib.data(), lib.size());
  if (lib_hash != decl_->library.sha256) {
    fail(AOTC_ERROR_INVALID_PACKAGE, "package " + path + ": the model library " +
                                         decl_->library.name + " is corrupt (its sha256 is " +
                                         lib_hash + ", the manifest says " + decl_->library.sha256 +
                                         ")");
  }
  weights_.struct_size = sizeof(weights_);
  weights_.abi_version = AOTC_MODEL_ABI_VERSION;
  if (decl_->weights) {
    const std::string_view w = package_->model_file(*decl_, *decl_->weights);
    if (reinterpret_cast<uintptr_t>(w.data()) % 64 != 0) {
      fail(AOTC_ERROR_INVALID_PACKAGE,
           "package " + path + ": the weights " + decl_->weights->name +
               " are not 64-byte aligned in the file (was it rewritten by another zip tool?)");
    }
    if (options.flags & AOTC_LOAD_VERIFY_WEIGHTS) {
      const std::string h = aotc::sha256::hex(w.data(), w.size());
      if (h != decl_->weights->sha256) {
        fail(AOTC_ERROR_INVALID_PACKAGE, "package " + path + ": the weights " +
                                             decl_->weights->name +
                                             " are corrupt (sha256 mismatch)");
      }
    }
    weights_.data = w.data();
    weights_.size = w.size();
  }
  library_ = std::make_unique<ModelLibrary>(lib, decl_->library.name);

  const uint32_t concurrency =
      options.max_concurrency != 0 ? options.max_concurrency : kDefaultConcurrency;
  AOTIRuntimeError rc = 0;
  {
    std::unique_ptr<cuda_host::Guard> guard;
    if (device_type_ == AOTC_DEVICE_TYPE_CUDA)
      guard = std::make_unique<cuda_host::Guard>(device_index_);
    rc = library_->api().create_with_host(&container_, concurrency, device_str_.c_str(), nullptr,
                                          &host_api(), decl_->weights ? &weights_ : nullptr);
  }
  if (rc != 0) {
    fail(AOTC_ERROR_RUNTIME, what + " failed to load: " + library_->last_error());
  }

  const uint32_t graph_flags = options.flags & (AOTC_LOAD_CUDA_GRAPHS | AOTC_LOAD_NO_CUDA_GRAPHS);
  if (graph_flags != 0 && device_type_ == AOTC_DEVICE_TYPE_CUDA) {
    auto give_up = [&](aotc_status code, const std::string& message) {
      library_->api().container_delete(container_);
      container_ = nullptr;
      fail(code, what + ": " + message);
    };
    if (graph_flags == (AOTC_LOAD_CUDA_GRAPHS | AOTC_LOAD_NO_CUDA_GRAPHS))
      give_up(AOTC_ERROR_INVALID_ARGUMENT, "AOTC_LOAD_CUDA_GRAPHS and AOTC_LOAD_NO_CUDA_GRAPHS both given");
    if (library_->api().set_cuda_graphs == nullptr)
      give_up(AOTC_ERROR_UNSUPPORTED, "its model library cannot replay CUDA graphs (compiled by an older aotc)");
    std::unique_ptr<cuda_host::Guard> guard = std::make_unique<cuda_host::Guard>(device_index_);
    const int32_t mode = graph_flags == AOTC_LOAD_CUDA_GRAPHS ? AOTC_CUDA_GRAPHS_ALWAYS : AOTC_CUDA_GRAPHS_NEVER;
    if (library_->api().set_cuda_graphs(container_, mode) != 0) give_up(AOTC_ERROR_RUNTIME, library_->last_error());
  }

  // The library and the manifest must describe the same model.
  size_t n_in = 0;
  size_t n_out = 0;
  library_->api().get_num_inputs(container_, &n_in);
  library_->api().get_num_outputs(container_, &n_out);
  if (n_in != decl_->inputs.size() || n_out != decl_->outputs.size()) {
    library_->api().container_delete(container_);
    container_ = nullptr;
    fail(AOTC_ERROR_INVALID_PACKAGE, "package " + path + ": the manifest lists " +
                                         std::to_string(decl_->inputs.size()) + " inputs and " +
                                         std::to_string(decl_->outputs.size()) +
                                         " outputs, the model library has " + std::to_string(n_in) +
                                         " and " + std::to_string(n_out));
  }
  for (const TensorDecl& t : decl_->inputs) {
    input_shapes_.emplace_back();
    for (const std::string& d : t.shape) input_shapes_.back().push_back(d.c_str());
  }
  for (const TensorDecl& t : decl_->outputs) {
    output_shapes_.emplace_back();
    for (const std::string& d : t.shape) output_shapes_.back().push_back(d.c_str());
  }
}

aotc_model::~aotc_model() {
  if (container_ != nullptr) {
    std::unique_ptr<aotc::rt::cuda_host::Guard> guard;
    try {
      if (device_type_ == AOTC_DEVICE_TYPE_CUDA)
        guard = std::make_unique<aotc::rt::cuda_host::Guard>(device_index_);
    } catch (...) {
    }
    library_->api().container_delete(container_);
  }
}

void aotc_model::set_tuning(const aotc_tuning* tuning) {
  using namespace aotc::rt;
  if (device_type_ != AOTC_DEVICE_TYPE_CUDA)
    fail(AOTC_ERROR_UNSUPPORTED, "kernel tuning needs a CUDA model; this one runs on the cpu");
  if (library_->api().set_tuning == nullptr)
    fail(AOTC_ERROR_UNSUPPORTED, "this model library cannot time kernels (compiled by an older aotc)");
  AotcTuning* table = nullptr;
  if (tuning != nullptr) {
    tuning_ = AotcTuning{};
    tuning_.struct_size = sizeof(AotcTuning);
    tuning_.repeats = tuning->repeats;
    tuning_.num_nodes = tuning->num_nodes;
    tuning_.max_candidates = tuning->max_candidates;
    tuning_.times_us = tuning->times_us;
    tuning_.heuristic = tuning->heuristic;
    tuning_.graph_us = tuning->graph_us;
    table = &tuning_;
  }
  cuda_host::Guard guard(device_index_);
  if (library_->api().set_tuning(container_, table) != 0)
    fail(AOTC_ERROR_RUNTIME, "setting the tuning table: " + library_->last_error());
}

void aotc_model::run(aotc_tensor* const* inputs, size_t num_inputs, aotc_tensor** outputs,
                     size_t num_outputs, void* stream) {
  using namespace aotc::rt;
  if (inputs == nullptr && num_inputs > 0)
    fail(AOTC_ERROR_INVALID_ARGUMENT, "the inputs array is null");
  if (outputs == nullptr && num_outputs > 0)
    fail(AOTC_ERROR_INVALID_ARGUMENT, "the outputs array is null");
  for (size_t i = 0; i < num_inputs; ++i) {
    if (inputs[i] == nullptr)
      fail(AOTC_ERROR_INVALID_ARGUMENT, "input " + std::to_string(i) + " is null");
  }

  std::unique_ptr<cuda_host::Guard> guard;
  if (device_type_ == AOTC_DEVICE_TYPE_CUDA)
    guard = std::make_unique<cuda_host::Guard>(device_index_);
  RunStreamScope stream_scope(stream);

  // The model reads tensors on its own device: bring the others over.
  // Outputs go back to where the (first) input came from.
  int32_t out_type = device_type_;
  int32_t out_index = device_index_;
  if (num_inputs > 0) {
    out_type = inputs[0]->device_type;
    out_index = inputs[0]->device_index;
  }
  TensorRefs handles;  // one reference per input, stolen by the model
  handles.refs.reserve(num_inputs);
  for (size_t i = 0; i < num_inputs; ++i) {
    aotc_tensor* t = inputs[i];
    const bool elsewhere = device_type_ == AOTC_DEVICE_TYPE_CUDA
                               ? t->device_type == AOTC_DEVICE_TYPE_CPU
                               : t->device_type == AOTC_DEVICE_TYPE_CUDA;
    if (elsewhere) {
      handles.refs.push_back(tensor_copy(*t, device_type_, device_index_, stream));
    } else {
      handles.refs.push_back(tensor_retain(t));
    }
  }
  // Copies to the host are complete; copies to the device precede the run on `stream`.

  std::vector<AtenTensorHandle> in(num_inputs);
  for (size_t i = 0; i < num_inputs; ++i)
    in[i] = reinterpret_cast<AtenTensorHandle>(handles.refs[i]);
  handles.refs.clear();  // the model owns them now, whatever happens
  std::vector<AtenTensorHandle> out(num_outputs, nullptr);
  take_host_error();
  const AOTIRuntimeError rc =
      library_->api().run(container_, in.data(), num_inputs, out.data(), num_outputs,
                          reinterpret_cast<AOTInductorStreamHandle>(stream), nullptr);
  if (rc != 0) {
    std::string message = library_->last_error();
    if (std::string host = take_host_error(); !host.empty()) message += " (" + host + ")";
    fail(rc == AOTC_MODEL_ERROR_INVALID_INPUT ? AOTC_ERROR_INVALID_INPUT : AOTC_ERROR_RUNTIME,
         message);
  }
  TensorRefs results;
  for (AtenTensorHandle h : out) results.refs.push_back(reinterpret_cast<aotc_tensor*>(h));

  if (out_type != device_type_) {
    TensorRefs moved;
    for (aotc_tensor* t : results.refs)
      moved.refs.push_back(tensor_copy(*t, out_type, out_index, stream));
    if (out_type == AOTC_DEVICE_TYPE_CUDA) {  // host outputs went to the user's device
      cuda_host::Guard g(out_index);
      cuda_host::synchronize(stream);
    }
    results.refs.swap(moved.refs);  // `moved` now releases the originals
  }
  for (size_t o = 0; o < num_outputs; ++o) outputs[o] = results.refs[o];
  results.refs.clear();
}

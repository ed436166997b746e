// A model container; see Container.h.
#include "Container.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "CudaModel.h"
#include "CudaLibs.h"
#include "Errors.h"
#include "InputCheck.h"
#include "MappedWeights.h"
#include "SharedLibrary.h"
#include "ThreadPool.h"
#include "TorchHost.h"

namespace aotc_model::rt {
namespace {

constexpr size_t kArenaAlignment = 256;

// PyTorch's pytree text for a leaf, and the call specs used when the
// generated code gives none: positional tensor arguments, a tuple of outputs.
constexpr const char* kLeaf = R"({"type": null, "context": null, "children_spec": []})";

std::string leaves(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + std::string(kLeaf);
  return s;
}

std::string default_in_spec(size_t n) {
  return R"([1, {"type": "builtins.tuple", "context": "null", "children_spec": [{"type": "builtins.tuple", )"
         R"("context": "null", "children_spec": [)" +
         leaves(n) + R"(]}, {"type": "builtins.dict", "context": "[]", "children_spec": []}]}])";
}

std::string default_out_spec(size_t n) {
  return R"([1, {"type": "builtins.tuple", "context": "null", "children_spec": [)" + leaves(n) +
         "]}]";
}

struct Device {
  int32_t type;
  int32_t index;  // -1: CUDA's current device
};

Device parse_device(const char* device_str) {
  if (device_str == nullptr)
    fail("no device given (device_str is null); pass \"cpu\", \"cuda\" or \"cuda:N\"");
  const std::string s = device_str;
  if (s == "cpu") return {AOTC_DEVICE_CPU, 0};
  if (s == "cuda") return {AOTC_DEVICE_CUDA, -1};
  if (s.rfind("cuda:", 0) == 0 && s.size() > 5 && s.size() < 10 &&
      s.find_first_not_of("0123456789", 5) == std::string::npos) {
    return {AOTC_DEVICE_CUDA, std::atoi(s.c_str() + 5)};
  }
  fail("unsupported device '" + s + "': aotc models run on \"cpu\", \"cuda\" or \"cuda:N\"");
}

// Releases handles the model owns (stolen inputs, outputs not yet handed
// over) through the host, on every path out of run().
class OwnedHandles {
 public:
  OwnedHandles(const AotcHostApi& host, std::vector<AtenTensorHandle> handles)
      : host_(host), handles_(std::move(handles)) {}
  ~OwnedHandles() {
    for (AtenTensorHandle h : handles_) {
      if (h != nullptr) host_.delete_tensor_object(h);
    }
  }
  OwnedHandles(const OwnedHandles&) = delete;
  OwnedHandles& operator=(const OwnedHandles&) = delete;
  AtenTensorHandle& operator[](size_t i) { return handles_[i]; }
  /// Hands the handles over to the caller: they are no longer released here.
  void give_to(AtenTensorHandle* out) {
    for (size_t i = 0; i < handles_.size(); ++i) out[i] = std::exchange(handles_[i], nullptr);
  }

 private:
  const AotcHostApi& host_;
  std::vector<AtenTensorHandle> handles_;
};

void host_call(AOTITorchError err, const char* what, size_t index, const char* kind) {
  if (err != 0) {
    fail(std::string("the host failed to ") + what + " of " + kind + " " + std::to_string(index) +
         " (error " + std::to_string(err) + ")");
  }
}

}  // namespace

// A model instance taken from the pool for one run.
class Container::Lease {
 public:
  Lease(Container& c, bool single_threaded)
      : c_(c),
        owned_(!single_threaded),
        instance_(single_threaded ? c.instances_[0].get() : c.acquire()) {}
  ~Lease() {
    if (owned_) c_.release(instance_);
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  Instance& operator*() const { return *instance_; }

 private:
  Container& c_;
  bool owned_;
  Instance* instance_;
};

Container::Container(size_t num_models, const char* device_str, const char* cubin_dir,
                     const AotcHostApi& host, const AotcWeights* weights, HostKind kind)
    : spec_(aotc_generated_model_spec()) {
  if (std::string bad = validate_spec(spec_); !bad.empty())
    fail("this model library is malformed: " + bad);
  if (num_models == 0) fail("num_models must be at least 1");
  max_instances_ = num_models;
  const Device device = parse_device(device_str);
  const char* model_device = spec_.device_type == AOTC_DEVICE_CUDA ? "cuda" : "cpu";
  if (device.type != spec_.device_type) {
    fail(std::string("model '") + spec_.model_name + "' was compiled for " + model_device +
         ", so it cannot run on " + device_str);
  }
  device_type_ = device.type;
  bind_host(host);
  if (kind == HostKind::kTorch) {
    // PyTorch's CUDA runner passes the extracted model folder; its CPU runner
    // passes none, but the library itself was loaded from that folder.
    model_dir_ = cubin_dir != nullptr && cubin_dir[0] != '\0' ? cubin_dir : library_directory();
  } else if (cubin_dir != nullptr) {
    model_dir_ = cubin_dir;
  }
  in_spec_ = spec_.in_spec != nullptr ? spec_.in_spec : default_in_spec(spec_.num_inputs);
  out_spec_ = spec_.out_spec != nullptr ? spec_.out_spec : default_out_spec(spec_.num_outputs);

  try {
    std::unique_ptr<ContextGuard> guard;
    if (device_type_ == AOTC_DEVICE_CUDA) {
      graph_mode_ = graph_mode_from_env(GraphMode::kAuto);
      cuda_ = CudaDevice::open(device.index);
      device_index_ = cuda_->index();
      guard = std::make_unique<ContextGuard>(*cuda_);
    }
    bind_weights(weights, kind);
    acquire_thread_pool();
    pool_acquired_ = true;
    if (spec_.init != nullptr) {
      InitContext ictx{weights_, device_type_, device_index_,
                       cuda_ ? cuda_->compute_capability() : 0,
                       model_dir_.empty() ? nullptr : model_dir_.c_str(),
                       cuda_ ? cuda_->multiprocessors() : 0};
      char error[1024] = {};
      if (spec_.init(&ictx, &state_, error, sizeof(error)) != 0) {
        fail(std::string("model '") + spec_.model_name + "' failed to initialise: " + error);
      }
    }
    initialised_ = true;
    instances_.push_back(make_instance());
    free_.push_back(instances_[0].get());
  } catch (...) {
    // The destructor will not run: undo what was done.
    std::unique_ptr<ContextGuard> guard;
    if (cuda_) {
      try {
        guard = std::make_unique<ContextGuard>(*cuda_);
      } catch (...) {
      }
    }
    for (auto& inst : instances_) free_instance(*inst);
    if (initialised_ && spec_.destroy != nullptr) spec_.destroy(state_);
    cuda_free(device_weights_);
    if (pool_acquired_) release_thread_pool();
    throw;
  }
}

Container::~Container() {
  std::unique_ptr<ContextGuard> guard;
  if (cuda_) {
    try {
      guard = std::make_unique<ContextGuard>(*cuda_);
    } catch (...) {  // a dying driver: free what can be freed
    }
  }
  for (auto& inst : instances_) free_instance(*inst);
  if (initialised_ && spec_.destroy != nullptr) spec_.destroy(state_);
  cuda_free(device_weights_);
  if (pool_acquired_) release_thread_pool();
}

void Container::bind_host(const AotcHostApi& host) {
  if (host.abi_version >> 16 != AOTC_MODEL_ABI_VERSION_MAJOR) {
    fail("the host speaks model ABI " + std::to_string(host.abi_version >> 16) + "." +
         std::to_string(host.abi_version & 0xffff) + ", this model library speaks " +
         std::to_string(AOTC_MODEL_ABI_VERSION_MAJOR) + "." +
         std::to_string(AOTC_MODEL_ABI_VERSION_MINOR) +
         "; use an aotc runtime of the same major version as the compiler that made the package");
  }
  // Read only the fields the host's struct covers; the rest stay null.
  std::memcpy(&host_, &host, std::min<size_t>(host.struct_size, sizeof(host_)));
  host_.struct_size = sizeof(host_);
  if (host_.get_data_ptr == nullptr || host_.get_sizes == nullptr || host_.get_strides == nullptr ||
      host_.get_dim == nullptr || host_.get_dtype == nullptr || host_.get_device_type == nullptr ||
      host_.get_device_index == nullptr || host_.empty_strided == nullptr ||
      host_.delete_tensor_object == nullptr || host_.new_tensor_handle == nullptr) {
    fail("the host's tensor function table is incomplete");
  }
}

void Container::bind_weights(const AotcWeights* weights, HostKind kind) {
  const void* host_copy = nullptr;
  if (spec_.weights_size == 0) {
    // Nothing to bind.
  } else if (kind == HostKind::kAotc) {
    if (weights == nullptr || weights->data == nullptr) {
      fail(std::string("model '") + spec_.model_name + "' needs " +
           std::to_string(spec_.weights_size) + " bytes of weights, but the host gave none");
    }
    if (weights->size != spec_.weights_size) {
      fail(std::string("model '") + spec_.model_name + "' expects " +
           std::to_string(spec_.weights_size) + " bytes of weights, but the host gave " +
           std::to_string(weights->size) +
           " (the package's weights entry does not belong to this library)");
    }
    if (reinterpret_cast<uintptr_t>(weights->data) % 64 != 0)
      fail("the host's weights are not 64-byte aligned");
    host_copy = weights->data;
  } else {
    if (model_dir_.empty()) {
      fail(std::string("model '") + spec_.model_name + "' reads its weights from " +
           spec_.weights_file +
           " in the package's model folder, but neither the loader nor the dynamic linker says "
           "where that is");
    }
    mapped_weights_ =
        std::make_unique<MappedWeights>(model_dir_ + "/" + spec_.weights_file, spec_.weights_size);
    host_copy = mapped_weights_->data();
  }
  if (device_type_ == AOTC_DEVICE_CUDA && host_copy != nullptr) {
    const int64_t t0 = now_ns();
    device_weights_ = cuda_alloc(spec_.weights_size);
    cuda_upload(device_weights_, host_copy, spec_.weights_size);
    weights_ = device_weights_;
    if (verbose())
      report("model '" + std::string(spec_.model_name) + "': " + std::to_string(spec_.weights_size >> 10) +
             " KiB of weights copied to the device" + fmt_ms(" in ", ms_since(t0)));
    mapped_weights_.reset();  // the device copy is all a run needs
  } else {
    weights_ = host_copy;
  }
}

std::unique_ptr<Container::Instance> Container::make_instance() {
  auto inst = std::make_unique<Instance>();
  if (device_type_ == AOTC_DEVICE_CUDA) {
    inst->event = cuda_event_create();
    inst->libs = std::make_unique<CudaLibs>();
    inst->policy = GraphPolicy(graph_mode_);
  }
  return inst;
}

void Container::free_instance(Instance& inst) noexcept {
  if (device_type_ == AOTC_DEVICE_CUDA) {
    try {
      if (inst.event_recorded) cuda_event_synchronize(inst.event);
    } catch (...) {
    }
    inst.graphs.reset();
    inst.libs.reset();
    cuda_free(inst.arena);
    cuda_free(inst.staging);
    cuda_event_destroy(inst.event);
  } else {
    std::free(inst.arena);
  }
  inst = Instance{};
}

void Container::ensure_arena(Instance& inst, uint64_t bytes, void* stream) {
  if (bytes <= inst.arena_size) return;
  const uint64_t size = (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
  if (device_type_ == AOTC_DEVICE_CUDA) {
    const int64_t t0 = now_ns();
    replace_device_memory(inst, inst.arena, inst.arena_size, size);
    // Zeroed once: generated split-K launches keep their tile counters at the
    // arena's start and leave them zero after each launch.
    cuda_memset_zero(inst.arena, size, stream);
    if (verbose())
      report("model '" + std::string(spec_.model_name) + "': " + std::to_string(size >> 20) +
             " MiB of device scratch memory" + fmt_ms(" in ", ms_since(t0)));
  } else {
    std::free(inst.arena);
    inst.arena = nullptr;
    inst.arena_size = 0;
    inst.arena = std::aligned_alloc(kArenaAlignment, size);
    if (inst.arena == nullptr) {
      fail("out of memory: model '" + std::string(spec_.model_name) + "' needs " +
           std::to_string(bytes) + " bytes of scratch memory for these inputs");
    }
  }
  inst.arena_size = size;
}

void Container::replace_device_memory(Instance& inst, void*& ptr, uint64_t& size, uint64_t bytes) {
  if (inst.event_recorded) cuda_event_synchronize(inst.event);  // the old memory may still be in use
  if (inst.graphs) inst.graphs->clear();                        // they point into it
  cuda_free(ptr);
  ptr = nullptr;
  size = 0;
  ptr = cuda_alloc(bytes);
  size = bytes;
}

void Container::stage_misaligned_inputs(Instance& inst, const std::vector<TensorView>& views,
                                        std::vector<const void*>& data, void* stream) {
  constexpr uintptr_t kInputAlignment = 16;
  struct Move {
    size_t input;
    uint64_t offset, bytes;  // in the staging memory
  };
  std::vector<Move> moves;
  uint64_t bytes = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    if (reinterpret_cast<uintptr_t>(data[i]) % kInputAlignment == 0) continue;
    uint64_t n = dtype_size(views[i].dtype);  // contiguous (check_inputs)
    for (int64_t d = 0; d < views[i].rank; ++d) n *= static_cast<uint64_t>(views[i].sizes[d]);
    if (n == 0) continue;
    moves.push_back({i, bytes, n});
    bytes += (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
  }
  if (moves.empty()) return;
  if (bytes > inst.staging_size) {
    replace_device_memory(inst, inst.staging, inst.staging_size, bytes);
    if (verbose())
      report("model '" + std::string(spec_.model_name) + "': input " + std::to_string(moves.front().input) +
             " is not 16-byte aligned; such inputs are copied to aligned memory before each run");
  }
  for (const Move& m : moves) {
    void* dst = static_cast<unsigned char*>(inst.staging) + m.offset;
    cuda_copy_async(dst, data[m.input], m.bytes, stream);
    data[m.input] = dst;
  }
}

Container::Instance* Container::acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !free_.empty() || instances_.size() < max_instances_; });
  if (!free_.empty()) {
    Instance* inst = free_.back();
    free_.pop_back();
    return inst;
  }
  instances_.push_back(make_instance());
  return instances_.back().get();
}

void Container::release(Instance* inst) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(inst);
  }
  cv_.notify_one();
}

void Container::set_cuda_graphs(GraphMode mode) {
  if (mode != GraphMode::kNever && !cuda_) fail("CUDA graphs need a CUDA model; this one runs on the cpu");
  if (!cuda_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (instances_.size() != free_.size()) fail("CUDA graphs can only be switched while no run is in progress");
  if (mode == GraphMode::kAlways && tuning_ != nullptr) fail("CUDA graphs cannot be always on while kernels are tuned");
  graph_mode_ = mode;
  ContextGuard guard(*cuda_);
  for (auto& inst : instances_) {
    inst->graphs.reset();
    inst->policy = GraphPolicy(mode);
  }
}

void Container::set_tuning(AotcTuning* tuning) {
  if (tuning != nullptr && !cuda_) fail("kernel tuning needs a CUDA model; this one runs on the cpu");
  if (tuning != nullptr && tuning->struct_size < sizeof(AotcTuning))
    fail("the tuning table is older than this model library (struct_size " + std::to_string(tuning->struct_size) + ")");
  std::lock_guard<std::mutex> lock(mu_);
  if (instances_.size() != free_.size()) fail("the tuning table can only be set while no run is in progress");
  if (tuning != nullptr && graph_mode_ == GraphMode::kAlways)
    fail("kernel tuning needs CUDA graphs off or automatic, not always on");
  tuning_ = tuning;
}

int Container::run_eager(Instance& inst, RunContext& ctx, char* error, size_t error_size) {
  const int rc = spec_.run(&ctx, error, error_size);
  if (inst.libs) {
    if (inst.libs->take_workspace_moved() && inst.graphs) inst.graphs->clear();
    if (rc == 0) inst.libs->probed = true;  // it showed whether the model calls cuDNN or cuBLASLt
  }
  return rc;
}

int Container::run_graph(Instance& inst, RunContext& ctx, size_t num_inputs, size_t num_outputs,
                         void* stream, char* error, size_t error_size) {
  GraphPolicy::Key key;
  key.reserve(spec_.num_symbols + num_inputs + num_outputs + 1);
  for (size_t s = 0; s < spec_.num_symbols; ++s) key.push_back(static_cast<uint64_t>(ctx.symbols[s]));
  for (size_t i = 0; i < num_inputs; ++i) key.push_back(reinterpret_cast<uintptr_t>(ctx.inputs[i]));
  for (size_t o = 0; o < num_outputs; ++o) key.push_back(reinterpret_cast<uintptr_t>(ctx.outputs[o]));
  key.push_back(reinterpret_cast<uintptr_t>(ctx.arena));
  void* graph = inst.graphs ? inst.graphs->find(key) : nullptr;
  switch (inst.policy.decide(key, graph != nullptr)) {
    case GraphPolicy::Action::kReplay:
      CudaGraphCache::launch(graph, stream);
      return 0;
    case GraphPolicy::Action::kEager:
      if (inst.policy.gave_up() && inst.graphs)
        give_up_graphs(inst, "their buffers' addresses keep changing (" + std::to_string(inst.policy.captures()) +
                                 " captures, " + std::to_string(inst.policy.replays()) + " replays)");
      return run_eager(inst, ctx, error, error_size);
    case GraphPolicy::Action::kCapture:
      break;
  }
  // A plain run first: cuDNN's and cuBLASLt's handles, plans and workspaces
  // cannot be made while the stream is being captured. Once a run showed
  // that the model calls neither, captures go straight ahead (and never load
  // them).
  bool done = false;
  if (!inst.libs->probed || inst.libs->called) {
    const int rc = run_eager(inst, ctx, error, error_size);
    if (rc != 0) return rc;
    done = true;
  }
  if (!inst.graphs) inst.graphs = std::make_unique<CudaGraphCache>();
  struct Capture {
    const ModelSpec* spec;
    RunContext* ctx;
    char* error;
    size_t error_size;
  } capture{&spec_, &ctx, error, error_size};
  const int64_t t0 = now_ns();
  std::string failure;
  try {
    graph = inst.graphs->capture(std::move(key), [](void* capture_stream, void* arg) {
      auto* c = static_cast<Capture*>(arg);
      c->ctx->stream = capture_stream;
      return c->spec->run(c->ctx, c->error, c->error_size);
    }, &capture);
    if (graph == nullptr) failure = error[0] != '\0' ? error : "(no message)";
  } catch (const std::exception& e) {
    if (inst.policy.mode() != GraphMode::kAuto) throw;
    failure = e.what();
  }
  ctx.stream = stream;
  if (graph == nullptr) {
    inst.policy.capture_failed();
    if (inst.policy.mode() != GraphMode::kAuto) return 1;  // the run's own message is in `error`
    // Automatic graphs are an optimisation: the run goes on eagerly.
    error[0] = '\0';
    give_up_graphs(inst, "a capture failed: " + failure);
    return done ? 0 : run_eager(inst, ctx, error, error_size);
  }
  inst.policy.captured();
  if (verbose())
    report("model '" + std::string(spec_.model_name) + "': CUDA graph " + std::to_string(inst.graphs->size()) +
           " of this instance captured" + fmt_ms(" in ", ms_since(t0)));
  CudaGraphCache::launch(graph, stream);
  return 0;
}

void Container::give_up_graphs(Instance& inst, const std::string& why) {
  inst.graphs.reset();
  if (verbose())
    report("model '" + std::string(spec_.model_name) + "': no more CUDA graphs for this instance: " + why);
}

void Container::run(AtenTensorHandle* inputs, size_t num_inputs, AtenTensorHandle* outputs,
                    size_t num_outputs, void* stream, bool single_threaded) {
  if (inputs == nullptr && num_inputs > 0) fail("the input handle array is null");
  OwnedHandles in(host_, std::vector<AtenTensorHandle>(inputs, inputs + num_inputs));
  const std::string model = std::string("model '") + spec_.model_name + "'";
  if (num_inputs != spec_.num_inputs) {
    refuse(model + " takes " + std::to_string(spec_.num_inputs) + " input" +
           (spec_.num_inputs == 1 ? "" : "s") + ", got " + std::to_string(num_inputs));
  }
  if (num_outputs != spec_.num_outputs) {
    refuse(model + " has " + std::to_string(spec_.num_outputs) + " output" +
           (spec_.num_outputs == 1 ? "" : "s") + ", but the caller made room for " +
           std::to_string(num_outputs));
  }
  if (outputs == nullptr && num_outputs > 0) fail("the output handle array is null");

  std::vector<TensorView> views(num_inputs);
  std::vector<const void*> input_data(num_inputs);
  for (size_t i = 0; i < num_inputs; ++i) {
    AtenTensorHandle h = in[i];
    if (h == nullptr)
      refuse("input " + std::to_string(i) + " '" + spec_.inputs[i].name + "': null tensor handle");
    TensorView& v = views[i];
    int64_t* sizes = nullptr;
    int64_t* strides = nullptr;
    void* data = nullptr;
    host_call(host_.get_dtype(h, &v.dtype), "read the dtype", i, "input");
    host_call(host_.get_device_type(h, &v.device_type), "read the device", i, "input");
    host_call(host_.get_device_index(h, &v.device_index), "read the device", i, "input");
    host_call(host_.get_dim(h, &v.rank), "read the rank", i, "input");
    host_call(host_.get_sizes(h, &sizes), "read the sizes", i, "input");
    host_call(host_.get_strides(h, &strides), "read the strides", i, "input");
    host_call(host_.get_data_ptr(h, &data), "read the data pointer", i, "input");
    v.sizes = sizes;
    v.strides = strides;
    input_data[i] = data;
  }
  std::vector<int64_t> symbols(spec_.num_symbols);
  if (std::string bad = check_inputs(spec_, views.data(), num_inputs, device_type_, device_index_,
                                     symbols.data());
      !bad.empty()) {
    refuse(bad);
  }

  std::unique_ptr<ContextGuard> guard;
  if (cuda_) {
    guard = std::make_unique<ContextGuard>(*cuda_);
    if (stream == nullptr && host_.get_current_cuda_stream != nullptr) {
      host_call(host_.get_current_cuda_stream(device_index_, &stream), "give the current stream", 0,
                "device");
    }
  }

  OwnedHandles out(host_, std::vector<AtenTensorHandle>(num_outputs, nullptr));
  std::vector<void*> output_data(num_outputs);
  for (size_t o = 0; o < num_outputs; ++o) {
    const TensorSpec& ts = spec_.outputs[o];
    std::vector<int64_t> sizes(static_cast<size_t>(ts.rank));
    std::vector<int64_t> strides(static_cast<size_t>(ts.rank));
    if (std::string bad = output_sizes(spec_, o, symbols.data(), sizes.data()); !bad.empty())
      fail(bad);
    int64_t step = 1;
    for (int32_t d = ts.rank - 1; d >= 0; --d) {
      strides[d] = step;
      step *= std::max<int64_t>(sizes[d], 1);
    }
    host_call(host_.empty_strided(ts.rank, sizes.data(), strides.data(), ts.dtype, device_type_,
                                  device_index_, &out[o]),
              "allocate", o, "output");
    host_call(host_.get_data_ptr(out[o], &output_data[o]), "read the data pointer", o, "output");
  }

  Lease lease(*this, single_threaded);
  Instance& inst = *lease;
  if (cuda_ && inst.event_recorded)
    cuda_stream_wait_event(stream, inst.event);  // last run's arena use
  ensure_arena(inst, spec_.arena_bytes != nullptr ? spec_.arena_bytes(symbols.data()) : 0, stream);
  if (cuda_) stage_misaligned_inputs(inst, views, input_data, stream);

  RunContext ctx{};
  ctx.symbols = symbols.data();
  ctx.inputs = input_data.data();
  ctx.outputs = output_data.data();
  ctx.arena = inst.arena;
  ctx.weights = weights_;
  ctx.stream = stream;
  ctx.state = state_;
  ctx.device_index = device_index_;
  ctx.parallel_for = &parallel_for;
  ctx.num_threads = thread_pool_size();
  ctx.libs = inst.libs.get();
  ctx.tuning = tuning_;
  char error[1024] = {};
  int rc = 0;
  // Graphs neither while kernels are tuned nor inside the caller's own
  // capture, which records the eager launches instead.
  if (cuda_ && inst.policy.mode() != GraphMode::kNever && tuning_ == nullptr && !inst.policy.gave_up() &&
      !cuda_stream_capturing(stream)) {
    rc = run_graph(inst, ctx, num_inputs, num_outputs, stream, error, sizeof(error));
  } else {
    rc = run_eager(inst, ctx, error, sizeof(error));
  }
  if (cuda_) {
    cuda_event_record(inst.event, stream);
    inst.event_recorded = true;
  }
  if (rc != 0) fail(model + " failed: " + (error[0] != '\0' ? error : "(no message)"));
  out.give_to(outputs);
}

}  // namespace aotc_model::rt

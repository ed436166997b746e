// A model container: what an AOTInductorModelContainerHandle points to.
//
// It binds the generated ModelSpec to a host (aotc's runtime, or PyTorch's
// aoti_torch_* functions), a device and the weights, and runs the model:
// check the inputs, allocate the outputs through the host, take a model
// instance (arena, CUDA event) from the pool, call the generated run, release
// the stolen inputs. Up to num_models instances exist, created on demand;
// Run blocks while all are busy. Everything throws ModelError; the exported
// functions (EntryPoints.cpp) catch.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "GraphPolicy.h"
#include "InputCheck.h"
#include "aotc/model_abi.h"
#include "aotc_model.h"

namespace aotc_model::rt {

class CudaDevice;
class CudaGraphCache;
struct CudaLibs;
class MappedWeights;

class Container {
 public:
  /// Who provides the tensor functions and the weights.
  enum class HostKind {
    kAotc,   ///< AotcModelContainerCreateWithHost: host table and mapped weights given
    kTorch,  ///< AOTInductorModelContainerCreateWithDevice: table from libtorch, weights read from
             ///< cubin_dir
  };

  /// `weights` may be null for kTorch (read from `<cubin_dir>/<weights_file>`)
  /// and for a model without weights. Throws ModelError.
  Container(size_t num_models, const char* device_str, const char* cubin_dir,
            const AotcHostApi& host, const AotcWeights* weights, HostKind kind);
  ~Container();
  Container(const Container&) = delete;
  Container& operator=(const Container&) = delete;

  /// ContainerRun / ContainerRunSingleThreaded. Always releases the input
  /// handles (they are stolen); writes the outputs only on success.
  void run(AtenTensorHandle* inputs, size_t num_inputs, AtenTensorHandle* outputs,
           size_t num_outputs, void* stream, bool single_threaded);

  /// CUDA: when runs are captured as CUDA graphs and replayed (GraphPolicy:
  /// a graph replays runs with the same shapes and buffer addresses). The
  /// default is AOTC_CUDA_GRAPHS's, else kAuto. Resets what each instance
  /// learnt; needs no run in progress.
  void set_cuda_graphs(GraphMode mode);

  /// Tuning builds: the table the next runs write their measurements into
  /// (AotcModelContainerSetTuning); null stops. Runs are eager while it is
  /// set; refused with GraphMode::kAlways.
  void set_tuning(AotcTuning* tuning);

  /// kTorch: PyTorch's aoti_torch_check, through which failed runs raise
  /// (see raise_in_torch); null otherwise.
  void set_torch_check(void (*check)(bool, const char*, const char*, uint32_t, const char*)) {
    torch_check_ = check;
  }
  auto torch_check() const { return torch_check_; }

  const ModelSpec& spec() const { return spec_; }
  const char* in_spec() const { return in_spec_.c_str(); }
  const char* out_spec() const { return out_spec_.c_str(); }

 private:
  struct Instance {
    void* arena = nullptr;  // CPU: aligned host memory; CUDA: device memory
    uint64_t arena_size = 0;
    void* event = nullptr;  // CUDA: recorded after each run on its stream
    bool event_recorded = false;
    std::unique_ptr<CudaGraphCache> graphs;  // CUDA: made by the first capture
    GraphPolicy policy{GraphMode::kNever};   // CUDA: when to capture and replay
    std::unique_ptr<CudaLibs> libs;          // CUDA: cuDNN and cuBLASLt handles, workspaces, plans
    void* staging = nullptr;                 // CUDA: aligned copies of misaligned inputs
    uint64_t staging_size = 0;
  };
  class Lease;

  void bind_host(const AotcHostApi& host);
  void bind_weights(const AotcWeights* weights, HostKind kind);
  std::unique_ptr<Instance> make_instance();
  void free_instance(Instance& instance) noexcept;
  /// CUDA: `ptr` (`size` bytes) becomes `bytes` of new device memory, once no
  /// earlier run of the instance can still use the old; the instance's
  /// graphs, which point into it, go.
  void replace_device_memory(Instance& instance, void*& ptr, uint64_t& size, uint64_t bytes);
  /// CUDA: a new arena is zeroed on `stream`, ahead of the run that uses it.
  void ensure_arena(Instance& instance, uint64_t bytes, void* stream);
  /// CUDA: generated kernels read inputs 16 bytes at a time. An input whose
  /// data is not 16-byte aligned (a view at an odd offset) is copied on
  /// `stream` into the instance's staging memory, and `data` points there.
  void stage_misaligned_inputs(Instance& instance, const std::vector<TensorView>& views,
                               std::vector<const void*>& data, void* stream);
  /// The run through the instance's GraphPolicy: replays its graph for these
  /// shapes and addresses, captures one (after a plain run where the model
  /// calls cuDNN or cuBLASLt, so their handles and workspaces exist before
  /// capture), or runs eagerly. Returns the generated run's status (its
  /// message in `error`).
  int run_graph(Instance& instance, RunContext& ctx, size_t num_inputs, size_t num_outputs,
                void* stream, char* error, size_t error_size);
  /// kAuto gave up on an instance: its graphs go, and why is reported.
  void give_up_graphs(Instance& instance, const std::string& why);
  /// The generated run, eagerly; drops the instance's graphs if a library
  /// workspace moved (they hold its old address).
  int run_eager(Instance& instance, RunContext& ctx, char* error, size_t error_size);
  Instance* acquire();
  void release(Instance* instance);

  const ModelSpec& spec_;
  AotcHostApi host_{};
  int32_t device_type_ = AOTC_DEVICE_CPU;
  int32_t device_index_ = 0;
  std::unique_ptr<CudaDevice> cuda_;
  std::unique_ptr<MappedWeights> mapped_weights_;
  const void* weights_ = nullptr;   // what RunContext::weights gets
  void* device_weights_ = nullptr;  // CUDA: the uploaded copy we own
  void* state_ = nullptr;           // from spec.init
  bool initialised_ = false;
  bool pool_acquired_ = false;
  std::string in_spec_;
  std::string out_spec_;
  std::string model_dir_;  // kTorch: where PyTorch extracted the model folder

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Instance>> instances_;  // [0] exists from the start
  std::vector<Instance*> free_;
  size_t max_instances_ = 1;
  GraphMode graph_mode_ = GraphMode::kNever;  // CUDA: set from AOTC_CUDA_GRAPHS, else kAuto
  AotcTuning* tuning_ = nullptr;
  void (*torch_check_)(bool, const char*, const char*, uint32_t, const char*) = nullptr;
};

}  // namespace aotc_model::rt

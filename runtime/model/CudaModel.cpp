// The CUDA side of a model library; see CudaModel.h and aotc_model.h.
#include "CudaModel.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "CudaDriver.h"
#include "aotc/model_abi.h"
#include "Errors.h"
#include "aotc_model.h"
#include "SharedLibrary.h"

namespace aotc_model::rt {

using aotc::cuda::driver;

std::unique_ptr<CudaDevice> CudaDevice::open(int32_t index) {
  std::string why;
  if (!aotc::cuda::driver_available(&why)) fail("this model runs on CUDA, but " + why);
  int count = 0;
  AOTC_CU_CHECK(cuDeviceGetCount(&count));
  if (index < 0) {
    CUcontext current = nullptr;
    CUdevice dev = 0;
    AOTC_CU_CHECK(cuCtxGetCurrent(&current));
    index = current != nullptr && driver().cuCtxGetDevice(&dev) == CUDA_SUCCESS
                ? static_cast<int32_t>(dev)
                : 0;
  }
  if (count == 0) fail("this model runs on CUDA, but the driver reports no CUDA device");
  if (index >= count) {
    fail("this model was asked to run on cuda:" + std::to_string(index) +
         ", but this machine has " + std::to_string(count) + " CUDA device" +
         (count == 1 ? "" : "s"));
  }
  std::unique_ptr<CudaDevice> d(new CudaDevice());
  CUdevice dev = 0;
  AOTC_CU_CHECK(cuDeviceGet(&dev, index));
  CUcontext ctx = nullptr;
  AOTC_CU_CHECK(cuDevicePrimaryCtxRetain(&ctx, dev));
  d->index_ = index;
  d->device_ = dev;
  d->context_ = ctx;
  d->cc_ = aotc::cuda::compute_capability(dev);
  int sms = 0;
  AOTC_CU_CHECK(cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev));
  d->sms_ = sms;
  return d;
}

CudaDevice::~CudaDevice() {
  if (context_ != nullptr) driver().cuDevicePrimaryCtxRelease(device_);
}

ContextGuard::ContextGuard(const CudaDevice& device) {
  CUcontext previous = nullptr;
  AOTC_CU_CHECK(cuCtxGetCurrent(&previous));
  previous_ = previous;
  if (previous != static_cast<CUcontext>(device.context())) {
    AOTC_CU_CHECK(cuCtxSetCurrent(static_cast<CUcontext>(device.context())));
    changed_ = true;
  }
}

ContextGuard::~ContextGuard() {
  if (changed_) driver().cuCtxSetCurrent(static_cast<CUcontext>(previous_));
}

void* cuda_alloc(size_t bytes) {
  if (bytes == 0) return nullptr;
  CUdeviceptr p = 0;
  AOTC_CU_CHECK(cuMemAlloc(&p, bytes));
  return reinterpret_cast<void*>(p);
}

void cuda_free(void* ptr) noexcept {
  if (ptr != nullptr) driver().cuMemFree(reinterpret_cast<CUdeviceptr>(ptr));
}

void cuda_upload(void* dst, const void* src, size_t bytes) {
  if (bytes > 0) AOTC_CU_CHECK(cuMemcpyHtoD(reinterpret_cast<CUdeviceptr>(dst), src, bytes));
}

void cuda_memset_zero(void* dst, size_t bytes, void* stream) {
  if (bytes > 0)
    AOTC_CU_CHECK(cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(dst), 0, bytes, static_cast<CUstream>(stream)));
}

void cuda_copy_async(void* dst, const void* src, size_t bytes, void* stream) {
  if (bytes > 0)
    AOTC_CU_CHECK(cuMemcpyDtoDAsync(reinterpret_cast<CUdeviceptr>(dst), reinterpret_cast<CUdeviceptr>(src), bytes,
                                    static_cast<CUstream>(stream)));
}

void* cuda_event_create() {
  CUevent e = nullptr;
  AOTC_CU_CHECK(cuEventCreate(&e, CU_EVENT_DISABLE_TIMING));
  return e;
}

void cuda_event_destroy(void* event) noexcept {
  if (event != nullptr) driver().cuEventDestroy(static_cast<CUevent>(event));
}

void cuda_event_record(void* event, void* stream) {
  AOTC_CU_CHECK(cuEventRecord(static_cast<CUevent>(event), static_cast<CUstream>(stream)));
}

void cuda_stream_wait_event(void* stream, void* event) {
  AOTC_CU_CHECK(cuStreamWaitEvent(static_cast<CUstream>(stream), static_cast<CUevent>(event), 0));
}

void cuda_event_synchronize(void* event) {
  AOTC_CU_CHECK(cuEventSynchronize(static_cast<CUevent>(event)));
}

void cuda_context_synchronize() { AOTC_CU_CHECK(cuCtxSynchronize()); }

bool cuda_stream_capturing(void* stream) {
  CUstreamCaptureStatus status = CU_STREAM_CAPTURE_STATUS_NONE;
  AOTC_CU_CHECK(cuStreamIsCapturing(static_cast<CUstream>(stream), &status));
  return status != CU_STREAM_CAPTURE_STATUS_NONE;
}

// ---- CUDA graphs -------------------------------------------------------------------

CudaGraphCache::~CudaGraphCache() {
  clear();
  if (stream_ != nullptr) driver().cuStreamDestroy(static_cast<CUstream>(stream_));
}

void* CudaGraphCache::find(const std::vector<uint64_t>& key) const {
  for (const Entry& e : graphs_)
    if (e.key == key) return e.exec;
  return nullptr;
}

void* CudaGraphCache::capture(std::vector<uint64_t> key, int (*launch)(void*, void*), void* arg) {
  if (stream_ == nullptr) {
    CUstream s = nullptr;
    AOTC_CU_CHECK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
    stream_ = s;
  }
  CUstream s = static_cast<CUstream>(stream_);
  AOTC_CU_CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL));
  const int rc = launch(stream_, arg);
  CUgraph graph = nullptr;
  const CUresult end = driver().cuStreamEndCapture(s, &graph);
  if (rc != 0) {
    if (graph != nullptr) driver().cuGraphDestroy(graph);
    return nullptr;
  }
  if (end != CUDA_SUCCESS) aotc::cuda::throw_error(end, "cuStreamEndCapture", __FILE_NAME__, __LINE__);
  CUgraphExec exec = nullptr;
  const CUresult inst = driver().cuGraphInstantiateWithFlags(&exec, graph, 0);
  driver().cuGraphDestroy(graph);
  if (inst != CUDA_SUCCESS)
    aotc::cuda::throw_error(inst, "cuGraphInstantiateWithFlags", __FILE_NAME__, __LINE__);
  if (graphs_.size() >= kMaxGraphs) {
    driver().cuGraphExecDestroy(static_cast<CUgraphExec>(graphs_.front().exec));
    graphs_.erase(graphs_.begin());
  }
  graphs_.push_back(Entry{std::move(key), exec});
  return exec;
}

void CudaGraphCache::launch(void* graph, void* stream) {
  AOTC_CU_CHECK(cuGraphLaunch(static_cast<CUgraphExec>(graph), static_cast<CUstream>(stream)));
}

void CudaGraphCache::clear() noexcept {
  for (Entry& e : graphs_) driver().cuGraphExecDestroy(static_cast<CUgraphExec>(e.exec));
  graphs_.clear();
}

}  // namespace aotc_model::rt

// ---- aotc_model.h's helpers for generated code ------------------------------------

namespace aotc_model {

using aotc::cuda::driver;

namespace {


std::string image_name(const CudaImage& image) {
  return (image.kind == CudaImageKind::kCubin ? "sm_" : "compute_") + std::to_string(image.arch);
}

}  // namespace

int cuda_load_module(const InitContext* ctx, const CudaImage* images, size_t num_images,
                     void** module, char* error, size_t error_size) {
  try {
    const int pick = cuda_select_image(images, num_images, ctx->compute_capability);
    if (pick < 0) {
      std::string have;
      for (size_t i = 0; i < num_images; ++i) have += (i ? ", " : "") + image_name(images[i]);
      CUdevice dev = 0;
      std::string device = "cuda:" + std::to_string(ctx->device_index);
      if (driver().cuDeviceGet(&dev, ctx->device_index) == CUDA_SUCCESS) {
        device += " (" + aotc::cuda::device_name(dev) + ")";
      }
      return rt::write_error("no kernel image in this model suits " + device + ", which is sm_" +
                        std::to_string(ctx->compute_capability) + ": the package has " +
                        (have.empty() ? std::string("none") : have) +
                        "; compile it again with --arch sm_" +
                        std::to_string(ctx->compute_capability),
                    error, error_size);
    }
    const CudaImage& im = images[pick];
    std::string ptx;  // PTX must be NUL-terminated for the driver
    const void* data = im.data;
    if (im.kind == CudaImageKind::kPtx &&
        (im.size == 0 || static_cast<const char*>(im.data)[im.size - 1] != '\0')) {
      ptx.assign(static_cast<const char*>(im.data), im.size);
      data = ptx.c_str();
    }
    char log[4096] = {};
    CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void* values[] = {log, reinterpret_cast<void*>(static_cast<uintptr_t>(sizeof(log) - 1))};
    CUmodule m = nullptr;
    const CUresult r = driver().cuModuleLoadDataEx(&m, data, 2, options, values);
    if (r != CUDA_SUCCESS) {
      return rt::write_error("loading the " + image_name(im) + " image for sm_" +
                        std::to_string(ctx->compute_capability) + " failed: " +
                        aotc::cuda::error_string(r) + (log[0] ? std::string(": ") + log : ""),
                    error, error_size);
    }
    *module = m;
    return 0;
  } catch (const std::exception& e) {
    return rt::write_error(e.what(), error, error_size);
  }
}

int cuda_get_function(void* module, const char* name, uint32_t dynamic_smem_bytes, void** function,
                      char* error, size_t error_size) {
  try {
    CUfunction f = nullptr;
    AOTC_CU_CHECK(cuModuleGetFunction(&f, static_cast<CUmodule>(module), name));
    if (dynamic_smem_bytes > 48 * 1024) {
      AOTC_CU_CHECK(cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                       static_cast<int>(dynamic_smem_bytes)));
    }
    *function = f;
    return 0;
  } catch (const std::exception& e) {
    return rt::write_error(std::string("kernel ") + name + ": " + e.what(), error, error_size);
  }
}

int cuda_get_global(void* module, const char* name, void* dst, size_t bytes, char* error, size_t error_size) {
  try {
    CUdeviceptr ptr = 0;
    size_t size = 0;
    AOTC_CU_CHECK(cuModuleGetGlobal(&ptr, &size, static_cast<CUmodule>(module), name));
    if (size < bytes)
      return rt::write_error(std::string("global ") + name + " has " + std::to_string(size) + " bytes, expected " +
                        std::to_string(bytes),
                    error, error_size);
    AOTC_CU_CHECK(cuMemcpyDtoH(dst, ptr, bytes));
    return 0;
  } catch (const std::exception& e) {
    return rt::write_error(std::string("global ") + name + ": " + e.what(), error, error_size);
  }
}

int cuda_device_alloc(size_t bytes, void** ptr, char* error, size_t error_size) {
  try {
    *ptr = rt::cuda_alloc(bytes);
    return 0;
  } catch (const std::exception& e) {
    return rt::write_error("device memory for a prepared weight (" + std::to_string(bytes) + " bytes): " + e.what(),
                           error, error_size);
  }
}

void cuda_device_free(void* ptr) { rt::cuda_free(ptr); }

int cuda_device_synchronize(char* error, size_t error_size) {
  try {
    rt::cuda_context_synchronize();
    return 0;
  } catch (const std::exception& e) {
    return rt::write_error(std::string("preparing weights: ") + e.what(), error, error_size);
  }
}

uint32_t cuda_launch_flags(void* module) {
  auto off = [](const char* why) {
    rt::report(std::string("kernels launch one after another (no programmatic dependent launch): ") + why);
    return uint32_t{0};
  };
  try {
    const char* env = std::getenv("AOTC_PDL");
    if (env != nullptr && std::strcmp(env, "0") == 0) return off("AOTC_PDL=0");
    if (driver().cuLaunchKernelEx == nullptr) return off("the driver has no cuLaunchKernelEx");
    int value = 0;
    char ignored[256];
    if (cuda_get_global(module, "aotc_grid_dependency", &value, sizeof value, ignored, sizeof ignored) != 0)
      return off("the model's kernels predate it");
    if (value != 1) return off("the kernel image is for an arch below sm_90");
    rt::report("kernels launch with programmatic dependent launch (each waits for the one before it on the GPU)");
    return kLaunchProgrammatic;
  } catch (...) {
    return 0;
  }
}

int cuda_launch(void* function, uint32_t grid_x, uint32_t grid_y, uint32_t grid_z, uint32_t block_x,
                uint32_t block_y, uint32_t block_z, uint32_t dynamic_smem_bytes, void* stream,
                void** args, uint32_t flags, char* error, size_t error_size) {
  CUresult r;
  if ((flags & kLaunchProgrammatic) != 0) {
    CUlaunchAttribute attr{};
    attr.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    attr.value.programmaticStreamSerializationAllowed = 1;
    CUlaunchConfig config{};
    config.gridDimX = grid_x;
    config.gridDimY = grid_y;
    config.gridDimZ = grid_z;
    config.blockDimX = block_x;
    config.blockDimY = block_y;
    config.blockDimZ = block_z;
    config.sharedMemBytes = dynamic_smem_bytes;
    config.hStream = static_cast<CUstream>(stream);
    config.attrs = &attr;
    config.numAttrs = 1;
    r = driver().cuLaunchKernelEx(&config, static_cast<CUfunction>(function), args, nullptr);
  } else {
    r = driver().cuLaunchKernel(static_cast<CUfunction>(function), grid_x, grid_y, grid_z, block_x, block_y,
                                block_z, dynamic_smem_bytes, static_cast<CUstream>(stream), args, nullptr);
  }
  if (r == CUDA_SUCCESS) return 0;
  return rt::write_error("cuLaunchKernel (grid " + std::to_string(grid_x) + "x" + std::to_string(grid_y) +
                    "x" + std::to_string(grid_z) + ", block " + std::to_string(block_x) + "x" +
                    std::to_string(block_y) + "x" + std::to_string(block_z) + ", " +
                    std::to_string(dynamic_smem_bytes) +
                    " bytes of shared memory) failed: " + aotc::cuda::error_string(r),
                error, error_size);
}

void cuda_unload_module(void* module) {
  if (module != nullptr) driver().cuModuleUnload(static_cast<CUmodule>(module));
}

namespace {

// Mean microseconds per launch of candidate `c`: `repeats` launches captured
// into one CUDA graph and replayed between two events, which is what a
// model's graph replay pays for the kernel (back-to-back eager launches of a
// kernel of a few microseconds measure the launch rate instead). NaN when the
// stream cannot be captured here; *status is 1 when a launch failed.
float time_in_graph(RunContext* ctx, int (*run)(void*, int32_t), void* arg, int32_t c, int repeats, CUevent start,
                    CUevent stop, int* status) {
  struct Capture {
    RunContext* ctx;
    int (*run)(void*, int32_t);
    void* arg;
    int32_t candidate;
    int repeats;
    int rc;
  } capture{ctx, run, arg, c, repeats, 0};
  rt::CudaGraphCache graphs;  // one graph, destroyed on return
  void* const saved = ctx->stream;
  void* graph = nullptr;
  try {
    graph = graphs.capture({}, [](void* stream, void* a) {
      auto* p = static_cast<Capture*>(a);
      p->ctx->stream = stream;
      for (int i = 0; i < p->repeats && p->rc == 0; ++i) p->rc = p->run(p->arg, p->candidate);
      return p->rc;
    }, &capture);
  } catch (const aotc::cuda::CudaError&) {
    graph = nullptr;  // this stream cannot be captured here
  }
  ctx->stream = saved;
  if (capture.rc == 1) *status = 1;
  if (graph == nullptr) return std::numeric_limits<float>::quiet_NaN();
  rt::CudaGraphCache::launch(graph, saved);  // warm-up
  CUstream stream = static_cast<CUstream>(saved);
  AOTC_CU_CHECK(cuEventRecord(start, stream));
  rt::CudaGraphCache::launch(graph, saved);
  AOTC_CU_CHECK(cuEventRecord(stop, stream));
  AOTC_CU_CHECK(cuEventSynchronize(stop));
  float ms = 0;
  AOTC_CU_CHECK(cuEventElapsedTime(&ms, start, stop));
  return ms * 1000.0f / static_cast<float>(repeats);
}

}  // namespace

int cuda_tune_node(const RunContext* rc, int32_t node, int32_t num_candidates, int32_t heuristic,
                   int (*run)(void* arg, int32_t candidate), void* arg, char* error, size_t error_size) {
  auto* tuning = static_cast<AotcTuning*>(rc->tuning);
  if (heuristic < 0 || heuristic >= num_candidates) heuristic = 0;
  // The heuristic's pick, or candidate 0 where that one cannot run here.
  auto run_default = [&] {
    const int r = run(arg, heuristic);
    return r == 2 ? (run(arg, 0) == 0 ? 0 : 1) : r;
  };
  if (tuning == nullptr) return run_default();
  const bool row = node >= 0 && static_cast<uint32_t>(node) < tuning->num_nodes;
  if (row && tuning->heuristic != nullptr) tuning->heuristic[node] = heuristic;
  const int repeats = tuning->repeats > 0 ? static_cast<int>(tuning->repeats) : 10;
  // The run's context belongs to the caller of the generated code (the
  // container), which lets the stream be swapped while a candidate is captured.
  RunContext* ctx = const_cast<RunContext*>(rc);
  CUstream stream = static_cast<CUstream>(rc->stream);
  CUevent start = nullptr, stop = nullptr;
  try {
    AOTC_CU_CHECK(cuEventCreate(&start, CU_EVENT_DEFAULT));
    AOTC_CU_CHECK(cuEventCreate(&stop, CU_EVENT_DEFAULT));
    int status = 0;
    for (int32_t c = 0; c < num_candidates && status == 0; ++c) {
      float us = std::numeric_limits<float>::quiet_NaN();
      float graph_us = std::numeric_limits<float>::quiet_NaN();
      int r = run(arg, c);  // warm-up: module loading, cuDNN plans and workspace, caches
      if (r == 0) r = run(arg, c);
      if (r == 0) {
        AOTC_CU_CHECK(cuStreamSynchronize(stream));
        // Two costs: the GPU's, from a graph replay, and that of an eager
        // launch, one at a time: from the start event to the end of the
        // candidate's work, so the host's work per call (cuDNN's legacy call
        // costs tens of microseconds, and does not overlap the GPU's work as
        // a kernel launch does) counts with the GPU's.
        graph_us = time_in_graph(ctx, run, arg, c, repeats, start, stop, &status);
        if (status == 0) {
          float total_ms = 0;
          for (int i = 0; i < repeats && r == 0; ++i) {
            AOTC_CU_CHECK(cuEventRecord(start, stream));
            r = run(arg, c);
            AOTC_CU_CHECK(cuEventRecord(stop, stream));
            AOTC_CU_CHECK(cuEventSynchronize(stop));
            float ms = 0;
            AOTC_CU_CHECK(cuEventElapsedTime(&ms, start, stop));
            total_ms += ms;
          }
          if (r == 0) us = total_ms * 1000.0f / static_cast<float>(repeats);
        }
      }
      if (r == 1) status = 1;
      if (row && c < static_cast<int32_t>(tuning->max_candidates)) {
        const size_t at = static_cast<size_t>(node) * tuning->max_candidates + static_cast<size_t>(c);
        if (tuning->times_us != nullptr) tuning->times_us[at] = us;
        if (tuning->graph_us != nullptr) tuning->graph_us[at] = graph_us;
      }
    }
    // Leave the node's output as the heuristic's pick would (every candidate computes the same).
    if (status == 0) status = run_default();
    driver().cuEventDestroy(start);
    driver().cuEventDestroy(stop);
    return status;
  } catch (const std::exception& e) {
    if (start != nullptr) driver().cuEventDestroy(start);
    if (stop != nullptr) driver().cuEventDestroy(stop);
    return rt::write_error(std::string("timing tunable node ") + std::to_string(node) + ": " + e.what(), error,
                           error_size);
  }
}

}  // namespace aotc_model

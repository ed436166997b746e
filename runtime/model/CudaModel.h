// The CUDA side of a model library: the device a container runs on, device
// memory for weights and arenas, per-instance events, and (in CudaModel.cpp)
// aotc_model.h's module-loading and launch helpers for generated code.
//
// This header keeps cuda.h out of the container code: handles are void*.
// Built from CudaModel.cpp when the CUDA toolkit's headers are present
// (AOTC_MODEL_HAVE_CUDA), else from CudaModelStub.cpp, whose functions fail
// with "built without CUDA support". Everything here throws ModelError or
// CudaError; it needs the device's context current (ContextGuard) unless
// stated otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace aotc_model::rt {

/// A CUDA device and its primary context, retained for the container's life.
class CudaDevice {
 public:
  /// `index` -1 means the device of the calling thread's current context, else 0.
  static std::unique_ptr<CudaDevice> open(int32_t index);
  ~CudaDevice();
  CudaDevice(const CudaDevice&) = delete;
  CudaDevice& operator=(const CudaDevice&) = delete;

  int32_t index() const { return index_; }
  int32_t compute_capability() const { return cc_; }
  int32_t multiprocessors() const { return sms_; }
  void* context() const { return context_; }

 private:
  CudaDevice() = default;
  int32_t index_ = 0;
  int32_t cc_ = 0;
  int32_t sms_ = 0;
  int32_t device_ = 0;
  void* context_ = nullptr;
};

/// Makes the device's context current for a scope; restores the previous one.
class ContextGuard {
 public:
  explicit ContextGuard(const CudaDevice& device);
  ~ContextGuard();
  ContextGuard(const ContextGuard&) = delete;
  ContextGuard& operator=(const ContextGuard&) = delete;

 private:
  void* previous_ = nullptr;
  bool changed_ = false;
};

void* cuda_alloc(size_t bytes);      ///< cuMemAlloc (synchronous); null for 0 bytes
void cuda_free(void* ptr) noexcept;  ///< cuMemFree; null is ignored
void cuda_upload(void* dst, const void* src, size_t bytes);  ///< synchronous host-to-device copy
void cuda_memset_zero(void* dst, size_t bytes, void* stream);  ///< ordered on `stream`
void cuda_copy_async(void* dst, const void* src, size_t bytes, void* stream);  ///< device to device, on `stream`
void* cuda_event_create();
void cuda_event_destroy(void* event) noexcept;
void cuda_event_record(void* event, void* stream);
void cuda_stream_wait_event(void* stream, void* event);
void cuda_event_synchronize(void* event);
void cuda_context_synchronize();  ///< waits for all work of the current context
/// Whether `stream` is being captured into a CUDA graph (by the caller).
bool cuda_stream_capturing(void* stream);

/// Scratch device memory a library call needs (cuDNN's, cuBLASLt's), grown
/// on demand. Growing waits for the context's queued work (which may still
/// use the old memory) and flags the move, because CUDA graphs captured with
/// the old address must go.
class DeviceWorkspace {
 public:
  DeviceWorkspace() = default;
  ~DeviceWorkspace() { cuda_free(ptr_); }
  DeviceWorkspace(const DeviceWorkspace&) = delete;
  DeviceWorkspace& operator=(const DeviceWorkspace&) = delete;

  /// At least `bytes` of memory (null for 0 bytes).
  void* reserve(size_t bytes) {
    if (bytes > size_) {
      cuda_context_synchronize();
      cuda_free(ptr_);
      ptr_ = nullptr;
      size_ = 0;
      ptr_ = cuda_alloc(bytes);
      size_ = bytes;
      moved_ = true;
    }
    return ptr_;
  }
  /// Whether the memory moved since the last call; clears the flag.
  bool take_moved() {
    const bool moved = moved_;
    moved_ = false;
    return moved;
  }

 private:
  void* ptr_ = nullptr;
  size_t size_ = 0;
  bool moved_ = false;
};

/// CUDA graphs of one model instance. The generated run bakes the shape
/// symbols and the input, output, arena and weight addresses into its
/// launches, so a captured graph is keyed by all of them and replays only
/// when a run has exactly those. Capture happens on the cache's own stream
/// (the legacy default stream cannot be captured); replay on the caller's.
class CudaGraphCache {
 public:
  /// At most this many graphs per instance; the oldest goes first.
  static constexpr size_t kMaxGraphs = 16;

  CudaGraphCache() = default;
  ~CudaGraphCache();  ///< destroys the graphs and the stream
  CudaGraphCache(const CudaGraphCache&) = delete;
  CudaGraphCache& operator=(const CudaGraphCache&) = delete;

  /// The graph captured for `key`, or null.
  void* find(const std::vector<uint64_t>& key) const;
  /// Captures what `launch(stream, arg)` enqueues as a graph for `key` and
  /// returns it. `launch` returns nonzero on failure; then nothing is kept
  /// and capture returns null.
  void* capture(std::vector<uint64_t> key, int (*launch)(void* stream, void* arg), void* arg);
  /// Launches a graph from find()/capture() on `stream`.
  static void launch(void* graph, void* stream);
  /// Drops every graph (they refer to memory about to be freed).
  void clear() noexcept;
  size_t size() const { return graphs_.size(); }

 private:
  struct Entry {
    std::vector<uint64_t> key;
    void* exec = nullptr;
  };
  std::vector<Entry> graphs_;  // oldest first
  void* stream_ = nullptr;
};

}  // namespace aotc_model::rt

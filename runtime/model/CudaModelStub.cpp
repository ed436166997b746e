// The CUDA side of a model library when aotc was built without the CUDA
// toolkit: every function fails with a clear message (see CudaModel.h).
#include <cstdio>

#include "CudaModel.h"
#include "Errors.h"
#include "aotc_model.h"

namespace aotc_model::rt {
namespace {
[[noreturn]] void no_cuda() {
  fail("this model library was built without CUDA support");
}
}  // namespace

std::unique_ptr<CudaDevice> CudaDevice::open(int32_t) {
  no_cuda();
}
CudaDevice::~CudaDevice() = default;
ContextGuard::ContextGuard(const CudaDevice&) {
  no_cuda();
}
ContextGuard::~ContextGuard() = default;
void* cuda_alloc(size_t) {
  no_cuda();
}
void cuda_free(void*) noexcept {}
void cuda_upload(void*, const void*, size_t) {
  no_cuda();
}
void cuda_memset_zero(void*, size_t, void*) {
  no_cuda();
}
void cuda_copy_async(void*, const void*, size_t, void*) {
  no_cuda();
}
void* cuda_event_create() {
  no_cuda();
}
void cuda_event_destroy(void*) noexcept {}
void cuda_event_record(void*, void*) {
  no_cuda();
}
void cuda_stream_wait_event(void*, void*) {
  no_cuda();
}
void cuda_event_synchronize(void*) {
  no_cuda();
}
void cuda_context_synchronize() {
  no_cuda();
}
bool cuda_stream_capturing(void*) {
  no_cuda();
}
CudaGraphCache::~CudaGraphCache() = default;
void* CudaGraphCache::find(const std::vector<uint64_t>&) const {
  return nullptr;
}
void* CudaGraphCache::capture(std::vector<uint64_t>, int (*)(void*, void*), void*) {
  no_cuda();
}
void CudaGraphCache::launch(void*, void*) {
  no_cuda();
}
void CudaGraphCache::clear() noexcept {}

}  // namespace aotc_model::rt

namespace aotc_model {
namespace {
int no_cuda(char* error, size_t error_size) {
  if (error != nullptr && error_size > 0)
    std::snprintf(error, error_size, "built without CUDA support");
  return 1;
}
}  // namespace
int cuda_load_module(const InitContext*, const CudaImage*, size_t, void**, char* error,
                     size_t error_size) {
  return no_cuda(error, error_size);
}
int cuda_get_function(void*, const char*, uint32_t, void**, char* error, size_t error_size) {
  return no_cuda(error, error_size);
}
int cuda_launch(void*, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, void*,
                void**, uint32_t, char* error, size_t error_size) {
  return no_cuda(error, error_size);
}
uint32_t cuda_launch_flags(void*) { return 0; }
int cuda_get_global(void*, const char*, void*, size_t, char* error, size_t error_size) {
  return no_cuda(error, error_size);
}

int cuda_tune_node(const RunContext*, int32_t, int32_t, int32_t, int (*)(void*, int32_t), void*, char* error,
                   size_t error_size) {
  return no_cuda(error, error_size);
}

void cuda_unload_module(void*) {}
int cuda_device_alloc(size_t, void** ptr, char* error, size_t error_size) {
  *ptr = nullptr;
  return no_cuda(error, error_size);
}
void cuda_device_free(void*) {}
int cuda_device_synchronize(char* error, size_t error_size) {
  return no_cuda(error, error_size);
}
}  // namespace aotc_model

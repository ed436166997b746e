// The host runtime without CUDA (aotc built without the toolkit); see CudaHost.h.
#include "CudaHost.h"
#include "Errors.h"

namespace aotc::rt::cuda_host {
namespace {
constexpr const char* kNoCuda = "this aotc runtime was built without CUDA support";
}  // namespace

bool available(std::string* why) {
  if (why != nullptr) *why = kNoCuda;
  return false;
}
int32_t current_device() {
  fail(AOTC_ERROR_UNSUPPORTED, kNoCuda);
}
void check_device(int32_t) {
  fail(AOTC_ERROR_UNSUPPORTED, kNoCuda);
}
Guard::Guard(int32_t) {
  fail(AOTC_ERROR_UNSUPPORTED, kNoCuda);
}
Guard::~Guard() = default;
void* alloc(size_t, void*, bool*) {
  fail(AOTC_ERROR_UNSUPPORTED, kNoCuda);
}
void free(void*, int32_t, void*, bool) noexcept {}
void copy_to_device(void*, const void*, size_t, void*) {
  fail(AOTC_ERROR_UNSUPPORTED, kNoCuda);
}
void copy_to_host(void*, const void*, size_t, void*) {
  fail(AOTC_ERROR_UNSUPPORTED, kNoCuda);
}
void copy_device_to_device(void*, const void*, size_t, void*) {
  fail(AOTC_ERROR_UNSUPPORTED, kNoCuda);
}
void synchronize(void*) {
  fail(AOTC_ERROR_UNSUPPORTED, kNoCuda);
}

}  // namespace aotc::rt::cuda_host

// A model library (`<h>.wrapper.so`) loaded from memory.
//
// The bytes come straight from the mapped package: they are written to an
// anonymous memory file (memfd_create) and dlopen'ed through
// /proc/self/fd/N, so nothing is extracted to disk. Where memfd (or /proc)
// is not available, or AOTC_NO_MEMFD=1 asks for it, an unlinked temporary
// file in $TMPDIR (else /tmp) is used instead.
//
// glibc finds loaded objects by name before it opens anything, so a reused
// descriptor number must never name a second library while the first is
// loaded: the memfd stays open while its library is loaded, and for good if
// the library cannot be unloaded (STB_GNU_UNIQUE symbols make a library
// permanent; aotc model libraries have none, but a foreign .so may).
// RTLD_NOW | RTLD_LOCAL, like PyTorch's loader: every import resolves now, and
// nothing leaks into the process's global scope.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "aotc/model_abi.h"

namespace aotc::rt {

/// The entry points the aotc runtime uses.
struct ModelApi {
  uint32_t (*abi_version)(void) = nullptr;
  AOTIRuntimeError (*create_with_host)(AOTInductorModelContainerHandle*, size_t, const char*,
                                       const char*, const AotcHostApi*,
                                       const AotcWeights*) = nullptr;
  const char* (*last_error)(void) = nullptr;
  AOTIRuntimeError (*container_delete)(AOTInductorModelContainerHandle) = nullptr;
  AOTIRuntimeError (*run)(AOTInductorModelContainerHandle, AtenTensorHandle*, size_t,
                          AtenTensorHandle*, size_t, AOTInductorStreamHandle,
                          AOTIProxyExecutorHandle) = nullptr;
  AOTIRuntimeError (*get_num_inputs)(AOTInductorModelContainerHandle, size_t*) = nullptr;
  AOTIRuntimeError (*get_num_outputs)(AOTInductorModelContainerHandle, size_t*) = nullptr;
  /// Optional (null when the library predates it).
  AOTIRuntimeError (*set_cuda_graphs)(AOTInductorModelContainerHandle, int32_t) = nullptr;
  AOTIRuntimeError (*set_tuning)(AOTInductorModelContainerHandle, AotcTuning*) = nullptr;
};

class ModelLibrary {
 public:
  /// Loads the library; `name` is for messages. Throws Failure if it does not
  /// load, lacks an entry point, or speaks another model ABI major version.
  ModelLibrary(std::string_view bytes, const std::string& name);
  ~ModelLibrary();
  ModelLibrary(const ModelLibrary&) = delete;
  ModelLibrary& operator=(const ModelLibrary&) = delete;

  const ModelApi& api() const { return api_; }
  /// The library's last error on this thread, or "" if none.
  std::string last_error() const;

 private:
  void unload() noexcept;
  void* handle_ = nullptr;
  int fd_ = -1;
  std::string path_;  // what dlopen was given
  ModelApi api_;
};

}  // namespace aotc::rt

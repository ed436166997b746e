// Loading a model library from memory; see ModelLibrary.h.
#include "ModelLibrary.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

#include "Errors.h"

namespace aotc::rt {
namespace {

void write_all(int fd, std::string_view bytes, const std::string& what) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(AOTC_ERROR_IO, "cannot write " + what + ": " + std::strerror(errno));
    p += n;
    left -= static_cast<size_t>(n);
  }
}

// An unlinked temporary file holding the bytes, for kernels without memfd.
int temp_file_fd(std::string_view bytes, const std::string& name, std::string* path) {
  const char* dir = std::getenv("TMPDIR");
  std::string templ = std::string(dir != nullptr && *dir ? dir : "/tmp") + "/aotc-model-XXXXXX";
  const int fd = ::mkostemp(templ.data(), O_CLOEXEC);
  if (fd < 0)
    fail(AOTC_ERROR_IO, "cannot create a temporary file for " + name + ": " + std::strerror(errno));
  try {
    write_all(fd, bytes, templ);
  } catch (...) {
    ::close(fd);
    ::unlink(templ.c_str());
    throw;
  }
  *path = templ;
  return fd;
}

}  // namespace

ModelLibrary::ModelLibrary(std::string_view bytes, const std::string& name) {
  // memfd first; an unlinked temporary file where there is no memfd, where
  // /proc is not mounted (the memfd cannot be named), or when asked to
  // (AOTC_NO_MEMFD=1: tools such as debuggers and profilers resolve a real
  // path more readily).
  const char* no_memfd = std::getenv("AOTC_NO_MEMFD");
  const bool try_memfd = no_memfd == nullptr || std::string(no_memfd) != "1";
  std::string why;
  if (try_memfd) {
    fd_ = ::memfd_create(("aotc:" + name).c_str(), MFD_CLOEXEC);
    if (fd_ >= 0) {
      try {
        write_all(fd_, bytes, "the model library to memory");
      } catch (...) {
        ::close(fd_);
        fd_ = -1;
        throw;
      }
      path_ = "/proc/self/fd/" + std::to_string(fd_);
      // glibc finds loaded objects by name before it opens anything: if an
      // object of this name is still loaded (a library that could not be
      // unloaded, see unload()), this name is taken; use a temporary file.
      if (void* taken = ::dlopen(path_.c_str(), RTLD_LAZY | RTLD_NOLOAD)) {
        ::dlclose(taken);
        why = path_ + " names a library that is still loaded";
      } else {
        handle_ = ::dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
      }
      if (handle_ == nullptr && why.empty()) {
        const char* e = ::dlerror();
        why = e != nullptr ? e : "unknown error";
        ::close(fd_);
        fd_ = -1;
      }
    }
  }
  if (handle_ == nullptr) {
    if (fd_ >= 0) ::close(fd_);
    std::string temp_path;
    fd_ = temp_file_fd(bytes, name, &temp_path);
    path_ = temp_path;
    handle_ = ::dlopen(temp_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
      const char* e = ::dlerror();
      why = e != nullptr ? e : "unknown error";
    }
    ::unlink(temp_path.c_str());  // the mapping stays; the name goes
    if (handle_ == nullptr) {
      ::close(fd_);
      fd_ = -1;
      fail(AOTC_ERROR_RUNTIME, "cannot load the model library " + name + ": " + why);
    }
  }

  std::string missing;
  auto load = [&](auto* slot, const char* symbol) {
    *slot = reinterpret_cast<std::remove_reference_t<decltype(*slot)>>(::dlsym(handle_, symbol));
    if (*slot == nullptr) missing += (missing.empty() ? "" : ", ") + std::string(symbol);
  };
  load(&api_.abi_version, "AotcModelAbiVersion");
  load(&api_.create_with_host, "AotcModelContainerCreateWithHost");
  load(&api_.last_error, "AotcModelGetLastError");
  load(&api_.container_delete, "AOTInductorModelContainerDelete");
  load(&api_.run, "AOTInductorModelContainerRun");
  load(&api_.get_num_inputs, "AOTInductorModelContainerGetNumInputs");
  load(&api_.get_num_outputs, "AOTInductorModelContainerGetNumOutputs");
  api_.set_cuda_graphs = reinterpret_cast<decltype(api_.set_cuda_graphs)>(
      ::dlsym(handle_, "AotcModelContainerSetCudaGraphs"));
  api_.set_tuning =
      reinterpret_cast<decltype(api_.set_tuning)>(::dlsym(handle_, "AotcModelContainerSetTuning"));
  if (!missing.empty()) {
    unload();
    fail(AOTC_ERROR_INVALID_PACKAGE,
         "the model library " + name + " is not an aotc model library: it lacks " + missing);
  }
  const uint32_t version = api_.abi_version();
  if (version >> 16 != AOTC_MODEL_ABI_VERSION_MAJOR) {
    unload();
    fail(AOTC_ERROR_UNSUPPORTED,
         "the model library " + name + " speaks model ABI " + std::to_string(version >> 16) + "." +
             std::to_string(version & 0xffff) + ", this runtime speaks " +
             std::to_string(AOTC_MODEL_ABI_VERSION_MAJOR) + "." +
             std::to_string(AOTC_MODEL_ABI_VERSION_MINOR) +
             "; use a runtime of the same major version as the compiler that made the package");
  }
}

ModelLibrary::~ModelLibrary() {
  unload();
}

void ModelLibrary::unload() noexcept {
  bool still_loaded = false;
  if (handle_ != nullptr) {
    ::dlclose(handle_);
    // A library with STB_GNU_UNIQUE symbols (most C++ code that was not
    // linked like an aotc model library) is never unloaded. It keeps its name,
    // /proc/self/fd/N: keep descriptor N open for good, so that N never names
    // another library.
    if (void* again = ::dlopen(path_.c_str(), RTLD_LAZY | RTLD_NOLOAD)) {
      ::dlclose(again);
      still_loaded = true;
    }
  }
  handle_ = nullptr;
  if (fd_ >= 0 && !still_loaded) ::close(fd_);
  fd_ = -1;
}

std::string ModelLibrary::last_error() const {
  const char* e = api_.last_error != nullptr ? api_.last_error() : nullptr;
  return e != nullptr ? e : "";
}

}  // namespace aotc::rt

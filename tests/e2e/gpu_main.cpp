// Main of the GPU end-to-end tests: exits 77 (ctest's skip code) when no CUDA
// driver or device is present, so the tests skip cleanly on CI machines.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <cstdio>

namespace {

int cuda_devices() {
  void* lib = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return 0;
  using Init = int (*)(unsigned);
  using Count = int (*)(int*);
  auto init = reinterpret_cast<Init>(::dlsym(lib, "cuInit"));
  auto count = reinterpret_cast<Count>(::dlsym(lib, "cuDeviceGetCount"));
  int n = 0;
  if (!init || !count || init(0) != 0 || count(&n) != 0) n = 0;
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (cuda_devices() == 0) {
    std::printf("skipped: no CUDA driver or device on this machine\n");
    return 77;
  }
  return Catch::Session().run(argc, argv);
}

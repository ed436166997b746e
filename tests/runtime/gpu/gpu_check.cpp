// aotc_runtime_gpu_check CPU_PKG CUDA_PKG: the runtime's CUDA paths, on a
// machine with an NVIDIA GPU (ctest label "gpu"; exits 77, "skipped", where
// there is none). Uses only the installed-style API (aotc/runtime.hpp) and
// the driver (dlopen'ed) to make a stream of its own.
//
//   - the CUDA model (tests/runtime/models/cuda_add.cpp, y = x + 1 from its
//     weights) with host inputs (copied over and back), device inputs (async
//     on the caller's stream), a non-blocking user stream, 8 threads at once;
//   - refusals on the device (dtype, device index);
//   - the CPU model fed CUDA tensors (copied to the host and back).
#include <dlfcn.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "aotc/runtime.hpp"

using aotc::Device;
using aotc::ScalarType;
using aotc::Tensor;

namespace {

int g_failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++g_failures;
}

std::vector<float> values(int64_t n, float start) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = start + 0.5f * static_cast<float>(i % 1000);
  return v;
}

bool plus_one(const std::vector<float>& x, const std::vector<float>& y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (y[i] != x[i] + 1.0f) return false;
  }
  return true;
}

std::string refusal(const aotc::Model& m, const std::vector<Tensor>& in) {
  try {
    m.run(in);
  } catch (const aotc::RuntimeError& e) {
    return std::to_string(e.status()) + ": " + e.what();
  }
  return "(accepted)";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s CPU_PKG CUDA_PKG\n", argv[0]);
    return 2;
  }
  void* cuda = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  using StreamCreate = int (*)(void**, unsigned);
  using StreamSync = int (*)(void*);
  using DeviceCount = int (*)(int*);
  using Init = int (*)(unsigned);
  int count = 0;
  if (cuda == nullptr || reinterpret_cast<Init>(::dlsym(cuda, "cuInit"))(0) != 0 ||
      reinterpret_cast<DeviceCount>(::dlsym(cuda, "cuDeviceGetCount"))(&count) != 0 || count == 0) {
    std::printf("SKIP: no CUDA driver or device on this machine\n");
    return 77;
  }
  auto stream_create = reinterpret_cast<StreamCreate>(::dlsym(cuda, "cuStreamCreate"));
  auto stream_sync = reinterpret_cast<StreamSync>(::dlsym(cuda, "cuStreamSynchronize"));
  // Streams belong to a context: make device 0's primary context current here,
  // as the CUDA runtime would (the aotc runtime uses that same context).
  using DeviceGet = int (*)(int*, int);
  using PrimaryRetain = int (*)(void**, int);
  using CtxSet = int (*)(void*);
  int dev = 0;
  void* ctx = nullptr;
  if (reinterpret_cast<DeviceGet>(::dlsym(cuda, "cuDeviceGet"))(&dev, 0) != 0 ||
      reinterpret_cast<PrimaryRetain>(::dlsym(cuda, "cuDevicePrimaryCtxRetain"))(&ctx, dev) != 0 ||
      reinterpret_cast<CtxSet>(::dlsym(cuda, "cuCtxSetCurrent"))(ctx) != 0) {
    std::printf("FAIL cannot make device 0's primary context current\n");
    return 1;
  }

  try {
    aotc::Model gpu = aotc::Model::load(argv[2]);
    check(gpu.target() == "cuda" && gpu.device() == "cuda:0",
          "cuda package loads on " + gpu.device());

    // Host inputs: copied to the device, run, copied back, synchronised.
    for (int64_t n : {1, 1000, 1 << 20}) {
      std::vector<float> x = values(n, -7.0f);
      auto out = gpu.run({Tensor::borrow(x.data(), ScalarType::Float32, {n})});
      check(!out[0].device().is_cuda() && plus_one(x, out[0].to_vector<float>()),
            "host input of " + std::to_string(n) + " elements: y = x + 1, on the host");
    }

    // Device inputs on the legacy stream: outputs stay on the device.
    std::vector<float> x = values(4096, 3.0f);
    Tensor dx = Tensor::borrow(x.data(), ScalarType::Float32, {4096}).to(Device::cuda(0));
    auto out = gpu.run({dx});
    check(out[0].device() == Device::cuda(0), "device input: output on cuda:0");
    check(plus_one(x, out[0].to_vector<float>()), "device input: y = x + 1");

    // A user's non-blocking stream.
    void* stream = nullptr;
    const int created = stream_create(&stream, 1 /* CU_STREAM_NON_BLOCKING */);
    check(created == 0, "cuStreamCreate");
    if (created != 0) throw std::runtime_error("no stream");
    aotc::RunOptions ro;
    ro.stream = stream;
    auto sout = gpu.run({dx}, ro);
    check(stream_sync(stream) == 0, "cuStreamSynchronize");
    check(plus_one(x, sout[0].to_vector<float>()), "user stream: y = x + 1");

    // Concurrency: 8 threads, different sizes, host inputs.
    std::atomic<int> bad{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          const int64_t n = 1 + (t * 7919 + i * 104729) % 200000;
          std::vector<float> xi = values(n, static_cast<float>(t));
          auto o = gpu.run({Tensor::borrow(xi.data(), ScalarType::Float32, {n})});
          if (!plus_one(xi, o[0].to_vector<float>())) bad++;
        }
      });
    }
    for (auto& th : threads) th.join();
    check(bad.load() == 0, "8 threads x 20 runs, host inputs, all correct");

    // Refusals on the device.
    Tensor di = Tensor::empty(ScalarType::Int32, {16}, Device::cuda(0));
    const std::string r = refusal(gpu, {di});
    check(r == "2: input 0 'x': expected dtype float32, got int32", "dtype refusal: " + r);
    aotc::LoadOptions far;
    far.device = "cuda:" + std::to_string(count);
    try {
      aotc::Model::load(argv[2], far);
      check(false, "a device index past the last GPU is refused");
    } catch (const aotc::RuntimeError& e) {
      check(std::string(e.what()).find("there is no device cuda:") != std::string::npos,
            std::string("bad device index: ") + e.what());
    }

    // The CPU model fed CUDA tensors: copied to the host, outputs copied back.
    aotc::Model cpu = aotc::Model::load(argv[1]);
    std::vector<float> xa = values(12, 1.0f);
    Tensor dxa = Tensor::borrow(xa.data(), ScalarType::Float32, {3, 4}).to(Device::cuda(0));
    auto ca = cpu.run({dxa});
    check(ca[0].device() == Device::cuda(0), "cpu model, cuda input: output back on cuda:0");
    std::vector<float> ya = ca[0].to_vector<float>();
    bool ok = true;
    for (size_t i = 0; i < xa.size(); ++i) ok = ok && ya[i] == 2.0f * xa[i] + 1.0f;
    check(ok, "cpu model, cuda input: y = 2x + 1");

    // The same from a thread with no current CUDA context (the runtime makes
    // the device's context current itself), and .npy of a CUDA tensor.
    std::thread fresh([&] {
      try {
        auto o = cpu.run({dxa});
        std::vector<float> yo = o[0].to_vector<float>();
        bool same = o[0].device() == Device::cuda(0);
        for (size_t i = 0; i < xa.size(); ++i) same = same && yo[i] == 2.0f * xa[i] + 1.0f;
        check(same, "cpu model, cuda input, from a thread without a context");
        aotc::save_npy("gpu_check_y.npy", o[0]);
        check(aotc::load_npy("gpu_check_y.npy").to_vector<float>() == yo, ".npy of a CUDA tensor");
      } catch (const std::exception& e) {
        check(false, std::string("fresh thread: ") + e.what());
      }
    });
    fresh.join();
  } catch (const std::exception& e) {
    check(false, std::string("unexpected exception: ") + e.what());
  }
  std::printf("%d failure(s)\n", g_failures);
  return g_failures == 0 ? 0 : 1;
}

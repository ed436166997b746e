// A model library as a shared object: exactly the intended exports, no
// dependency on libstdc++, libtorch or libcuda, AOTInductor's entry points
// resolvable, clean failures without a host, and the PyTorch host path
// (AOTInductorModelContainerCreateWithDevice) against a stand-in libtorch
// that exports PyTorch's shim signatures.
#include <dlfcn.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "TestSupport.h"
#include "aotc/model_abi.h"

using aotc::test::TempDir;

namespace {

std::string command_output(const std::string& cmd) {
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  REQUIRE(::pclose(p) == 0);
  return out;
}

// Every entry point of torch/csrc/inductor/aoti_runtime/interface.h (2.11 and
// main) plus aotc's own: what a model library must export, and nothing else.
const std::set<std::string> kExports = {
    "AOTInductorGetLastError",
    "AOTInductorModelContainerCreate",
    "AOTInductorModelContainerCreateWithDevice",
    "AOTInductorModelContainerCreateWithExternalConstants",
    "AOTInductorModelContainerDelete",
    "AOTInductorModelContainerDidCallLoadConstants",
    "AOTInductorModelContainerExtractConstantsMap",
    "AOTInductorModelContainerExtractConstantsMapEntries",
    "AOTInductorModelContainerFreeInactiveConstantBuffer",
    "AOTInductorModelContainerGetCallSpec",
    "AOTInductorModelContainerGetConstantDataSize",
    "AOTInductorModelContainerGetConstantDtype",
    "AOTInductorModelContainerGetConstantFromFolded",
    "AOTInductorModelContainerGetConstantName",
    "AOTInductorModelContainerGetConstantOriginalFQN",
    "AOTInductorModelContainerGetConstantType",
    "AOTInductorModelContainerGetConstantsBlobSize",
    "AOTInductorModelContainerGetInputName",
    "AOTInductorModelContainerGetNumConstants",
    "AOTInductorModelContainerGetNumInputs",
    "AOTInductorModelContainerGetNumOutputs",
    "AOTInductorModelContainerGetOutputName",
    "AOTInductorModelContainerRun",
    "AOTInductorModelContainerRunConstantFolding",
    "AOTInductorModelContainerRunSingleThreaded",
    "AOTInductorModelContainerSwapConstantBuffer",
    "AOTInductorModelContainerUpdateConstantBuffer",
    "AOTInductorModelContainerUpdateConstantBufferFromCpu",
    "AOTInductorModelContainerUpdateConstantBufferFromCpuPairs",
    "AOTInductorModelContainerUpdateConstantBufferPairs",
    "AOTInductorModelContainerUpdateInactiveConstantBuffer",
    "AOTInductorModelContainerUpdateInactiveConstantBufferPairs",
    "AOTInductorModelContainerUpdateUserManagedConstantBuffer",
    "AOTInductorModelContainerUpdateUserManagedConstantBufferPairs",
    "AOTInductorModelCreate",
    "AOTInductorModelCreateV2",
    "AOTInductorModelDelete",
    "AOTInductorModelGetNumOutputs",
    "AOTInductorModelRun",
    "AOTInductorModelRunMinimalArrayrefInterfaceV2",
    "AOTInductorModelUpdateConstantsFromBlob",
    "AOTInductorModelUpdateConstantsMap",
    "AOTInductorModelUpdateConstantsMapV2",
    "AOTInductorSetPinnedAsyncConstantsCopyStageBufferBytes",
    "AOTInductorSetUsePinnedAsyncConstantsCopy",
    "AotcModelAbiVersion",
    "AotcModelContainerCreateWithHost",
    "AotcModelContainerSetCudaGraphs",
    "AotcModelContainerSetTuning",
    "AotcModelGetLastError",
};

// PyTorch 2.11's runner: LOAD_SYMBOL (mandatory) and TRY_LOAD_SYMBOL (optional).
const char* const kTorchMandatory[] = {
    "AOTInductorModelContainerCreateWithDevice",
    "AOTInductorModelContainerDelete",
    "AOTInductorModelContainerGetNumOutputs",
    "AOTInductorModelContainerGetCallSpec",
    "AOTInductorModelContainerGetNumConstants",
    "AOTInductorModelContainerGetConstantName",
    "AOTInductorModelContainerGetConstantOriginalFQN",
    "AOTInductorModelContainerGetConstantDtype",
    "AOTInductorModelContainerUpdateConstantBuffer",
    "AOTInductorModelContainerUpdateInactiveConstantBuffer",
    "AOTInductorModelContainerRunConstantFolding",
    "AOTInductorModelContainerSwapConstantBuffer",
    "AOTInductorModelContainerRun",
    "AOTInductorModelContainerRunSingleThreaded",
    "AOTInductorModelContainerFreeInactiveConstantBuffer",
    "AOTInductorModelContainerExtractConstantsMap",
    "AOTInductorModelContainerUpdateUserManagedConstantBuffer",
    "AOTInductorModelContainerGetConstantsBlobSize",
    "AOTInductorModelUpdateConstantsFromBlob",
};

std::set<std::string> exported(const char* so) {
  std::set<std::string> names;
  std::istringstream lines(command_output(std::string("nm -D --defined-only '") + so + "'"));
  std::string addr, type, name;
  while (lines >> addr >> type >> name) names.insert(name.substr(0, name.find('@')));
  return names;
}

struct Library {
  explicit Library(const char* path) : handle(::dlopen(path, RTLD_NOW | RTLD_LOCAL)) {
    INFO((handle == nullptr ? ::dlerror() : ""));
    REQUIRE(handle != nullptr);
  }
  ~Library() { ::dlclose(handle); }
  template <typename F>
  F sym(const char* name) const {
    auto* p = reinterpret_cast<F>(::dlsym(handle, name));
    INFO(name);
    REQUIRE(p != nullptr);
    return p;
  }
  void* handle;
};

using CreateWithDevice = AOTIRuntimeError (*)(AOTInductorModelContainerHandle*, size_t, const char*,
                                              const char*);
using CreateWithHost = AOTIRuntimeError (*)(AOTInductorModelContainerHandle*, size_t, const char*,
                                            const char*, const AotcHostApi*, const AotcWeights*);
using LastError = const char* (*)();
using Delete = AOTIRuntimeError (*)(AOTInductorModelContainerHandle);
using Run = AOTIRuntimeError (*)(AOTInductorModelContainerHandle, AtenTensorHandle*, size_t,
                                 AtenTensorHandle*, size_t, AOTInductorStreamHandle,
                                 AOTIProxyExecutorHandle);

}  // namespace

TEST_CASE("model libraries export exactly the model ABI") {
  for (const char* so : {AOTC_TEST_AFFINE_SO, AOTC_TEST_PAIR_SO, AOTC_TEST_CUDA_ADD_SO}) {
    INFO(so);
    CHECK(exported(so) == kExports);
  }
}

TEST_CASE("model libraries need only the C library") {
  for (const char* so : {AOTC_TEST_AFFINE_SO, AOTC_TEST_CUDA_ADD_SO}) {
    const std::string dyn = command_output(std::string("readelf -d '") + so + "'");
    std::set<std::string> needed;
    std::istringstream lines(dyn);
    std::string line;
    while (std::getline(lines, line)) {
      const size_t a = line.find("Shared library: [");
      if (a != std::string::npos) needed.insert(line.substr(a + 17, line.find(']', a) - a - 17));
    }
    INFO(dyn);
    for (const std::string& lib : needed) {
      CHECK((lib == "libc.so.6" || lib == "libm.so.6" || lib.rfind("ld-linux", 0) == 0));
    }
    CHECK(needed.count("libc.so.6") == 1);
  }
}

TEST_CASE("PyTorch's runner finds every symbol it resolves") {
  Library lib(AOTC_TEST_AFFINE_SO);
  for (const char* name : kTorchMandatory) {
    INFO(name);
    CHECK(::dlsym(lib.handle, name) != nullptr);
  }
  CHECK(lib.sym<uint32_t (*)()>("AotcModelAbiVersion")() == AOTC_MODEL_ABI_VERSION);
}

// Keep these two in this order: the stand-in libtorch, once loaded, stays.
TEST_CASE("CreateWithDevice without PyTorch in the process fails with a sentence") {
  if (void* torch = ::dlopen("libtorch_cpu.so", RTLD_NOLOAD | RTLD_LAZY)) {
    ::dlclose(torch);
    WARN("a libtorch_cpu.so is already loaded in this process; skipped");
    return;
  }
  Library lib(AOTC_TEST_AFFINE_SO);
  AOTInductorModelContainerHandle h = nullptr;
  const auto create = lib.sym<CreateWithDevice>("AOTInductorModelContainerCreateWithDevice");
  CHECK(create(&h, 1, "cpu", nullptr) == AOTI_RUNTIME_FAILURE);
  CHECK(h == nullptr);
  const std::string why = lib.sym<LastError>("AotcModelGetLastError")();
  CHECK_THAT(why, Catch::Contains("PyTorch (libtorch_cpu.so) is not loaded") &&
                      Catch::Contains("torch._inductor.aoti_load_package") &&
                      Catch::Contains("AotcModelContainerCreateWithHost"));
  const char* via_aoti = nullptr;
  lib.sym<AOTIRuntimeError (*)(const char**)>("AOTInductorGetLastError")(&via_aoti);
  CHECK(why == via_aoti);
}

TEST_CASE("inside a PyTorch-like host: weights from cubin_dir, runs, refusals, no leaked handles") {
  void* torch = ::dlopen(AOTC_TEST_FAKE_TORCH, RTLD_NOW | RTLD_LOCAL);
  REQUIRE(torch != nullptr);
  using Make = void* (*)(int32_t, int64_t, const int64_t*, const int64_t*);
  auto make = reinterpret_cast<Make>(::dlsym(torch, "fake_torch_make"));
  auto live = reinterpret_cast<int64_t (*)()>(::dlsym(torch, "fake_torch_live_handles"));
  auto data =
      reinterpret_cast<int32_t (*)(void*, void**)>(::dlsym(torch, "aoti_torch_get_data_ptr"));
  auto del =
      reinterpret_cast<int32_t (*)(void*)>(::dlsym(torch, "aoti_torch_delete_tensor_object"));
  REQUIRE((make && live && data && del));

  TempDir cubin_dir;  // what PyTorch's loader extracts: the model folder
  aotc::test::write_file(cubin_dir / "affine.weights.bin",
                         aotc::test::float_blob(128, {{0, 2.0f}, {64, 1.0f}}));
  {
    Library lib(AOTC_TEST_AFFINE_SO);
    const auto create = lib.sym<CreateWithDevice>("AOTInductorModelContainerCreateWithDevice");
    const auto run = lib.sym<Run>("AOTInductorModelContainerRun");
    const auto run1 = lib.sym<Run>("AOTInductorModelContainerRunSingleThreaded");
    const auto last = lib.sym<LastError>("AotcModelGetLastError");
    AOTInductorModelContainerHandle h = nullptr;
    REQUIRE(create(&h, 2, "cpu", cubin_dir.path().c_str()) == AOTI_RUNTIME_SUCCESS);

    const char* in_spec = nullptr;
    const char* out_spec = nullptr;
    lib.sym<AOTIRuntimeError (*)(AOTInductorModelContainerHandle, const char**, const char**)>(
        "AOTInductorModelContainerGetCallSpec")(h, &in_spec, &out_spec);
    CHECK_THAT(in_spec, Catch::StartsWith("[1, {\"type\": \"builtins.tuple\""));
    size_t n = 0;
    lib.sym<AOTIRuntimeError (*)(AOTInductorModelContainerHandle, size_t*)>(
        "AOTInductorModelContainerGetNumConstants")(h, &n);
    CHECK(n == 2);
    const char* fqn = nullptr;
    lib.sym<AOTIRuntimeError (*)(AOTInductorModelContainerHandle, size_t, const char**)>(
        "AOTInductorModelContainerGetConstantOriginalFQN")(h, 1, &fqn);
    CHECK(std::string(fqn) == "affine.shift");

    for (const Run r : {run, run1}) {
      const int64_t sizes[] = {3, 4};
      void* x = make(AOTC_C10_FLOAT32, 2, sizes, nullptr);
      float* xd = nullptr;
      data(x, reinterpret_cast<void**>(&xd));
      for (int i = 0; i < 12; ++i) xd[i] = static_cast<float>(i);
      AtenTensorHandle in[] = {reinterpret_cast<AtenTensorHandle>(x)};
      AtenTensorHandle out[2] = {};
      REQUIRE(r(h, in, 1, out, 2, nullptr, nullptr) == AOTI_RUNTIME_SUCCESS);
      float* y = nullptr;
      data(out[0], reinterpret_cast<void**>(&y));
      for (int i = 0; i < 12; ++i) CHECK(y[i] == 2.0f * static_cast<float>(i) + 1.0f);
      float* s = nullptr;
      data(out[1], reinterpret_cast<void**>(&s));
      CHECK(s[2] == (2.0f * (8 + 9 + 10 + 11) + 4.0f));
      del(out[0]);
      del(out[1]);
      CHECK(live() == 0);  // the input was stolen and released
    }

    // A refusal still releases the stolen input, and says why.
    const int64_t bad_sizes[] = {3, 5};
    AtenTensorHandle bad[] = {
        reinterpret_cast<AtenTensorHandle>(make(AOTC_C10_FLOAT32, 2, bad_sizes, nullptr))};
    AtenTensorHandle out[2] = {};
    CHECK(run(h, bad, 1, out, 2, nullptr, nullptr) == AOTC_MODEL_ERROR_INVALID_INPUT);
    CHECK(std::string(last()) == "input 0 'x': dimension 1 is 5, expected 4");
    CHECK(out[0] == nullptr);
    CHECK(live() == 0);
    // So does a wrong input count.
    const int64_t ok_sizes[] = {1, 4};
    AtenTensorHandle two[] = {
        reinterpret_cast<AtenTensorHandle>(make(AOTC_C10_FLOAT32, 2, ok_sizes, nullptr)),
        reinterpret_cast<AtenTensorHandle>(make(AOTC_C10_FLOAT32, 2, ok_sizes, nullptr))};
    CHECK(run(h, two, 2, out, 2, nullptr, nullptr) == AOTC_MODEL_ERROR_INVALID_INPUT);
    CHECK(live() == 0);

    // With PyTorch's aoti_torch_check throwing (as c10::Error does), the
    // reason reaches the caller as the exception's message, and the stolen
    // input is still released.
    auto set_throws = reinterpret_cast<void (*)(bool)>(::dlsym(torch, "fake_torch_set_check_throws"));
    REQUIRE(set_throws != nullptr);
    set_throws(true);
    AtenTensorHandle bad2[] = {
        reinterpret_cast<AtenTensorHandle>(make(AOTC_C10_FLOAT32, 2, bad_sizes, nullptr))};
    std::string raised;
    try {
      run(h, bad2, 1, out, 2, nullptr, nullptr);
    } catch (const std::runtime_error& e) {
      raised = e.what();
    }
    set_throws(false);
    CHECK(raised == "input 0 'x': dimension 1 is 5, expected 4");
    CHECK(out[0] == nullptr);
    CHECK(live() == 0);

    // What aotc does not support fails with a reason.
    CHECK(
        lib.sym<AOTIRuntimeError (*)(AOTInductorModelContainerHandle, AOTInductorConstantMapHandle,
                                     bool, bool)>("AOTInductorModelContainerUpdateConstantBuffer")(
            h, nullptr, false, false) == AOTI_RUNTIME_FAILURE);
    CHECK_THAT(last(), Catch::Contains("not supported by aotc model libraries"));
    CHECK(lib.sym<AOTIRuntimeError (*)(AOTInductorModelContainerHandle, bool,
                                       AOTInductorStreamHandle, AOTIProxyExecutorHandle)>(
              "AOTInductorModelContainerRunConstantFolding")(h, false, nullptr, nullptr) ==
          AOTI_RUNTIME_SUCCESS);
    CHECK(lib.sym<Delete>("AOTInductorModelContainerDelete")(h) == AOTI_RUNTIME_SUCCESS);

    // Weights of the wrong size, or no folder to find them in.
    aotc::test::write_file(cubin_dir / "affine.weights.bin", std::string(100, '\0'));
    CHECK(create(&h, 1, "cpu", cubin_dir.path().c_str()) == AOTI_RUNTIME_FAILURE);
    CHECK_THAT(last(), Catch::Contains("are 100 bytes, but the model expects 128"));
    // Without a cubin_dir (PyTorch's CPU runner passes none), the weights are
    // looked for beside the library, where the loader extracted both.
    CHECK(create(&h, 1, "cpu", nullptr) == AOTI_RUNTIME_FAILURE);
    const std::string lib_dir = std::filesystem::path(AOTC_TEST_AFFINE_SO).parent_path().string();
    CHECK_THAT(last(), Catch::Contains("cannot open the model's weights " + lib_dir +
                                       "/affine.weights.bin"));
    CHECK(create(&h, 1, "xpu:0", cubin_dir.path().c_str()) == AOTI_RUNTIME_FAILURE);
    CHECK_THAT(last(), Catch::Contains("unsupported device 'xpu:0'"));
  }
  CHECK(live() == 0);

  // As PyTorch's loader lays it out: the library and its weights in one folder.
  TempDir extracted;
  std::filesystem::copy_file(AOTC_TEST_AFFINE_SO, extracted / "affine.wrapper.so");
  aotc::test::write_file(extracted / "affine.weights.bin",
                         aotc::test::float_blob(128, {{0, 2.0f}, {64, 1.0f}}));
  {
    Library lib((extracted / "affine.wrapper.so").c_str());
    AOTInductorModelContainerHandle h = nullptr;
    REQUIRE(lib.sym<CreateWithDevice>("AOTInductorModelContainerCreateWithDevice")(
                &h, 1, "cpu", nullptr) == AOTI_RUNTIME_SUCCESS);
    const int64_t sizes[] = {1, 4};
    AtenTensorHandle in[] = {
        reinterpret_cast<AtenTensorHandle>(make(AOTC_C10_FLOAT32, 2, sizes, nullptr))};
    AtenTensorHandle out[2] = {};
    REQUIRE(lib.sym<Run>("AOTInductorModelContainerRun")(h, in, 1, out, 2, nullptr, nullptr) ==
            AOTI_RUNTIME_SUCCESS);
    float* y = nullptr;
    data(out[0], reinterpret_cast<void**>(&y));
    CHECK(y[0] == 1.0f);  // 2 * 0 + 1
    del(out[0]);
    del(out[1]);
    CHECK(lib.sym<Delete>("AOTInductorModelContainerDelete")(h) == AOTI_RUNTIME_SUCCESS);
  }
  CHECK(live() == 0);
  ::dlclose(torch);
}

TEST_CASE("CreateWithHost checks what the host hands over") {
  Library lib(AOTC_TEST_AFFINE_SO);
  const auto create = lib.sym<CreateWithHost>("AotcModelContainerCreateWithHost");
  const auto last = lib.sym<LastError>("AotcModelGetLastError");
  AotcHostApi host{};
  host.struct_size = sizeof(host);
  host.abi_version = AOTC_MODEL_ABI_VERSION;
  AOTInductorModelContainerHandle h = nullptr;
  CHECK(create(&h, 1, "cpu", nullptr, &host, nullptr) == AOTI_RUNTIME_FAILURE);
  CHECK_THAT(last(), Catch::Contains("tensor function table is incomplete"));
  host.abi_version = (AOTC_MODEL_ABI_VERSION_MAJOR + 1) << 16;
  CHECK(create(&h, 1, "cpu", nullptr, &host, nullptr) == AOTI_RUNTIME_FAILURE);
  CHECK_THAT(last(), Catch::Contains("the host speaks model ABI 2.0"));
  CHECK(create(&h, 0, "cpu", nullptr, &host, nullptr) == AOTI_RUNTIME_FAILURE);
  CHECK_THAT(last(), Catch::Contains("num_models must be at least 1"));
  CHECK(create(&h, 1, "cuda:0", nullptr, &host, nullptr) == AOTI_RUNTIME_FAILURE);
  CHECK_THAT(last(), Catch::Contains("was compiled for cpu, so it cannot run on cuda:0"));
  CHECK(h == nullptr);
}

TEST_CASE("a CUDA model library on a machine without a driver fails to create, saying why") {
  if (void* cuda = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) {
    ::dlclose(cuda);
    WARN("this machine has a CUDA driver; skipped");
    return;
  }
  Library lib(AOTC_TEST_CUDA_ADD_SO);
  AotcHostApi host{};  // never reached: the device is checked first
  host.struct_size = sizeof(host);
  host.abi_version = AOTC_MODEL_ABI_VERSION;
  host.get_data_ptr = [](AtenTensorHandle, void**) -> AOTITorchError { return 1; };
  host.get_sizes = [](AtenTensorHandle, int64_t**) -> AOTITorchError { return 1; };
  host.get_strides = [](AtenTensorHandle, int64_t**) -> AOTITorchError { return 1; };
  host.get_dim = [](AtenTensorHandle, int64_t*) -> AOTITorchError { return 1; };
  host.get_dtype = [](AtenTensorHandle, int32_t*) -> AOTITorchError { return 1; };
  host.get_device_type = [](AtenTensorHandle, int32_t*) -> AOTITorchError { return 1; };
  host.get_device_index = [](AtenTensorHandle, int32_t*) -> AOTITorchError { return 1; };
  host.empty_strided = [](int64_t, const int64_t*, const int64_t*, int32_t, int32_t, int32_t,
                          AtenTensorHandle*) -> AOTITorchError { return 1; };
  host.delete_tensor_object = [](AtenTensorHandle) -> AOTITorchError { return 0; };
  host.new_tensor_handle = [](AtenTensorHandle, AtenTensorHandle*) -> AOTITorchError { return 1; };
  AOTInductorModelContainerHandle h = nullptr;
  const auto create = lib.sym<CreateWithHost>("AotcModelContainerCreateWithHost");
  CHECK(create(&h, 1, "cuda", nullptr, &host, nullptr) == AOTI_RUNTIME_FAILURE);
  CHECK_THAT(
      lib.sym<LastError>("AotcModelGetLastError")(),
      Catch::Contains(
          "this model runs on CUDA, but the CUDA driver library libcuda.so.1 cannot be loaded"));
  CHECK(create(&h, 1, "cpu", nullptr, &host, nullptr) == AOTI_RUNTIME_FAILURE);
  CHECK_THAT(lib.sym<LastError>("AotcModelGetLastError")(),
             Catch::Contains("was compiled for cuda, so it cannot run on cpu"));
}

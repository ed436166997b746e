// The host tensor table inside PyTorch, filled from the process's own
// `aoti_torch_*` C shim functions.
//
// When PyTorch's AOTInductor loader creates a container
// (AOTInductorModelContainerCreateWithDevice), libtorch is already loaded in
// the process: the functions are looked up in libtorch_cpu.so (and
// libtorch_cuda.so for the CUDA stream) by soname with RTLD_NOLOAD, then in
// the global scope. The model library has no link-time dependency on
// libtorch, so the same library also loads where there is no PyTorch at all,
// and then this lookup fails with a sentence saying how to run the package.
//
// Tested in CI against a stand-in libtorch_cpu.so that exports the same
// signatures (tests/runtime), and on a GPU machine against PyTorch 2.11
// (tests/torch/check_torch_loader.py, docs/gpu-validation.md).
#pragma once

#include <cstdint>
#include <string>

#include "aotc/model_abi.h"

namespace aotc_model::rt {

/// Fills `host` from the process's aoti_torch_* functions. `need_cuda` asks
/// for aoti_torch_get_current_cuda_stream too. Returns "" on success, else
/// the error (which names what is missing).
std::string fill_host_from_torch(AotcHostApi* host, bool need_cuda);

/// PyTorch's `aoti_torch_check(cond, func, file, line, msg)`: with cond false
/// it throws c10::Error, which PyTorch's runner lets through to the caller
/// (Python sees a RuntimeError with `msg`).
using TorchCheckFn = void (*)(bool, const char*, const char*, uint32_t, const char*);

/// aoti_torch_check from the running PyTorch, or null when there is none.
TorchCheckFn find_torch_check();

/// Reports a failed entry point to PyTorch: calls `check` (which throws
/// c10::Error carrying the thread's last error message) when it is set and
/// `rc` is a failure; returns `rc` otherwise. PyTorch 2.11's runner reads
/// only the return code ("API call failed at ..."), so this is how the reason
/// (which input, which dimension) reaches the user. The exception is
/// PyTorch's own, raised and caught in libtorch; it only passes through the
/// exported function's frame, after every resource of the call was released.
AOTIRuntimeError raise_in_torch(TorchCheckFn check, const char* function, AOTIRuntimeError rc);

/// The folder this model library was loaded from ("" if unknown). PyTorch's
/// loaders extract the package's model folder and load the library from it,
/// so the weights sit beside it; this is where they are looked for when the
/// loader passes no cubin_dir (its CPU runner never does).
std::string library_directory();

}  // namespace aotc_model::rt

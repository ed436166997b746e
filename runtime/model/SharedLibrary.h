// Finding a CUDA library (cuDNN, cuBLASLt) at run time: model libraries never
// link one, so a CPU-only host or a host without the library still loads them.
//
// The search, in order (the first that loads wins):
//   1. the environment variable `env` (e.g. AOTC_CUDNN): "0" / "off" turns the
//      library off; otherwise the path of the library or of the folder
//      holding it, and nothing else is tried;
//   2. the library already in the process (inside PyTorch, its own copy);
//   3. the dynamic linker's search (LD_LIBRARY_PATH, ld.so.cache);
//   4. the CUDA toolkit (/usr/local/cuda/lib64, /usr/local/cuda/lib) and the
//      pip wheel folders `pip_dirs` (e.g. "nvidia/cudnn/lib") under
//      $VIRTUAL_ENV, $CONDA_PREFIX, /usr/local/lib/python3.* and /usr/lib/python3.
#pragma once

#include <string>
#include <vector>

namespace aotc_model::rt {

struct SharedLibrary {
  void* handle = nullptr;  ///< dlopen handle, or null
  std::string path;        ///< where it loaded from (when it did)
  std::string why_not;     ///< when it did not: turned off, or what was tried
};

/// Searches for `soname` as above. `probe` is a symbol the library exports,
/// used to name the file it loaded from. Never unloads what it opens.
SharedLibrary open_cuda_library(const char* soname, const char* env, const std::vector<std::string>& pip_dirs,
                                const char* probe);

/// Resolves `name` in `lib` into `fn`; on the first miss sets `*missing` and
/// `*ok` false.
template <typename Fn>
void resolve_symbol(void* lib, Fn& fn, const char* name, bool* ok, std::string* missing);

/// A non-negative number from environment variable `name` (a FLOP
/// threshold override), or -1 when unset or not a number.
double env_min_flops(const char* name);

/// Whether AOTC_VERBOSE is set (and not "0"); read once.
bool verbose();

/// With AOTC_VERBOSE set, prints "aotc: <what>: <where>" to stderr.
void report_library(const char* what, const std::string& where);

/// With AOTC_VERBOSE set, prints "aotc: <line>" to stderr (one-time set-up
/// work and what it cost: library handles, plans, scratch memory).
void report(const std::string& line);

/// Milliseconds since `t0` (a std::chrono::steady_clock reading in ns).
double ms_since(int64_t t0_ns);
/// std::chrono::steady_clock now, in ns.
int64_t now_ns();
/// prefix + "1.23 ms".
std::string fmt_ms(const char* prefix, double ms);

/// dlsym, kept out of the template's header users.
void* find_symbol(void* lib, const char* name);

template <typename Fn>
void resolve_symbol(void* lib, Fn& fn, const char* name, bool* ok, std::string* missing) {
  fn = reinterpret_cast<Fn>(find_symbol(lib, name));
  if (fn == nullptr && *ok) {
    *missing = name;
    *ok = false;
  }
}

}  // namespace aotc_model::rt

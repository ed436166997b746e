// Finding CUDA libraries at run time; see SharedLibrary.h.
#include "SharedLibrary.h"

#include <dlfcn.h>
#include <glob.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace aotc_model::rt {
namespace {

// Candidate paths after the process and the linker's own search.
std::vector<std::string> search_paths(const std::string& soname, const std::vector<std::string>& pip_dirs) {
  std::vector<std::string> out = {"/usr/local/cuda/lib64/" + soname, "/usr/local/cuda/lib/" + soname};
  std::vector<std::string> roots;
  for (const char* env : {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
    const char* v = std::getenv(env);
    if (v != nullptr && *v != '\0') roots.push_back(std::string(v) + "/lib/python3*/site-packages/");
  }
  roots.push_back("/usr/local/lib/python3*/dist-packages/");
  roots.push_back("/usr/local/lib/python3*/site-packages/");
  roots.push_back("/usr/lib/python3*/dist-packages/");
  roots.push_back("/usr/lib/python3/dist-packages/");
  for (const std::string& root : roots) {
    for (const std::string& dir : pip_dirs) {
      const std::string pattern = root + dir + "/" + soname;
      glob_t g{};
      if (glob(pattern.c_str(), 0, nullptr, &g) == 0)
        for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
      globfree(&g);
    }
  }
  return out;
}

std::string library_path(void* lib, const char* probe, const std::string& fallback) {
  Dl_info info{};
  void* sym = dlsym(lib, probe);
  if (sym != nullptr && dladdr(sym, &info) != 0 && info.dli_fname != nullptr) return info.dli_fname;
  return fallback;
}

}  // namespace

void* find_symbol(void* lib, const char* name) { return dlsym(lib, name); }

double env_min_flops(const char* name) {
  const char* m = std::getenv(name);
  if (m == nullptr || *m == '\0') return -1;
  char* end = nullptr;
  const double v = std::strtod(m, &end);
  return end != m && v >= 0 ? v : -1;
}

bool verbose() {
  static const bool on = [] {
    const char* v = std::getenv("AOTC_VERBOSE");
    return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
  }();
  return on;
}

void report_library(const char* what, const std::string& where) {
  if (verbose()) std::fprintf(stderr, "aotc: %s: %s\n", what, where.c_str());
}

void report(const std::string& line) {
  if (verbose()) std::fprintf(stderr, "aotc: %s\n", line.c_str());
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double ms_since(int64_t t0_ns) { return static_cast<double>(now_ns() - t0_ns) * 1e-6; }

std::string fmt_ms(const char* prefix, double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f ms", ms);
  return prefix + std::string(buf);
}

SharedLibrary open_cuda_library(const char* soname, const char* env, const std::vector<std::string>& pip_dirs,
                                const char* probe) {
  SharedLibrary out;
  const char* value = std::getenv(env);
  const std::string requested = value != nullptr ? value : "";
  if (requested == "0" || requested == "off" || requested == "OFF") {
    out.why_not = std::string("turned off by ") + env + "=" + requested;
    return out;
  }
  void* lib = nullptr;
  std::string tried;
  auto try_open = [&](const std::string& path, int flags) {
    if (lib != nullptr) return;
    dlerror();
    lib = dlopen(path.c_str(), flags);
    if (lib == nullptr && !(flags & RTLD_NOLOAD)) {
      const char* e = dlerror();
      tried += (tried.empty() ? "" : "; ") + (e != nullptr ? std::string(e) : path);
    }
  };
  if (!requested.empty()) {
    std::string path = requested;
    if (path.find(".so") == std::string::npos) path += std::string("/") + soname;
    try_open(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      out.why_not = std::string(env) + "=" + requested + " does not load: " + tried;
      return out;
    }
  }
  try_open(soname, RTLD_NOW | RTLD_NOLOAD);
  try_open(soname, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr)
    for (const std::string& p : search_paths(soname, pip_dirs)) try_open(p, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    out.why_not = std::string(soname) + " not found (set " + env + " to its path; tried: " + tried + ")";
    return out;
  }
  out.handle = lib;
  out.path = library_path(lib, probe, soname);
  return out;
}

}  // namespace aotc_model::rt

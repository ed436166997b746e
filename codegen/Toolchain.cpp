// The host toolchain (see Toolchain.h).
#include "codegen/Toolchain.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include <fmt/format.h>

#include "Sha256.h"
#include "codegen_files.h"
#include "support/Files.h"
#include "support/Process.h"

namespace aotc::codegen {
namespace {

// Flags for generated model code; part of the cache key.
const std::vector<std::string> kCompileFlags = {"-std=c++20", "-O2", "-fPIC", "-fvisibility=hidden",
                                                "-fvisibility-inlines-hidden", "-fno-plt", "-w"};

std::string basename_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::filesystem::path self_exe_dir() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : p.parent_path();
}

Expected<std::string> file_hash(const std::filesystem::path& p) {
  AOTC_ASSIGN_OR_RETURN(std::string bytes, read_file(p));
  return sha256::hex(bytes.data(), bytes.size());
}

}  // namespace

std::vector<std::string> embedded_header_names() {
  std::vector<std::string> out;
  for (auto name : aotc_codegen_files::embedded_file_names()) out.push_back(basename_of(name));
  return out;
}

std::string_view embedded_header(std::string_view name) {
  for (auto full : aotc_codegen_files::embedded_file_names())
    if (basename_of(full) == name) return aotc_codegen_files::embedded_file(full);
  return {};
}

Expected<HostToolchain> find_host_toolchain() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("AOTC_CXX"); env && *env) {
    candidates = {env};
  } else {
    candidates = {"c++", "g++", "clang++"};
  }
  for (const auto& c : candidates) {
    auto exe = find_executable(c);
    if (!exe) continue;
    auto v = run_process({exe->string(), "--version"});
    if (!v || v->exit_code != 0) continue;
    std::string line = v->output.substr(0, v->output.find('\n'));
    return HostToolchain{*exe, line};
  }
  if (const char* env = std::getenv("AOTC_CXX"); env && *env)
    return make_error(ErrorCode::kToolchain, "AOTC_CXX is '{}', which is not a working C++ compiler", env);
  return make_error(ErrorCode::kToolchain,
                    "no C++ compiler found (tried c++, g++, clang++ on PATH); install g++ or clang++, or set AOTC_CXX");
}

Expected<SupportLibraries> find_support_libraries() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("AOTC_LIB_DIR"); env && *env) dirs.emplace_back(env);
  auto exe = self_exe_dir();
  if (!exe.empty()) dirs.push_back(exe / ".." / "lib" / "aotc");
  SupportLibraries libs;
  for (const auto& d : dirs) {
    if (std::filesystem::exists(d / "libaotc_model_rt.a")) {
      libs.model_rt = d / "libaotc_model_rt.a";
      libs.cpu_kernels = d / "libaotc_cpu_kernels.a";
      libs.version_script = d / "aotc_model.map";
      break;
    }
  }
#ifdef AOTC_BUILD_MODEL_RT
  if (libs.model_rt.empty()) {
    libs.model_rt = AOTC_BUILD_MODEL_RT;
    libs.cpu_kernels = AOTC_BUILD_CPU_KERNELS;
    libs.version_script = AOTC_BUILD_VERSION_SCRIPT;
  }
#endif
  for (const auto* p : {&libs.model_rt, &libs.cpu_kernels, &libs.version_script})
    if (p->empty() || !std::filesystem::exists(*p))
      return make_error(ErrorCode::kToolchain,
                        "aotc cannot find its model support files ({}); reinstall aotc or set AOTC_LIB_DIR to the "
                        "folder holding libaotc_model_rt.a",
                        p->empty() ? std::string("libaotc_model_rt.a") : p->string());
  std::string all;
  for (const auto* p : {&libs.model_rt, &libs.cpu_kernels, &libs.version_script}) {
    AOTC_ASSIGN_OR_RETURN(std::string h, file_hash(*p));
    all += h;
  }
  libs.fingerprint = sha256::hex(all.data(), all.size());
  return libs;
}

std::optional<std::filesystem::path> cache_dir() {
  if (const char* env = std::getenv("AOTC_CACHE_DIR"); env && *env) {
    std::string v = env;
    if (v == "off" || v == "0" || v == "none") return std::nullopt;
    return std::filesystem::path(v);
  }
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "aotc";
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / ".cache" / "aotc";
  return std::nullopt;
}

Expected<LibraryResult> build_model_library(const HostToolchain& toolchain, const SupportLibraries& libs,
                                            const LibraryJob& job) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> compile_flags = kCompileFlags;
  compile_flags.insert(compile_flags.end(), job.extra_flags.begin(), job.extra_flags.end());
  std::vector<std::string> link_flags = {"-shared", "-static-libstdc++", "-static-libgcc",
                                         "-Wl,--version-script=aotc_model.map", "-Wl,-z,defs",
                                         "-Wl,--gc-sections", "-Wl,--as-needed", "-Wl,--build-id=sha1", "-s"};

  // The cache key: everything that determines the output.
  std::string key_text = toolchain.cxx.string() + "\n" + toolchain.version + "\n" + libs.fingerprint + "\n" +
                         (job.link_cpu_kernels ? "cpu" : "nocpu") + "\n";
  for (const auto& f : compile_flags) key_text += f + " ";
  for (const auto& f : link_flags) key_text += f + " ";
  key_text += "\n" + sha256::hex(job.source.data(), job.source.size()) + "\n";
  for (const auto& h : job.headers) {
    auto text = embedded_header(h);
    key_text += h + ":" + sha256::hex(text.data(), text.size()) + "\n";
  }
  for (const auto& [name, text] : job.extra_sources) key_text += name + ":" + sha256::hex(text.data(), text.size()) + "\n";
  key_text += "salt:" + job.cache_salt + "\n";
  const std::string key = sha256::hex(key_text.data(), key_text.size());

  LibraryResult result;
  result.command = fmt::format("{} {} -c wrapper.cpp && {} {} wrapper.o <libaotc_model_rt.a>{}", toolchain.cxx.string(),
                               fmt::join(compile_flags, " "), toolchain.cxx.string(), fmt::join(link_flags, " "),
                               job.link_cpu_kernels ? " <libaotc_cpu_kernels.a>" : "");
  auto cache = cache_dir();
  if (cache) {
    auto hit = cache.value() / (key + ".so");
    if (std::filesystem::exists(hit)) {
      auto bytes = read_file(hit);
      if (bytes) {
        result.library = std::move(*bytes);
        result.cache_hit = true;
        result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return result;
      }
    }
  }

  AOTC_ASSIGN_OR_RETURN(TempDir dir, TempDir::create("aotc-build-"));
  const auto& d = dir.path();
  AOTC_RETURN_IF_ERROR(write_file(d / "wrapper.cpp", job.source));
  for (const auto& h : job.headers) {
    auto text = embedded_header(h);
    if (text.empty()) return make_error(ErrorCode::kInternal, "header {} is not embedded in aotc", h);
    AOTC_RETURN_IF_ERROR(write_file(d / h, text));
  }
  AOTC_ASSIGN_OR_RETURN(std::string script, read_file(libs.version_script));
  AOTC_RETURN_IF_ERROR(write_file(d / "aotc_model.map", script));
  std::vector<std::string> objects;
  auto compile = [&](const std::string& src, const std::string& obj) -> Status {
    std::vector<std::string> argv = {toolchain.cxx.string()};
    argv.insert(argv.end(), compile_flags.begin(), compile_flags.end());
    argv.insert(argv.end(), {"-I.", "-c", src, "-o", obj});
    AOTC_ASSIGN_OR_RETURN(ProcessResult r, run_process(argv, d));
    if (r.exit_code != 0)
      return make_error(ErrorCode::kToolchain, "the C++ compiler failed on generated code ({}):\n{}", src,
                        r.output.substr(0, 8000));
    return Status::ok();
  };
  AOTC_RETURN_IF_ERROR(compile("wrapper.cpp", "wrapper.o"));
  objects.push_back("wrapper.o");
  if (job.data_files) {
    AOTC_ASSIGN_OR_RETURN(auto files, job.data_files());
    for (const auto& [name, bytes] : files) AOTC_RETURN_IF_ERROR(write_file(d / name, bytes));
  }
  for (const auto& [name, text] : job.extra_sources) {
    AOTC_RETURN_IF_ERROR(write_file(d / name, text));
    std::string obj = name + ".o";
    AOTC_RETURN_IF_ERROR(compile(name, obj));
    objects.push_back(obj);
  }
  std::vector<std::string> argv = {toolchain.cxx.string()};
  argv.insert(argv.end(), link_flags.begin(), link_flags.end());
  argv.insert(argv.end(), {"-o", "model.so"});
  argv.insert(argv.end(), objects.begin(), objects.end());
  argv.insert(argv.end(), {"-Wl,--whole-archive", libs.model_rt.string(), "-Wl,--no-whole-archive"});
  if (job.link_cpu_kernels) argv.push_back(libs.cpu_kernels.string());
  argv.insert(argv.end(), {"-lpthread", "-ldl", "-lm"});
  AOTC_ASSIGN_OR_RETURN(ProcessResult link, run_process(argv, d));
  if (link.exit_code != 0)
    return make_error(ErrorCode::kToolchain, "linking the model library failed:\n{}", link.output.substr(0, 8000));
  AOTC_ASSIGN_OR_RETURN(result.library, read_file(d / "model.so"));
  if (cache) {
    std::error_code ec;
    std::filesystem::create_directories(*cache, ec);
    if (!ec) (void)write_file(*cache / (key + ".so"), result.library);  // a cache failure is not an error
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace aotc::codegen

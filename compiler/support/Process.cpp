// Process running and temporary folders (see Process.h).
#include "support/Process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

extern char** environ;

namespace aotc {

std::optional<std::filesystem::path> find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0) return std::filesystem::path(name);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t colon = dirs.find(':', start);
    std::string dir = dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty()) {
      std::filesystem::path cand = std::filesystem::path(dir) / name;
      if (::access(cand.c_str(), X_OK) == 0) return cand;
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return std::nullopt;
}

Expected<ProcessResult> run_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd) {
  if (argv.empty()) return make_error(ErrorCode::kInternal, "run_process without a program");
  auto exe = find_executable(argv[0]);
  if (!exe) return make_error(ErrorCode::kToolchain, "cannot find '{}' on PATH", argv[0]);
  int pipefd[2];
  if (::pipe(pipefd) != 0) return make_error(ErrorCode::kIo, "pipe: {}", std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipefd[0]);
  posix_spawn_file_actions_addclose(&actions, pipefd[1]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // posix_spawn has no portable chdir action in glibc 2.36's public API; run
  // through a small shell wrapper when a working directory is given.
  std::vector<std::string> shell_args;
  std::vector<char*> sargs;
  std::string program = exe->string();
  if (!cwd.empty()) {
    shell_args = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", cwd.string(), program};
    for (size_t i = 1; i < argv.size(); ++i) shell_args.push_back(argv[i]);
    for (auto& a : shell_args) sargs.push_back(a.data());
    sargs.push_back(nullptr);
    program = "/bin/sh";
  }
  pid_t pid;
  int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, cwd.empty() ? args.data() : sargs.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipefd[1]);
  if (rc != 0) {
    ::close(pipefd[0]);
    return make_error(ErrorCode::kToolchain, "cannot run '{}': {}", argv[0], std::strerror(rc));
  }
  ProcessResult result;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) result.output.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

Expected<TempDir> TempDir::create(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) return make_error(ErrorCode::kIo, "cannot create a temporary folder in {}: {}",
                                                tmp ? tmp : "/tmp", std::strerror(errno));
  return TempDir(std::filesystem::path(buf.data()));
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace aotc

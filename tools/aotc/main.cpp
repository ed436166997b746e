// aotc: the command-line tool. Subcommands live in *Command.cpp.
#include <cstdio>

#include "Commands.h"

namespace aotc::cli {

int& exit_code() {
  static int code = 0;
  return code;
}

int report(const Error& error) {
  std::fprintf(stderr, "aotc: %s\n", error.message.c_str());
  return error.code == ErrorCode::kUsage ? 2 : 1;
}

}  // namespace aotc::cli

int main(int argc, char** argv) {
  CLI::App app{"aotc: ahead-of-time compiler for PyTorch exported programs.\n\n"
               "Compiles a torch.export program (a .pt2 archive from torch.export.save, or its model.json\n"
               "with --weights) into a .pt2 package of compiled code that runs without Python or a\n"
               "compiler, from aotc's runtime or PyTorch's AOTInductor loaders.",
               "aotc"};
  app.set_version_flag("--version", "aotc " AOTC_VERSION_STRING);
  app.require_subcommand(1);
  app.fallthrough(false);
  aotc::cli::add_compile(app);
  aotc::cli::add_check(app);
  aotc::cli::add_inspect(app);
  aotc::cli::add_run(app);
  aotc::cli::add_bench(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  // The subcommand ran from its callback and stored its exit code.
  return aotc::cli::exit_code();
}

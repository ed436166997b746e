// aotc check INPUT: the frontend only; lists every unsupported op with its node.
#include <cstdio>

#include "Commands.h"
#include "ProgramInfo.h"
#include "frontend/Importer.h"

namespace aotc::cli {
namespace {

struct CheckArgs {
  std::string input;
  std::string weights;
  std::string name;
};

int run_check(const CheckArgs& a) {
  auto src = read_program_source(a.input, a.weights, a.name);
  if (!src) return report(src.error());
  const auto& nodes = src->program.graph_module.graph.nodes;
  auto unsupported = find_unsupported_nodes(src->program);
  if (!unsupported.empty()) {
    std::fprintf(stderr, "aotc: %s: %zu of %zu nodes use operators aotc does not support:\n", a.input.c_str(),
                 unsupported.size(), nodes.size());
    for (const auto& u : unsupported)
      std::fprintf(stderr, "  node '%s': %s (%s)\n", u.node_name.c_str(), u.target.c_str(), u.reason.c_str());
    return 1;
  }
  if (src->loaded) {
    // Every op is known; importing checks arguments, modes and types too.
    auto graph = import_program(*src->loaded);
    if (!graph) return report(graph.error());
  }
  std::printf("%s: %zu nodes, every operator supported%s\n", a.input.c_str(), nodes.size(),
              src->loaded ? "; the program imports cleanly" : " (pass --weights to check the whole import)");
  return 0;
}

}  // namespace

void add_check(CLI::App& app) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* c = app.add_subcommand("check", "Check that aotc supports every operator of an exported program");
  c->add_option("input", args->input, "torch.export .pt2 archive or model.json")->required();
  c->add_option("--weights", args->weights, "weights for a model.json (enables the full import check)");
  c->add_option("--name", args->name, "program name in the archive (default: model)");
  c->callback([args] { exit_code() = run_check(*args); });
}

}  // namespace aotc::cli

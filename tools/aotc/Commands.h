// The aotc subcommands. Each registers its options on a CLI11 subcommand and
// runs from the parsed options; run functions return the process exit code:
// 0 success, 1 a user error (printed as one message naming what and where),
// 2 bad usage.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "support/Status.h"

namespace aotc::cli {

/// Prints "aotc: <message>" to stderr and returns the exit code for the error.
int report(const Error& error);

/// The exit code the chosen subcommand's callback set.
int& exit_code();

void add_check(CLI::App& app);
void add_inspect(CLI::App& app);
void add_compile(CLI::App& app);
void add_run(CLI::App& app);
void add_bench(CLI::App& app);

}  // namespace aotc::cli

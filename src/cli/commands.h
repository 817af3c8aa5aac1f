// The subcommand table: every `wslmod` subcommand is one row here, so adding a command touches
// one place (as in ninja's subtool table).  main.cpp builds the CLI11 parser from the rows.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/context.h"
#include "util/error.h"

namespace wslmod::cli {

// What a subcommand does once its arguments are parsed; returns the process exit code.
using Action = std::function<util::Result<int>(const Context&)>;

struct Subcommand {
    std::string path;    // words after `wslmod`, e.g. "kernel info"
    std::string summary; // one line for --help
    // Declares the subcommand's options on `app` and returns the action that runs after parsing.
    std::function<Action(CLI::App& app)> setup;
};

// All subcommands, in the order --help lists them.
const std::vector<Subcommand>& subcommands();

// Adds every row of the table to `app` (creating group subcommands such as `kernel` on the way)
// and returns, for each row, the CLI11 subcommand and its action.
std::vector<std::pair<CLI::App*, Action>> register_subcommands(CLI::App& app);

// The table as help text: one line per row, "  <path>  <summary>".
std::string table_help();

} // namespace wslmod::cli

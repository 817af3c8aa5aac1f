// The whole command line as one CLI11 parser, built from the subcommand table: wslmod itself,
// the man page and the bash completion are all generated from this one object, so they cannot
// disagree about which commands and options exist.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace wslmod::cli {

struct App {
    CLI::App parser{"wslmod: build out-of-tree kernel modules for WSL2 into one modules.vhdx",
                    "wslmod"};
    bool json = false;    // --json, accepted before or after the subcommand
    bool timings = false; // --timings, likewise
    std::vector<std::pair<CLI::App*, Action>> actions;
};

// Every subcommand, the global options (--json, --version) and the help footer.  CLI::App can be
// neither copied nor moved, hence the pointer.
std::unique_ptr<App> make_app();

} // namespace wslmod::cli

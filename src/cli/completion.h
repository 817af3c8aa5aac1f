// Bash completion for wslmod, generated from the same CLI11 parser the program runs: command
// words by position, each command's own options after '-', and file names elsewhere (through
// `complete -o default`).  Nothing in the script is written by hand per command.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace wslmod::cli {

// A bash script that defines _wslmod and registers it for `wslmod`.
std::string bash_completion(const CLI::App& app);

} // namespace wslmod::cli

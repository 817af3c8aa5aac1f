// Running the wslmod binary and the oracle tools from tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/process.h"

namespace wslmod::test {

// Runs build/wslmod with `args`; fails the test if it cannot start.
util::CommandOutput run_wslmod(std::vector<std::string> args);

// Runs a tool (which must be in PATH: a missing one skips locally and fails in CI).
util::CommandOutput run_tool(std::vector<std::string> argv, const std::filesystem::path& cwd = {});

// Runs a tool and requires exit code 0, showing its output otherwise.
std::string run_ok(std::vector<std::string> argv, const std::filesystem::path& cwd = {});

} // namespace wslmod::test

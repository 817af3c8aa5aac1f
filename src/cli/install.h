// `wslmod install`, `wslmod rollback` and `wslmod uninstall`: the image into WSL through
// %USERPROFILE%\.wslconfig, with generations to go back to (wsl/install.h has the layout and
// the write order).  install refuses on WSL older than 2.5.1, which reads kernelModules= as a
// boolean and then starts no distro at all.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

Action setup_install(CLI::App& app);
Action setup_rollback(CLI::App& app);
Action setup_uninstall(CLI::App& app);

} // namespace wslmod::cli

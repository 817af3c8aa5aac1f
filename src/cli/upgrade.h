// `wslmod upgrade` (project/upgrade.h) and `wslmod autoinstall` (project/autoinstall.h): follow
// WSL's kernel updates, by hand or from a boot hook.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

Action setup_upgrade(CLI::App& app);
Action setup_autoinstall_enable(CLI::App& app);
Action setup_autoinstall_disable(CLI::App& app);
Action setup_autoinstall_status(CLI::App& app);
Action setup_autoinstall_run(CLI::App& app);

} // namespace wslmod::cli

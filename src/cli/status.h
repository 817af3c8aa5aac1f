// `wslmod status`: does the project's image still match its manifest, its recipes and the
// stock kernel?  Reads wslmod.toml, wslmod.lock and the image, compiles nothing.
//   outdated  a recipe in the manifest is not in the lock, or its files changed since the lock,
//             or the image is missing, or its sha256 is not the locked one, or a locked
//             module is missing from it
//   stale     a kernel input (stock kernel, stock modules, config, source) changed since the
//             lock: after a WSL update the image no longer matches the running kernel
// Exit status 0 when current, 1 when outdated or stale (like `git diff --exit-code`).
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

Action setup_status(CLI::App& app);

} // namespace wslmod::cli

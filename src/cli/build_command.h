// `wslmod build [NAME...]`: the main job.  Prepares (or reuses) the kernel tree, builds the
// recipes, merges them with the stock modules, runs depmod, verifies, packs one modules.vhdx and
// prints the .wslconfig lines that use it.  A failure at any step leaves the previous image as
// it was.  (The manifest issue will feed it from wslmod.toml; today it takes flags.)
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

Action setup_build(CLI::App& app);

} // namespace wslmod::cli

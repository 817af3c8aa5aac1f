// `wslmod inspect IMAGE [--diff OTHER]`: the modules in an image (or folder) with release and
// vermagic, or what changed between two of them.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

Action setup_inspect(CLI::App& app);

} // namespace wslmod::cli

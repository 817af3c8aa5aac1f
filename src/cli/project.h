// The project commands around wslmod.toml: `init`, `add`, `remove`.  `add` and `remove` rebuild
// the image and write the edited manifest only once the new image is in place, so a failed
// build leaves both the manifest and the image as they were.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

Action setup_init(CLI::App& app);
Action setup_add(CLI::App& app);
Action setup_remove(CLI::App& app);

} // namespace wslmod::cli

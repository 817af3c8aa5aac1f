// `wslmod recipe new` and `wslmod recipe import-dkms`: writing recipe folders.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

Action setup_recipe_new(CLI::App& app);
Action setup_recipe_import_dkms(CLI::App& app);

} // namespace wslmod::cli

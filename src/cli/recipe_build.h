// `wslmod recipe build NAME... --kernel TREE`: plans, builds in parallel and prints the built
// modules.  A NAME is a recipe on the search path, a recipe folder, or a DKMS source folder.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

Action setup_recipe_build(CLI::App& app);

} // namespace wslmod::cli

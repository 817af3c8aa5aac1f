// `wslmod recipe list|show` and `wslmod search`: the recipes on the search path.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

// Each declares its options on `app` and returns the action; see commands.h.
Action setup_recipe_list(CLI::App& app);
Action setup_recipe_show(CLI::App& app);
Action setup_search(CLI::App& app);

} // namespace wslmod::cli

// `wslmod recipe list|show`: the recipes on the search path.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

// Each declares its options on `app` and returns the action; see commands.h.
Action setup_recipe_list(CLI::App& app);
Action setup_recipe_show(CLI::App& app);

// The recipe search path: `extra` folders first, then recipe::search_path from the current folder.
std::vector<std::filesystem::path> recipe_path(const std::vector<std::string>& extra);

} // namespace wslmod::cli

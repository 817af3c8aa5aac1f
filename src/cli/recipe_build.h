// `wslmod recipe build NAME... --kernel TREE`: plans, builds in parallel and prints the built
// modules (project/recipes.h).  A NAME is a recipe on the search path, a recipe folder, or a
// DKMS source folder.
#pragma once

#include "cli/commands.h"
#include "project/options.h"

namespace wslmod::cli {

Action setup_recipe_build(CLI::App& app);

// --cache, --recipes, -j, --cc-launcher and --keep-going, for every command that builds.
void add_recipe_options(CLI::App& app, project::RecipeOptions& o);

} // namespace wslmod::cli

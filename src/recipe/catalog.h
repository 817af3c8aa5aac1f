// Where recipes are found, in order: the project's recipes/, the user's
// $XDG_CONFIG_HOME/wslmod/recipes, then the shipped module-recipes/ (beside the wslmod build or
// install; WSLMOD_SHIPPED_RECIPES overrides).  The first folder holding a name wins.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "recipe/recipe.h"

namespace wslmod::recipe {

// A folder shipped with wslmod ("module-recipes", "templates"): $<env_var> when set, else
// beside the build or the install; empty when there is none.
std::filesystem::path shipped_dir(const std::string& folder, const char* env_var);

// The search path for a project in `project_dir` (existing folders only).
std::vector<std::filesystem::path> search_path(const std::filesystem::path& project_dir);

// Every recipe on `path`, by name, the first one of each name; a recipe that does not parse is
// an error naming its file and line.
util::Result<std::vector<Recipe>> list_recipes(const std::vector<std::filesystem::path>& path);

// The recipe called `name`.
util::Result<Recipe> find_recipe(const std::vector<std::filesystem::path>& path, const std::string& name);

} // namespace wslmod::recipe

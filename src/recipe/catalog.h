// Where recipes are found, in order: the project's recipes/, the user's
// $XDG_CONFIG_HOME/wslmod/recipes, then the shipped module-recipes/ (see shipped_candidates).
// The first folder holding a name wins.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "recipe/recipe.h"

namespace wslmod::recipe {

// Where a folder shipped with wslmod ("module-recipes", "templates") may be, in order:
//   1. $<env_var>, when set (then nothing else);
//   2. <exe>/../share/wslmod/<folder>, the installed layout, relative to the running binary so
//      that an install or a .deb unpacked under any root finds its own data;
//   3. <source>/<folder>, the source tree this binary was built from (a path compiled in, unless
//      configured with -DWSLMOD_FIND_SOURCE_TREE=OFF as packages are), so that a build folder
//      anywhere works without installing.
std::vector<std::filesystem::path> shipped_candidates(const std::string& folder,
                                                      const char* env_var);

// The first of shipped_candidates that is a folder; empty when there is none.
std::filesystem::path shipped_dir(const std::string& folder, const char* env_var);

// The same, or an error that names every folder searched and the override.
util::Result<std::filesystem::path> find_shipped_dir(const std::string& folder,
                                                     const char* env_var);

// The search path for a project in `project_dir` (existing folders only).
std::vector<std::filesystem::path> search_path(const std::filesystem::path& project_dir);

// Every recipe on `path`, by name, the first one of each name; a recipe that does not parse is
// an error naming its file and line.
util::Result<std::vector<Recipe>> list_recipes(const std::vector<std::filesystem::path>& path);

// The recipe called `name`.
util::Result<Recipe> find_recipe(const std::vector<std::filesystem::path>& path,
                                 const std::string& name);

} // namespace wslmod::recipe

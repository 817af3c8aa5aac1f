// `wslmod recipe new`: a new recipe folder from a template folder (templates/<kind>/), with
// @NAME@ (the recipe name) and @IDENT@ (the name as a C identifier) replaced in file names and
// contents.  The result must parse as a recipe, so a broken template fails here, not later.
#pragma once

#include <filesystem>
#include <string>

#include "recipe/recipe.h"

namespace wslmod::recipe {

// Writes `out` (which must not exist) from `template_dir`; returns the new recipe.
util::Result<Recipe> scaffold(const std::filesystem::path& template_dir, const std::string& name,
                              const std::filesystem::path& out);

} // namespace wslmod::recipe

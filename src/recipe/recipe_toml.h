// Writing a Recipe back out as recipe.toml (the format recipe.h describes), for commands that
// create recipes, such as `wslmod recipe import-dkms`.
#pragma once

#include <string>

#include "recipe/recipe.h"

namespace wslmod::recipe {

// The recipe.toml text for `r`, which parse_recipe(text, r.dir / "recipe.toml") reads back to an
// equal Recipe.  Paths (path, dkms, patches) are written relative to r.dir and must lie inside it.
std::string to_toml(const Recipe& r);

} // namespace wslmod::recipe

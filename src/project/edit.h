// `wslmod init`, `add` and `remove`: a project's manifest made or edited.  add and remove build
// from the edited text and write it only once the new image is in place, so a failed build
// leaves wslmod.toml as it was.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "project/build.h"

namespace wslmod::project {

struct InitReport {
    std::filesystem::path manifest, recipes, output;
    std::string profile;
};

// A new wslmod.toml and recipes/ in `dir`; `profile` empty picks wsl on WSL, else debian.
util::Result<InitReport> init_project(const std::filesystem::path& dir, const std::string& profile,
                                      const std::string& series);

// The manifest here with `o.names` added (names on the search path, not folders), built.
util::Result<BuildReport> add_recipes(const RecipeOptions& o, util::CommandRunner& runner,
                                      Reporter& reporter);
// The manifest here with `o.names` removed, built.
util::Result<BuildReport> remove_recipes(const RecipeOptions& o, util::CommandRunner& runner,
                                         Reporter& reporter);

} // namespace wslmod::project

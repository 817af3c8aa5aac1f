// A project's build inputs from its manifest (wslmod.toml): the kernel its profile names, the
// keys that override the profile's, and the recipes in manifest order with their pins checked
// against the search path.
#pragma once

#include "project/options.h"
#include "recipe/manifest.h"
#include "util/process.h"

namespace wslmod::project {

util::Result<BuildInputs> inputs_from_manifest(const recipe::Manifest& m,
                                               const RecipeOptions& options,
                                               util::CommandRunner& runner);

// `text` with {release} and {version} replaced (a WSL release's version is its tag,
// "6.6.87.2"; for another kernel it is the release itself).
std::string expand_release(std::string text, const std::string& release,
                           const std::string& version);

// The kernel inputs only: for commands that look up the recipes themselves, or none.
util::Result<BuildInputs> kernel_inputs(const recipe::Manifest& m, const RecipeOptions& options,
                                        util::CommandRunner& runner);

// wslmod.toml in the current folder; `missing_hint` says what to do when there is none.
util::Result<recipe::Manifest>
manifest_here(const std::string& missing_hint = "run `wslmod init` first");

} // namespace wslmod::project

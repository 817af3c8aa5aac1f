// Planning a build: from the recipes asked for to the ordered list of resolved recipes, before
// anything is compiled.
//   closure     the recipes asked for plus everything they depend on (depends = [...])
//   order       dependencies before dependents; a cycle is an error naming it
//   resolve     a dkms source is evaluated for the target kernel (recipe/dkms.h) and merged
//               with what its recipe.toml says; the requirements are checked (requirements.h)
//   modules     no module name may come from two recipes
//   keys        each recipe's cache key, which covers the keys of its dependencies
// Every refusal happens here, so a bad recipe never starts a build or writes a cache entry.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/recipe_build.h"
#include "engine/requirements.h"
#include "recipe/recipe.h"
#include "util/process.h"

namespace wslmod::engine {

struct PlannedRecipe {
    recipe::Recipe recipe;    // resolved
    std::vector<size_t> deps; // indexes into Plan::recipes, all earlier
    std::string key;
    bool requested = false; // asked for, not only a dependency
};

// A requested DKMS source whose BUILD_EXCLUSIVE_* (or OBSOLETE_BY) rules this kernel out: DKMS
// skips it (dkms build exits 77) rather than failing, and so does wslmod.
struct SkippedRecipe {
    std::string recipe, reason; // reason: DKMS's words, then which condition did not hold
};

struct Plan {
    std::vector<PlannedRecipe> recipes; // dependencies first
    std::vector<SkippedRecipe> skipped;
};

using RecipeLookup = std::function<util::Result<recipe::Recipe>(const std::string& name)>;

// A dkms-source recipe evaluated for `target` (tree = the prepared tree): modules, command,
// scripts, patches and conditions from dkms.conf, with what the recipe.toml sets on top.
util::Result<recipe::Recipe> resolve_recipe(const recipe::Recipe& r, const TreeRef& tree,
                                            const Target& target, util::CommandRunner& runner);

util::Result<Plan> plan_builds(const std::vector<recipe::Recipe>& requested,
                               const RecipeLookup& lookup, const TreeRef& tree,
                               const Target& target, const std::string& compiler,
                               util::CommandRunner& runner);

} // namespace wslmod::engine

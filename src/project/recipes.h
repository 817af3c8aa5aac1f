// Building a set of recipes against a prepared tree: `wslmod recipe build`, and step 3 of
// `wslmod build`.  A NAME is a recipe on the search path, a recipe folder, or a DKMS source
// folder.  Planning errors are returned; build failures are in the run.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/scheduler.h"
#include "project/options.h"
#include "project/reporter.h"

namespace wslmod::project {

struct RecipeRun {
    engine::RunResult result;
    std::vector<recipe::Recipe> planned; // resolved, dependencies first
    std::map<std::string, std::vector<std::string>>
        replaces;                    // recipe -> replaces, for every planned recipe
    nlohmann::json builds, failures; // the JSON rows of `recipe build`
    nlohmann::json skipped;          // [{recipe, reason}]: DKMS sources ruled out for this kernel
    bool all_bad_input = true;       // every failure was bad input
};

// Plans and builds `o.names` against `tree`, building events going to `reporter`, and each
// failed build's log tail as a diagnostic.
util::Result<RecipeRun> run_recipes(const RecipeOptions& o, const engine::TreeRef& tree,
                                    util::CommandRunner& runner, Reporter& reporter);

// The error for a run with failures.
util::Error recipe_failure(const RecipeRun& run, bool keep_going);

} // namespace wslmod::project

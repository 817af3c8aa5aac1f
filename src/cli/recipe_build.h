// `wslmod recipe build NAME... --kernel TREE`: plans, builds in parallel and prints the built
// modules.  A NAME is a recipe on the search path, a recipe folder, or a DKMS source folder.
// run_recipes is the same work for `wslmod build`.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/plan.h"
#include "engine/scheduler.h"
#include "cli/commands.h"

namespace wslmod::cli {

Action setup_recipe_build(CLI::App& app);

struct RecipeRunOptions {
    std::vector<std::string> names, extra;
    std::string cache_text, cc_launcher;
    std::filesystem::path cache; // resolved_cache(), set before run_recipes
    unsigned jobs = 0;
    bool keep_going = false;
    // Called with the plan before anything is built; its error stops the run (`--locked`).
    std::function<util::Result<void>(const engine::Plan&)> gate;
    std::filesystem::path resolved_cache() const;
};

struct RecipeRun {
    engine::RunResult result;
    std::vector<recipe::Recipe> planned;                       // resolved, dependencies first
    std::map<std::string, std::vector<std::string>> replaces; // recipe -> replaces, for every planned recipe
    nlohmann::json builds, failures;                          // the JSON rows of `recipe build`
    bool all_bad_input = true;                                // every failure was bad input
};

// --cache, --recipes, -j, --cc-launcher and --keep-going.
void add_recipe_options(CLI::App& app, RecipeRunOptions& o);

// Plans and builds `o.names` against `tree`, with progress on a TTY; failures' log tails go to
// stderr.  Planning errors are returned; build failures are in the result.
util::Result<RecipeRun> run_recipes(const Context& ctx, const RecipeRunOptions& o, const engine::TreeRef& tree);

// The error for a run with failures.
util::Error recipe_failure(const RecipeRun& run, bool keep_going);

} // namespace wslmod::cli

// Runs a Plan: independent recipes build at once, within the jobserver's budget (a recipe
// takes one slot for its top-level make before it starts; its compilers take the rest), and a
// recipe starts only when everything it depends on is built.  Cached recipes take no slot.
// Without keep_going, the first failure stops new builds from starting; the running ones finish.
// With it, everything that does not depend on a failed recipe is built.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/recipe_build.h"

namespace wslmod::engine {

struct BuildEvent {
    enum class Kind { started, built, cached, failed, skipped } kind;
    std::string recipe;
    size_t done = 0, total = 0; // recipes finished so far (any way), of all
    double seconds = 0;         // built: how long it took
};
using BuildObserver = std::function<void(const BuildEvent&)>;

struct Outcome {
    std::string recipe;
    bool requested = false;
    std::optional<RecipeBuild> build; // set when built or cached
    std::optional<util::Error> error; // set when failed or skipped
};

struct RunResult {
    std::vector<Outcome> outcomes; // in plan order
    size_t failed = 0;             // failed or skipped
};

// Observer calls come from worker threads, one at a time.
RunResult run_plan(const Plan& plan, const TreeRef& tree, const BuildOptions& opt, bool keep_going,
                   util::CommandRunner& runner, const BuildObserver& observe = {});

} // namespace wslmod::engine

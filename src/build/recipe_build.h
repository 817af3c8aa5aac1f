// Builds one recipe's modules against a prepared kernel tree, out of tree: the source is copied
// into a work folder and `make -C <tree> M=<work>` runs there, so the prepared tree is never
// written to.  Results are cached in <cache>/builds/<key>/, keyed by the recipe (its file and
// every file beside it), the tree and the compiler; an entry appears by rename, after the
// checks pass (every expected .ko exists and its vermagic is the tree's release), so an
// unchanged recipe never runs make again.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "recipe/recipe.h"
#include "util/process.h"

namespace wslmod::build {

struct TreeRef {
    std::filesystem::path dir; // a prepared tree (kernel::prepare_tree)
    std::string release;
};

struct BuiltModule {
    std::string name;
    std::string dest;           // folder below lib/modules/<release>/
    std::filesystem::path file; // the cached .ko
};

struct RecipeBuild {
    std::string recipe, key;
    bool cached = false;      // true: no make ran
    std::filesystem::path log;
    std::vector<BuiltModule> modules;
};

// Builds `r` (source kinds path and dkms-free Kbuild folders for now) against `tree`.
util::Result<RecipeBuild> build_recipe(const recipe::Recipe& r, const TreeRef& tree,
                                       const std::filesystem::path& cache, unsigned jobs,
                                       util::CommandRunner& runner);

} // namespace wslmod::build

// Builds one recipe's modules against a prepared kernel tree, out of tree, into the build cache.
//
// A build runs in <cache>/builds/.tmp-<key>-<pid>/build: the source is staged there (stage.h),
// patched, then built by the steps of steps.h; nothing is written to the recipe or the prepared
// tree.  The entry <cache>/builds/<key>/ appears by rename, and only after every check passed:
// each expected .ko exists (once), libkmod reads it, and its vermagic names the tree's release.
// It holds:
//   modules/<name>.ko   the checked modules
//   Module.symvers      what they export (for recipes that depend on this one)
//   build.log           every command and its output
//   build.json          {"format", "recipe", "version", "release", "modules": [{name, dest}]}
//   .complete           written last
// The key (recipe_key) covers everything that changes the output, so an unchanged recipe is
// never rebuilt: a failed build leaves no entry, only <cache>/builds/<recipe>-<key>.log.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/requirements.h"
#include "kernel/prepare.h"
#include "recipe/recipe.h"
#include "util/process.h"

namespace wslmod::engine {

class Jobserver;

struct TreeRef {
    std::filesystem::path dir; // a prepared tree (kernel::prepare_tree)
    std::string release;
    std::string cc = "gcc";    // the compiler the tree was prepared with, which builds its modules
    kernel::TreeSource source; // where kernel-tree recipes' folders come from
};

struct BuiltModule {
    std::string name;
    std::string dest;           // folder below lib/modules/<release>/
    std::filesystem::path file; // the cached .ko
};

struct RecipeBuild {
    std::string recipe, key;
    bool cached = false; // true: no make ran
    double seconds = 0;  // time spent building (0 when cached)
    std::filesystem::path log, symvers;
    std::vector<BuiltModule> modules;
};

struct BuildOptions {
    std::filesystem::path cache;
    std::string cc_launcher;        // "", "ccache" or "distcc"
    Jobserver* jobserver = nullptr; // required
};

// The compiler identity that goes into every key (`gcc --version`).
std::string compiler_identity(util::CommandRunner& runner, const std::string& cc = "gcc");

// The cache key of `r` (resolved: a dkms source already evaluated) for `tree`, given the keys
// of the recipes it depends on.
util::Result<std::string> recipe_key(const recipe::Recipe& r, const TreeRef& tree,
                                     const std::string& compiler,
                                     const std::vector<std::string>& dep_keys);

// The finished entry for `key`, if there is one.
std::optional<RecipeBuild> cached_build(const recipe::Recipe& r, const std::string& key,
                                        const std::filesystem::path& cache);

// Builds `r` (resolved) as `key`; `deps` are the builds of the recipes it depends on.
util::Result<RecipeBuild> build_recipe(const recipe::Recipe& r, const std::string& key,
                                       const TreeRef& tree, const std::vector<RecipeBuild>& deps,
                                       const BuildOptions& opt, util::CommandRunner& runner);

} // namespace wslmod::engine

// `wslmod build [NAME...]`: the main job.  Prepares (or reuses) the kernel tree, builds the
// recipes, merges them with the stock modules, runs depmod, verifies, packs one modules.vhdx and
// prints the .wslconfig lines that use it.  A failure at any step leaves the previous image as
// it was.  Without kernel flags it reads wslmod.toml in the current folder (recipe/manifest.h).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/recipe_build.h"
#include "kernel/prepare.h"
#include "modules/staging.h"
#include "recipe/manifest.h"

namespace wslmod::cli {

Action setup_build(CLI::App& app);

// Everything one build needs; flags or a manifest fill it.
struct BuildInputs {
    RecipeRunOptions run;
    kernel::PrepareSpec spec; // used when tree is empty
    std::vector<std::string> allow;
    std::string tree;         // a prepared tree instead of spec
    std::string stock;        // stock modules folder or image
    bool no_stock = false;
    std::string output = "modules.vhdx", layout = "flat";
    // A project's build writes its lock (recipe/lockfile.h) once the image is in place;
    // `locked` instead refuses, before anything is prepared or built, any input that differs.
    std::filesystem::path lock_file;
    bool locked = false;
    // Boot the stock kernel with the new image and load every added module (verify/boot_check.h);
    // a failure puts the previous image back and keeps the new one as <output>.rejected.
    bool verify = false;
    // When set, the build stops once the recipes are built (bundle export) and returns what
    // this returns; nothing is staged or packed.
    std::function<util::Result<int>(const std::vector<recipe::Recipe>& planned,
                                    const std::vector<modules::AddedModule>& added)> after_recipes;
    // Runs once the new image is in place (e.g. `add` writes the edited manifest); its error
    // fails the command.
    std::function<util::Result<void>()> on_success;
};

util::Result<BuildInputs> inputs_from_manifest(const recipe::Manifest& m, const RecipeRunOptions& options,
                                               util::CommandRunner& runner);

util::Result<int> run_build(const Context& ctx, const BuildInputs& in);

} // namespace wslmod::cli

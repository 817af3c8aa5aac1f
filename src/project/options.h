// The inputs of a project build, filled from command-line flags or from wslmod.toml
// (project/inputs.h), and the recipe options every building command shares.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "kernel/prepare.h"
#include "modules/staging.h"
#include "recipe/recipe.h"

namespace wslmod::project {

struct RecipeOptions {
    std::vector<std::string> names, extra; // recipes to build; extra recipe folders, searched first
    std::string cache_text, cc_launcher;   // --cache as given; ccache or distcc
    std::filesystem::path cache;           // resolved_cache(), set before run_recipes
    unsigned jobs = 0;                     // 0: MAKEFLAGS' -j, else the CPU count
    bool keep_going = false;
    // Recipes given whole rather than by name (a manifest's `name = { deb = "..." }`), by name.
    std::map<std::string, recipe::Recipe> inline_recipes;
    // `--locked`: recipe name -> the deb version and .deb SHA-256 its lock pins.
    std::map<std::string, std::pair<std::string, std::string>> deb_pins;
    // No recipe NAME: use the distro package NAME-dkms when apt knows it (recipe/deb_source.h).
    bool distro_fallback = true;
    // Called with the plan before anything is built; its error stops the run (`--locked`).
    std::function<util::Result<void>(const engine::Plan&)> gate;

    // --cache, absolute, or $XDG_CACHE_HOME/wslmod.
    std::filesystem::path resolved_cache() const;
    // The job budget for steps that are not recipe builds: -j, else the CPU count.
    unsigned job_count() const;
};

// The recipe search path: `extra` folders first, then recipe::search_path from the current folder.
std::vector<std::filesystem::path> recipe_path(const std::vector<std::string>& extra);

struct BuildInputs {
    RecipeOptions run;
    kernel::PrepareSpec spec; // used when tree is empty
    std::vector<std::string> allow;
    std::string tree;  // a prepared tree instead of spec
    std::string stock; // stock modules folder or image
    bool no_stock = false;
    std::string output = "modules.vhdx", layout = "flat";
    bool headers = false; // carry the kernel headers (image/pack.h: build/ or linux-headers/)
    // A project's build writes its lock (recipe/lockfile.h) once the image is in place;
    // `locked` instead refuses, before anything is prepared or built, any input that differs.
    std::filesystem::path lock_file;
    bool locked = false;
    // Boot the stock kernel with the new image and load every added module (verify/boot_check.h);
    // a failure puts the previous image back and keeps the new one as <output>.rejected.
    bool verify = false;
    // When set, the build stops once the recipes are built (bundle export) and calls this with
    // what was built; nothing is staged or packed.
    std::function<util::Result<void>(const std::vector<recipe::Recipe>& planned,
                                     const std::vector<modules::AddedModule>& added)>
        after_recipes;
    bool pack_after_recipes = false; // after_recipes ran: go on to the image all the same
    // Runs once the new image is in place (e.g. `add` writes the edited manifest); its error
    // fails the build.
    std::function<util::Result<void>()> on_success;
};

// The spec that prepares `in`'s kernel tree: its allowed drift (without CONFIG_), cache, job
// count and stock modules filled in; the caller adds a gate when it has one.
kernel::PrepareSpec prepare_spec(const BuildInputs& in);

} // namespace wslmod::project

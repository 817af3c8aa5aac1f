#include "project/edit.h"

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "project/inputs.h"
#include "recipe/catalog.h"
#include "recipe/deb_source.h"
#include "recipe/manifest.h"
#include "util/atomic_file.h"
#include "util/file.h"

namespace wslmod::project {
namespace {
namespace fs = std::filesystem;

bool on_wsl() {
    if (const char* d = std::getenv("WSL_DISTRO_NAME"); d && *d) return true;
    std::ifstream in("/proc/sys/kernel/osrelease");
    std::string release;
    std::getline(in, release);
    return release.find("microsoft-standard-WSL2") != std::string::npos;
}

util::Result<std::string> manifest_text_here() {
    if (!fs::exists(recipe::manifest_name))
        return util::bad_input("no wslmod.toml in this folder", fs::current_path().string(),
                               "run `wslmod init` first");
    return util::read_text_decompressed(recipe::manifest_name);
}

// Builds from the edited manifest text, then writes it.
util::Result<BuildReport> rebuild_with(const std::string& text, const RecipeOptions& options,
                                       util::CommandRunner& runner, Reporter& reporter) {
    auto file = fs::absolute(recipe::manifest_name);
    auto m = WSLMOD_TRY(recipe::parse_manifest(text, file));
    auto in = WSLMOD_TRY(inputs_from_manifest(m, options, runner));
    in.on_success = [file, text]() { return util::write_file_atomically(file, text); };
    return build(in, runner, reporter);
}

} // namespace

util::Result<InitReport> init_project(const fs::path& where, const std::string& profile,
                                      const std::string& series) {
    InitReport r;
    r.profile = profile.empty() ? (on_wsl() ? "wsl" : "debian") : profile;
    auto dir = fs::absolute(where).lexically_normal();
    r.manifest = dir / recipe::manifest_name;
    r.recipes = dir / "recipes";
    r.output = dir / "modules.vhdx";
    if (fs::exists(r.manifest))
        return util::bad_input("a manifest is already here", r.manifest.string(),
                               "edit it, or use `wslmod add` and `wslmod remove`");
    std::error_code ec;
    fs::create_directories(r.recipes, ec);
    if (ec) return util::fail(fmt::format("cannot create: {}", ec.message()), r.recipes.string());
    auto text = recipe::manifest_text(r.profile, series);
    WSLMOD_TRY(recipe::parse_manifest(text, r.manifest)); // what init writes always parses
    WSLMOD_CHECK(util::write_file_atomically(r.manifest, text));
    return r;
}

util::Result<BuildReport> add_recipes(const RecipeOptions& o, util::CommandRunner& runner,
                                      Reporter& reporter) {
    auto text = WSLMOD_TRY(manifest_text_here());
    for (const auto& n : o.names)
        if (n.find('/') != std::string::npos)
            return util::bad_input("a manifest names recipes, not folders", n,
                                   "copy the folder into recipes/ and add it by its name");
    auto path = recipe_path(o.extra);
    std::vector<std::pair<std::string, std::string>> entries;
    for (const auto& n : o.names) {
        auto found = recipe::find_recipe(path, n); // named on the command line
        if (found) {
            entries.emplace_back(n, "\"*\"");
            continue;
        }
        // No recipe: the distro's DKMS package of that name, recorded as a deb recipe.
        auto distro = WSLMOD_TRY(recipe::distro_fallback(n, found.error(), runner));
        reporter.note(fmt::format("no recipe {}: using the distro package {}", n, distro.deb));
        entries.emplace_back(distro.name, fmt::format("{{ deb = \"{}\" }}", distro.deb));
    }
    return rebuild_with(recipe::add_recipe_entries(text, entries), o, runner, reporter);
}

util::Result<BuildReport> remove_recipes(const RecipeOptions& o, util::CommandRunner& runner,
                                         Reporter& reporter) {
    auto text = WSLMOD_TRY(manifest_text_here());
    auto edited =
        WSLMOD_TRY(recipe::remove_recipes(text, fs::absolute(recipe::manifest_name), o.names));
    return rebuild_with(edited, o, runner, reporter);
}

} // namespace wslmod::project

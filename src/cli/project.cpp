#include "cli/project.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/build_command.h"
#include "cli/recipe_build.h"
#include "project/inputs.h"
#include "recipe/catalog.h"
#include "recipe/manifest.h"
#include "util/atomic_file.h"
#include "util/file.h"

namespace wslmod::cli {
namespace {
namespace fs = std::filesystem;

bool on_wsl() {
    if (const char* d = std::getenv("WSL_DISTRO_NAME"); d && *d) return true;
    std::ifstream in("/proc/sys/kernel/osrelease");
    std::string release;
    std::getline(in, release);
    return release.find("microsoft-standard-WSL2") != std::string::npos;
}

// `add` and `remove`: edit the manifest text, build from the edited manifest, then write it.
util::Result<int> rebuild_with(const Context& ctx, const std::string& text, const project::RecipeOptions& options) {
    auto file = fs::absolute(recipe::manifest_name);
    auto m = WSLMOD_TRY(recipe::parse_manifest(text, file));
    auto in = WSLMOD_TRY(project::inputs_from_manifest(m, options, *ctx.runner));
    in.on_success = [file, text]() { return util::write_file_atomically(file, text); };
    return report_build(ctx, WSLMOD_TRY(project::build(in, *ctx.runner, ctx.reporter())));
}

util::Result<std::string> manifest_here() {
    if (!fs::exists(recipe::manifest_name))
        return util::bad_input("no wslmod.toml in this folder", fs::current_path().string(), "run `wslmod init` first");
    return util::read_text_decompressed(recipe::manifest_name);
}

} // namespace

Action setup_init(CLI::App& app) {
    struct Options {
        std::string profile, series = "6.12", dir = ".";
    };
    auto opt = std::make_shared<Options>();
    app.add_option("DIR", opt->dir, "Project folder (default: the current one)");
    app.add_option("--profile", opt->profile, "wsl (WSL's own kernel; the default on WSL), debian (the default elsewhere) "
                                              "or custom")
        ->check(CLI::IsMember({"wsl", "debian", "custom"}));
    app.add_option("--series", opt->series, "Debian kernel series for the debian profile");
    return [opt](const Context& ctx) -> util::Result<int> {
        auto profile = opt->profile.empty() ? (on_wsl() ? "wsl" : "debian") : opt->profile;
        auto dir = fs::absolute(opt->dir).lexically_normal();
        auto file = dir / recipe::manifest_name;
        if (fs::exists(file))
            return util::bad_input("a manifest is already here", file.string(), "edit it, or use `wslmod add` and `wslmod remove`");
        std::error_code ec;
        fs::create_directories(dir / "recipes", ec);
        if (ec) return util::fail(fmt::format("cannot create: {}", ec.message()), (dir / "recipes").string());
        auto text = recipe::manifest_text(profile, opt->series);
        WSLMOD_TRY(recipe::parse_manifest(text, file)); // what init writes always parses
        WSLMOD_CHECK(util::write_file_atomically(file, text));
        if (ctx.json) {
            ctx.emit_json({{"manifest", file.string()}, {"profile", profile}, {"recipes", (dir / "recipes").string()}});
            return 0;
        }
        *ctx.out << fmt::format("{}\n  profile  {}\n  recipes  {} (your own recipes; `wslmod recipe new NAME`)\n"
                                "Next: `wslmod add NAME` (see `wslmod list`) builds {}.\n",
                                file.string(), profile, (dir / "recipes").string(), (dir / "modules.vhdx").string());
        return 0;
    };
}

Action setup_add(CLI::App& app) {
    auto opt = std::make_shared<project::RecipeOptions>();
    app.add_option("NAME", opt->names, "Recipes to add to wslmod.toml (names on the search path)")->required();
    add_recipe_options(app, *opt);
    return [opt](const Context& ctx) -> util::Result<int> {
        auto text = WSLMOD_TRY(manifest_here());
        for (const auto& n : opt->names)
            if (n.find('/') != std::string::npos)
                return util::bad_input("a manifest names recipes, not folders", n,
                                       "copy the folder into recipes/ and add it by its name");
        auto path = project::recipe_path(opt->extra);
        for (const auto& n : opt->names) WSLMOD_TRY(recipe::find_recipe(path, n)); // named on the command line
        return rebuild_with(ctx, recipe::add_recipes(text, opt->names), *opt);
    };
}

Action setup_remove(CLI::App& app) {
    auto opt = std::make_shared<project::RecipeOptions>();
    app.add_option("NAME", opt->names, "Recipes to remove from wslmod.toml")->required();
    add_recipe_options(app, *opt);
    return [opt](const Context& ctx) -> util::Result<int> {
        auto text = WSLMOD_TRY(manifest_here());
        auto edited = WSLMOD_TRY(recipe::remove_recipes(text, fs::absolute(recipe::manifest_name), opt->names));
        return rebuild_with(ctx, edited, *opt);
    };
}

} // namespace wslmod::cli

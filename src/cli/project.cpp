#include "cli/project.h"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/build_command.h"
#include "cli/recipe_build.h"
#include "project/edit.h"

namespace wslmod::cli {

Action setup_init(CLI::App& app) {
    struct Options {
        std::string profile, series = "6.12", dir = ".";
    };
    auto opt = std::make_shared<Options>();
    app.add_option("DIR", opt->dir, "Project folder (default: the current one)");
    app.add_option("--profile", opt->profile,
                   "wsl (WSL's own kernel; the default on WSL), debian (the default elsewhere) "
                   "or custom")
        ->check(CLI::IsMember({"wsl", "debian", "custom"}));
    app.add_option("--series", opt->series, "Debian kernel series for the debian profile");
    return [opt](const Context& ctx) -> util::Result<int> {
        auto r = WSLMOD_TRY(project::init_project(opt->dir, opt->profile, opt->series));
        if (ctx.json) {
            ctx.emit_json({{"manifest", r.manifest.string()},
                           {"profile", r.profile},
                           {"recipes", r.recipes.string()}});
            return 0;
        }
        *ctx.out << fmt::format(
            "{}\n  profile  {}\n  recipes  {} (your own recipes; `wslmod recipe new NAME`)\n"
            "Next: `wslmod add NAME` (see `wslmod list`) builds {}.\n",
            r.manifest.string(), r.profile, r.recipes.string(), r.output.string());
        return 0;
    };
}

Action setup_add(CLI::App& app) {
    auto opt = std::make_shared<project::RecipeOptions>();
    app.add_option("NAME", opt->names, "Recipes to add to wslmod.toml (names on the search path)")
        ->required();
    add_recipe_options(app, *opt);
    return [opt](const Context& ctx) -> util::Result<int> {
        return report_build(ctx,
                            WSLMOD_TRY(project::add_recipes(*opt, *ctx.runner, ctx.reporter())));
    };
}

Action setup_remove(CLI::App& app) {
    auto opt = std::make_shared<project::RecipeOptions>();
    app.add_option("NAME", opt->names, "Recipes to remove from wslmod.toml")->required();
    add_recipe_options(app, *opt);
    return [opt](const Context& ctx) -> util::Result<int> {
        return report_build(ctx,
                            WSLMOD_TRY(project::remove_recipes(*opt, *ctx.runner, ctx.reporter())));
    };
}

} // namespace wslmod::cli

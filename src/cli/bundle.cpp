#include "cli/bundle.h"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/build_command.h"
#include "cli/recipe_build.h"
#include "project/bundle.h"
#include "project/inputs.h"

namespace wslmod::cli {
namespace fs = std::filesystem;

Action setup_bundle_export(CLI::App& app) {
    struct Options {
        project::RecipeOptions run;
        std::string output;
        std::vector<std::string> releases;
    };
    auto opt = std::make_shared<Options>();
    app.add_option("-o,--output", opt->output,
                   "The bundle to write (default: <project folder>.wslmod.tar.zst)");
    app.add_option("--release", opt->releases,
                   "Also build for this kernel release and carry its modules (repeatable): a "
                   "kernel WSL is about to roll out, whose stock files the manifest's {release} "
                   "paths name");
    add_recipe_options(app, opt->run);
    return [opt](const Context& ctx) -> util::Result<int> {
        auto m = WSLMOD_TRY(project::manifest_here("run it in a project"));
        auto out =
            opt->output.empty()
                ? fs::current_path() / (fs::current_path().filename().string() + ".wslmod.tar.zst")
                : fs::absolute(opt->output);
        auto r = WSLMOD_TRY(
            project::export_bundle(m, opt->run, opt->releases, out, *ctx.runner, ctx.reporter()));
        if (r.build.failure) return report_build(ctx, r.build);
        auto recipe_count = r.recipes, module_count = r.modules;
        auto release = r.build.release;
        if (ctx.json) {
            ctx.emit_json({{"bundle", out.string()},
                           {"recipes", recipe_count},
                           {"modules", module_count},
                           {"release", release},
                           {"releases", r.releases}});
        } else {
            *ctx.out << fmt::format(
                "{}\n  {} recipes, {} modules, with wslmod.toml, wslmod.lock and SHA256SUMS\n",
                out.string(), recipe_count, module_count);
            if (!r.releases.empty())
                *ctx.out << fmt::format("  built for {} and {}\n", release,
                                        fmt::join(r.releases, ", "));
            *ctx.out << fmt::format(
                "On another machine: `wslmod bundle import {}` in an empty folder.\n",
                out.filename().string());
        }
        return 0;
    };
}

Action setup_bundle_import(CLI::App& app) {
    struct Options {
        project::RecipeOptions run;
        std::string bundle, dir = ".";
        bool allow_build = false;
    };
    auto opt = std::make_shared<Options>();
    app.add_option("BUNDLE", opt->bundle, "The bundle (NAME.wslmod.tar.zst)")->required();
    app.add_option("DIR", opt->dir, "An empty project folder (default: the current one)");
    app.add_flag("--allow-build", opt->allow_build,
                 "For a bundle made for another kernel release: build its recipes here, which runs "
                 "their build "
                 "commands (make, dkms.conf) on this machine");
    add_recipe_options(app, opt->run);
    return [opt](const Context& ctx) -> util::Result<int> {
        project::ImportRequest req{opt->run, opt->bundle, opt->dir, opt->allow_build};
        auto r = WSLMOD_TRY(project::import_bundle(req, *ctx.runner, ctx.reporter()));
        if (r.built) return report_build(ctx, *r.built);
        const auto& report = *r.image;
        const auto& release = r.release;
        bool identical = r.identical;
        if (ctx.json) {
            auto doc = modules::to_json(report);
            ctx.emit_json({{"image", doc},
                           {"identical", identical},
                           {"compiled", false},
                           {"release", release},
                           {"manifest", r.manifest.string()}});
        } else {
            *ctx.out << fmt::format(
                "{}\n  release   {}\n  sha256    {}\n  {}\n  modules   {} added from the bundle, "
                "nothing compiled\n",
                report.output.string(), release, report.sha256,
                identical ? "identical to the image the bundle's lock names"
                          : "NOT the image the bundle's lock names (" + r.locked_image + ")",
                report.added.size());
        }
        if (!identical && !ctx.json)
            ctx.warn("the same modules and stock tree gave another image: please report it");
        return 0;
    };
}

} // namespace wslmod::cli

#include "cli/recipe_build.h"

#include <memory>
#include <ostream>

#include <nlohmann/json.hpp>

#include "kernel/prepare.h"
#include "project/recipes.h"

namespace wslmod::cli {
namespace fs = std::filesystem;

void add_recipe_options(CLI::App& app, project::RecipeOptions& o) {
    app.add_option("--cache", o.cache_text, "Cache folder (default $XDG_CACHE_HOME/wslmod)");
    app.add_option("--recipes", o.extra, "Extra recipe folder searched first (repeatable)");
    app.add_option("-j,--jobs", o.jobs,
                   "Job budget shared by all builds (default: MAKEFLAGS' -j, else the CPU count)");
    app.add_option("--cc-launcher", o.cc_launcher,
                   "Compiler launcher put before gcc: ccache or distcc")
        ->check(CLI::IsMember({"ccache", "distcc"}));
    app.add_flag("--keep-going", o.keep_going,
                 "Build every recipe that can be built, then fail if one did not");
}

Action setup_recipe_build(CLI::App& app) {
    struct Options {
        project::RecipeOptions run;
        std::string tree, cc;
    };
    auto opt = std::make_shared<Options>();
    app.add_option("NAME", opt->run.names,
                   "Recipes: names on the search path, recipe folders or DKMS source folders")
        ->required();
    app.add_option("--kernel", opt->tree,
                   "Prepared kernel tree (the folder `wslmod kernel prepare` prints)")
        ->required();
    app.add_option("--cc", opt->cc, "The compiler (default: the one the tree was prepared with)");
    add_recipe_options(app, opt->run);
    return [opt](const Context& ctx) -> util::Result<int> {
        auto prepared =
            WSLMOD_TRY(kernel::open_prepared_tree(fs::absolute(opt->tree).lexically_normal()));
        engine::TreeRef tree{prepared.dir, prepared.release, prepared.cc, prepared.source};
        if (!opt->cc.empty())
            tree.cc = WSLMOD_TRY(kernel::choose_compiler("", opt->cc, *ctx.runner)).program;
        auto ro = opt->run;
        ro.cache = ro.resolved_cache();
        auto run = WSLMOD_TRY(project::run_recipes(ro, tree, *ctx.runner, ctx.reporter()));
        for (const auto& o : run.result.outcomes) {
            if (o.build && !ctx.json)
                for (const auto& m : o.build->modules)
                    *ctx.out << m.file.string() << "\n";
            if (o.error) *ctx.err << "wslmod: error: " << o.error->message() << "\n";
        }
        if (ctx.json)
            ctx.emit_json({{"release", tree.release},
                           {"tree", tree.dir.string()},
                           {"builds", run.builds},
                           {"failed", run.failures},
                           {"skipped", run.skipped}});
        if (run.result.failed) return tl::unexpected(project::recipe_failure(run, ro.keep_going));
        return 0;
    };
}

} // namespace wslmod::cli

#include "cli/recipe_build.h"

#include <fstream>
#include <memory>
#include <ostream>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/jobserver.h"
#include "engine/plan.h"
#include "engine/scheduler.h"
#include "cli/recipe_commands.h"
#include "kernel/prepare.h"
#include "recipe/catalog.h"
#include "recipe/dkms.h"
#include "util/file.h"

namespace wslmod::cli {
namespace {
namespace fs = std::filesystem;

// A NAME from the command line: a folder (recipe.toml or dkms.conf) or a recipe's name.
util::Result<recipe::Recipe> load_named(const std::string& name, const std::vector<fs::path>& path,
                                        const engine::TreeRef& tree, util::CommandRunner& runner) {
    std::error_code ec;
    if (name.find('/') == std::string::npos && !fs::is_directory(name, ec)) return recipe::find_recipe(path, name);
    fs::path dir = fs::absolute(name).lexically_normal();
    if (dir.filename().empty()) dir = dir.parent_path();
    if (fs::exists(dir / "recipe.toml")) return recipe::load_recipe(dir);
    if (!fs::exists(dir / "dkms.conf"))
        return util::bad_input("neither recipe.toml nor dkms.conf is in this folder", dir.string(),
                               "name a recipe, a recipe folder or a DKMS source folder");
    // A DKMS source as it is: its name and version from dkms.conf; resolve_recipe does the rest.
    auto conf = WSLMOD_TRY(recipe::recipe_from_dkms(dir, {tree.release, tree.dir, recipe::placeholder_kernel().dkms_tree}, runner));
    recipe::Recipe r;
    r.name = conf.name;
    r.version = conf.version;
    r.summary = conf.summary;
    r.source = recipe::SourceKind::dkms;
    r.dkms = r.dir = dir;
    r.file = dir / "dkms.conf";
    return r;
}

util::Result<engine::Target> target_of(const engine::TreeRef& tree) {
    engine::Target t;
    t.release = tree.release;
    t.config_file = (tree.dir / ".config").string();
    auto text = WSLMOD_TRY(util::read_text_decompressed(tree.dir / ".config"));
    t.config = WSLMOD_TRY(kernel::parse_config(text, t.config_file));
    t.arch = t.config.enabled("X86_64") ? "x86_64" : t.config.enabled("ARM64") ? "aarch64" : "unknown";
    return t;
}

// The last `lines` lines of a log file.
std::string log_tail(const fs::path& log, size_t lines) {
    std::ifstream in(log);
    std::vector<std::string> all;
    for (std::string l; std::getline(in, l);) all.push_back(l);
    std::string out;
    for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += "  | " + all[i] + "\n";
    return out;
}

} // namespace

util::Result<RecipeRun> run_recipes(const Context& ctx, const RecipeRunOptions& opt, const engine::TreeRef& tree) {
    if (!opt.cc_launcher.empty() && !util::find_program(opt.cc_launcher))
        return util::bad_input(fmt::format("--cc-launcher {} is not installed", opt.cc_launcher), opt.cc_launcher,
                               fmt::format("install it (apt install {}) or leave the option out", opt.cc_launcher));
    const char* mf = std::getenv("MAKEFLAGS");
    std::string makeflags = mf ? mf : "";
    unsigned jobs = opt.jobs ? opt.jobs
                             : engine::makeflags_jobs(makeflags).value_or(std::max(1u, std::thread::hardware_concurrency()));
    auto jobserver = WSLMOD_TRY(engine::Jobserver::create(jobs, opt.jobs ? "" : makeflags));

    auto path = recipe_path(opt.extra);
    std::vector<recipe::Recipe> requested;
    for (const auto& name : opt.names) requested.push_back(WSLMOD_TRY(load_named(name, path, tree, *ctx.runner)));
    auto target = WSLMOD_TRY(target_of(tree));
    auto compiler = engine::compiler_identity(*ctx.runner);
    auto plan = WSLMOD_TRY(engine::plan_builds(requested, [&](const std::string& n) { return recipe::find_recipe(path, n); },
                                              tree, target, compiler, *ctx.runner));
    if (opt.gate) WSLMOD_CHECK(opt.gate(plan));
    RecipeRun run;
    for (const auto& p : plan.recipes) {
        run.replaces[p.recipe.name] = p.recipe.replaces;
        run.planned.push_back(p.recipe);
    }

    bool tty = !ctx.json && isatty(2);
    std::vector<std::string> active;
    auto observe = [&](const engine::BuildEvent& e) {
        using K = engine::BuildEvent::Kind;
        if (e.kind == K::started) active.push_back(e.recipe);
        else std::erase(active, e.recipe);
        if (tty) {
            std::string names;
            for (const auto& a : active) names += (names.empty() ? "" : ", ") + a;
            *ctx.err << fmt::format("\r\33[2K[{}/{}] {}", e.done, e.total, names.empty() ? "" : "building " + names)
                     << std::flush;
        } else if (!ctx.json && e.kind == K::built) {
            *ctx.err << fmt::format("built {} in {:.1f} s\n", e.recipe, e.seconds);
        }
    };
    engine::BuildOptions bo{opt.cache, opt.cc_launcher, &jobserver};
    run.result = engine::run_plan(plan, tree, bo, opt.keep_going, *ctx.runner, observe);
    if (tty) *ctx.err << "\r\33[2K" << std::flush;

    run.builds = nlohmann::json::array();
    run.failures = nlohmann::json::array();
    for (const auto& o : run.result.outcomes) {
        if (o.build) {
            auto mods = nlohmann::json::array();
            for (const auto& m : o.build->modules) mods.push_back({{"name", m.name}, {"dest", m.dest}, {"file", m.file.string()}});
            run.builds.push_back({{"recipe", o.recipe}, {"key", o.build->key}, {"cached", o.build->cached},
                                  {"seconds", o.build->seconds}, {"requested", o.requested},
                                  {"log", o.build->log.string()}, {"modules", mods}});
            continue;
        }
        bool has_log = o.error->where.ends_with(".log");
        run.failures.push_back({{"recipe", o.recipe}, {"error", o.error->message()}, {"log", has_log ? o.error->where : ""}});
        if (has_log) *ctx.err << log_tail(o.error->where, 15);
        if (o.error->code != util::ExitCode::usage) run.all_bad_input = false;
    }
    return run;
}

util::Error recipe_failure(const RecipeRun& run, bool keep_going) {
    return util::Error{fmt::format("{} of {} recipes failed", run.result.failed, run.result.outcomes.size()), "",
                       keep_going ? "see the errors above" : "see the error above; --keep-going builds the rest",
                       run.all_bad_input ? util::ExitCode::usage : util::ExitCode::failed};
}

void add_recipe_options(CLI::App& app, RecipeRunOptions& o) {
    app.add_option("--cache", o.cache_text, "Cache folder (default $XDG_CACHE_HOME/wslmod)");
    app.add_option("--recipes", o.extra, "Extra recipe folder searched first (repeatable)");
    app.add_option("-j,--jobs", o.jobs, "Job budget shared by all builds (default: MAKEFLAGS' -j, else the CPU count)");
    app.add_option("--cc-launcher", o.cc_launcher, "Compiler launcher put before gcc: ccache or distcc")
        ->check(CLI::IsMember({"ccache", "distcc"}));
    app.add_flag("--keep-going", o.keep_going, "Build every recipe that can be built, then fail if one did not");
}

std::filesystem::path RecipeRunOptions::resolved_cache() const {
    return cache_text.empty() ? kernel::default_cache() : fs::absolute(cache_text).lexically_normal();
}

Action setup_recipe_build(CLI::App& app) {
    struct Options {
        RecipeRunOptions run;
        std::string tree;
    };
    auto opt = std::make_shared<Options>();
    app.add_option("NAME", opt->run.names, "Recipes: names on the search path, recipe folders or DKMS source folders")->required();
    app.add_option("--kernel", opt->tree, "Prepared kernel tree (the folder `wslmod kernel prepare` prints)")->required();
    add_recipe_options(app, opt->run);
    return [opt](const Context& ctx) -> util::Result<int> {
        auto prepared = WSLMOD_TRY(kernel::open_prepared_tree(fs::absolute(opt->tree).lexically_normal()));
        engine::TreeRef tree{prepared.dir, prepared.release};
        auto ro = opt->run;
        ro.cache = ro.resolved_cache();
        auto run = WSLMOD_TRY(run_recipes(ctx, ro, tree));
        for (const auto& o : run.result.outcomes) {
            if (o.build && !ctx.json)
                for (const auto& m : o.build->modules) *ctx.out << m.file.string() << "\n";
            if (o.error) *ctx.err << "wslmod: error: " << o.error->message() << "\n";
        }
        if (ctx.json) ctx.emit_json({{"release", tree.release}, {"tree", tree.dir.string()}, {"builds", run.builds},
                                     {"failed", run.failures}});
        if (run.result.failed) return tl::unexpected(recipe_failure(run, ro.keep_going));
        return 0;
    };
}

} // namespace wslmod::cli

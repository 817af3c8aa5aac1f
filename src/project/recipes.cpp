#include "project/recipes.h"

#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "engine/jobserver.h"
#include "engine/plan.h"
#include "kernel/config.h"
#include "recipe/catalog.h"
#include "recipe/deb_source.h"
#include "recipe/dkms.h"
#include "util/file.h"

namespace wslmod::project {
namespace {
namespace fs = std::filesystem;

// A NAME from the command line: a folder (recipe.toml or dkms.conf) or a recipe's name.
util::Result<recipe::Recipe> load_named(const std::string& name, const std::vector<fs::path>& path,
                                        const engine::TreeRef& tree, util::CommandRunner& runner) {
    std::error_code ec;
    if (name.find('/') == std::string::npos && !fs::is_directory(name, ec))
        return recipe::find_recipe(path, name);
    fs::path dir = fs::absolute(name).lexically_normal();
    if (dir.filename().empty()) dir = dir.parent_path();
    if (fs::exists(dir / "recipe.toml")) return recipe::load_recipe(dir);
    if (!fs::exists(dir / "dkms.conf"))
        return util::bad_input("neither recipe.toml nor dkms.conf is in this folder", dir.string(),
                               "name a recipe, a recipe folder or a DKMS source folder");
    // A DKMS source as it is: its name and version from dkms.conf; resolve_recipe does the rest.
    auto conf = WSLMOD_TRY(recipe::recipe_from_dkms(
        dir, {tree.release, tree.dir, recipe::placeholder_kernel().dkms_tree}, runner));
    recipe::Recipe r;
    r.name = conf.name;
    r.version = conf.version;
    r.summary = conf.summary;
    r.source = recipe::SourceKind::dkms;
    r.dkms = r.dir = dir;
    r.file = dir / "dkms.conf";
    return r;
}

// The manifest's inline recipes, then load_named, then the distro package NAME-dkms.
util::Result<recipe::Recipe> named_or_distro(const std::string& name, const RecipeOptions& opt,
                                             const std::vector<fs::path>& path,
                                             const engine::TreeRef& tree,
                                             util::CommandRunner& runner, Reporter& reporter) {
    if (auto it = opt.inline_recipes.find(name); it != opt.inline_recipes.end()) return it->second;
    auto r = load_named(name, path, tree, runner);
    if (r || !opt.distro_fallback || !recipe::is_recipe_name(name) ||
        !r.error().what.starts_with("no recipe named"))
        return r;
    auto distro = WSLMOD_TRY(recipe::distro_fallback(name, r.error(), runner));
    reporter.note(fmt::format("no recipe {}: using the distro package {}", name, distro.deb));
    return distro;
}

util::Result<engine::Target> target_of(const engine::TreeRef& tree) {
    engine::Target t;
    t.release = tree.release;
    t.config_file = (tree.dir / ".config").string();
    auto text = WSLMOD_TRY(util::read_text_decompressed(tree.dir / ".config"));
    t.config = WSLMOD_TRY(kernel::parse_config(text, t.config_file));
    t.arch = t.config.enabled("X86_64")  ? "x86_64"
             : t.config.enabled("ARM64") ? "aarch64"
                                         : "unknown";
    return t;
}

// The last `lines` lines of a log file.
std::string log_tail(const fs::path& log, size_t lines) {
    std::ifstream in(log);
    std::vector<std::string> all;
    for (std::string l; std::getline(in, l);)
        all.push_back(l);
    std::string out;
    for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
        out += "  | " + all[i] + "\n";
    return out;
}

} // namespace

util::Result<RecipeRun> run_recipes(const RecipeOptions& opt, const engine::TreeRef& tree,
                                    util::CommandRunner& runner, Reporter& reporter) {
    if (!opt.cc_launcher.empty() && !util::find_program(opt.cc_launcher))
        return util::bad_input(
            fmt::format("--cc-launcher {} is not installed", opt.cc_launcher), opt.cc_launcher,
            fmt::format("install it (apt install {}) or leave the option out", opt.cc_launcher));
    const char* mf = std::getenv("MAKEFLAGS");
    std::string makeflags = mf ? mf : "";
    unsigned jobs = opt.jobs ? opt.jobs
                             : engine::makeflags_jobs(makeflags).value_or(
                                   std::max(1u, std::thread::hardware_concurrency()));
    auto jobserver = WSLMOD_TRY(engine::Jobserver::create(jobs, opt.jobs ? "" : makeflags));

    auto path = recipe_path(opt.extra);
    std::vector<recipe::Recipe> requested;
    for (const auto& name : opt.names) {
        auto r = named_or_distro(name, opt, path, tree, runner, reporter);
        if (!r) return tl::unexpected(r.error());
        if (r->source == recipe::SourceKind::deb) {
            std::string sha;
            if (auto pin = opt.deb_pins.find(r->name); pin != opt.deb_pins.end())
                r->deb_version = pin->second.first, sha = pin->second.second;
            reporter.step(fmt::format("fetch {} (apt-get download)", r->deb));
            auto fetched = recipe::with_deb_fetched(*r, opt.cache, runner, sha);
            reporter.done();
            r = WSLMOD_TRY(std::move(fetched));
        }
        requested.push_back(std::move(*r));
    }
    auto target = WSLMOD_TRY(target_of(tree));
    auto compiler = engine::compiler_identity(runner, tree.cc);
    auto plan = WSLMOD_TRY(engine::plan_builds(
        requested, [&](const std::string& n) { return recipe::find_recipe(path, n); }, tree, target,
        compiler, runner));
    if (opt.gate) WSLMOD_CHECK(opt.gate(plan));
    RecipeRun run;
    run.skipped = nlohmann::json::array();
    for (const auto& s : plan.skipped) {
        reporter.note(fmt::format("skipped {}: {}", s.recipe, s.reason));
        run.skipped.push_back({{"recipe", s.recipe}, {"reason", s.reason}});
    }
    for (const auto& p : plan.recipes) {
        run.replaces[p.recipe.name] = p.recipe.replaces;
        run.planned.push_back(p.recipe);
    }

    auto observe = [&](const engine::BuildEvent& e) { reporter.build_event(e); };
    engine::BuildOptions bo{opt.cache, opt.cc_launcher, &jobserver};
    run.result = engine::run_plan(plan, tree, bo, opt.keep_going, runner, observe);
    reporter.done();

    run.builds = nlohmann::json::array();
    run.failures = nlohmann::json::array();
    for (const auto& o : run.result.outcomes) {
        if (o.build) {
            auto mods = nlohmann::json::array();
            for (const auto& m : o.build->modules)
                mods.push_back({{"name", m.name}, {"dest", m.dest}, {"file", m.file.string()}});
            run.builds.push_back({{"recipe", o.recipe},
                                  {"key", o.build->key},
                                  {"cached", o.build->cached},
                                  {"seconds", o.build->seconds},
                                  {"requested", o.requested},
                                  {"log", o.build->log.string()},
                                  {"modules", mods}});
            continue;
        }
        bool has_log = o.error->where.ends_with(".log");
        run.failures.push_back({{"recipe", o.recipe},
                                {"error", o.error->message()},
                                {"log", has_log ? o.error->where : ""}});
        if (has_log) reporter.diagnostic(log_tail(o.error->where, 15));
        if (o.error->code != util::ExitCode::usage) run.all_bad_input = false;
    }
    return run;
}

util::Error recipe_failure(const RecipeRun& run, bool keep_going) {
    return util::Error{
        fmt::format("{} of {} recipes failed", run.result.failed, run.result.outcomes.size()), "",
        keep_going ? "see the errors above" : "see the error above; --keep-going builds the rest",
        run.all_bad_input ? util::ExitCode::usage : util::ExitCode::failed};
}

} // namespace wslmod::project

#include "cli/recipe_commands.h"

#include <memory>
#include <optional>
#include <ostream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "build/recipe_build.h"
#include "kernel/prepare.h"
#include "recipe/catalog.h"

namespace wslmod::cli {
namespace {

std::vector<std::filesystem::path> path_for(const std::vector<std::string>& extra) {
    std::vector<std::filesystem::path> path(extra.begin(), extra.end());
    for (auto& p : recipe::search_path(std::filesystem::current_path())) path.push_back(p);
    return path;
}

nlohmann::json to_json(const recipe::Recipe& r) {
    auto modules = nlohmann::json::array();
    for (const auto& m : r.modules) modules.push_back({{"name", m.name}, {"dest", m.dest}});
    nlohmann::json j{{"name", r.name}, {"version", r.version}, {"summary", r.summary}, {"license", r.license},
                     {"homepage", r.homepage}, {"source", recipe::to_string(r.source)}, {"dir", r.dir.string()},
                     {"modules", modules}, {"depends", r.depends}, {"replaces", r.replaces}};
    if (!r.kernel_tree.empty()) j["kernel_tree"] = r.kernel_tree;
    if (!r.kconfig.empty()) j["kconfig"] = r.kconfig;
    if (!r.url.empty()) j["url"] = r.url, j["sha256"] = r.sha256;
    return j;
}

} // namespace

Action setup_recipe_list(CLI::App& app) {
    auto extra = std::make_shared<std::vector<std::string>>();
    app.add_option("--recipes", *extra, "Extra recipe folder searched first (repeatable)");
    return [extra](const Context& ctx) -> util::Result<int> {
        auto recipes = WSLMOD_TRY(recipe::list_recipes(path_for(*extra)));
        if (ctx.json) {
            auto arr = nlohmann::json::array();
            for (const auto& r : recipes) arr.push_back(to_json(r));
            ctx.emit_json({{"recipes", arr}});
            return 0;
        }
        for (const auto& r : recipes)
            *ctx.out << fmt::format("{:<16} {:<10} {:<12} {}\n", r.name, r.version, recipe::to_string(r.source), r.summary);
        return 0;
    };
}

Action setup_recipe_show(CLI::App& app) {
    auto name = std::make_shared<std::string>();
    auto extra = std::make_shared<std::vector<std::string>>();
    app.add_option("NAME", *name, "Recipe name")->required();
    app.add_option("--recipes", *extra, "Extra recipe folder searched first (repeatable)");
    return [name, extra](const Context& ctx) -> util::Result<int> {
        auto r = WSLMOD_TRY(recipe::find_recipe(path_for(*extra), *name));
        if (ctx.json) {
            ctx.emit_json(to_json(r));
            return 0;
        }
        auto& o = *ctx.out;
        o << fmt::format("{} {}\n  {}\n  file     {}\n  source   {}", r.name, r.version, r.summary, r.file.string(),
                         recipe::to_string(r.source));
        for (const auto& folder : r.kernel_tree) o << " " << folder;
        if (!r.url.empty()) o << " " << r.url;
        o << "\n";
        for (const auto& [k, v] : r.kconfig) o << fmt::format("  kconfig  CONFIG_{}={}\n", k, v);
        for (const auto& m : r.modules) o << fmt::format("  module   {} -> {}/\n", m.name, m.dest);
        for (const auto& d : r.depends) o << fmt::format("  depends  {}\n", d);
        if (!r.license.empty()) o << fmt::format("  license  {}\n", r.license);
        if (!r.homepage.empty()) o << fmt::format("  homepage {}\n", r.homepage);
        return 0;
    };
}

Action setup_recipe_build(CLI::App& app) {
    struct Options {
        std::vector<std::string> names, extra;
        std::string tree, cache;
        unsigned jobs = 1;
        bool keep_going = false;
    };
    auto opt = std::make_shared<Options>();
    app.add_option("NAME", opt->names, "Recipes to build")->required();
    app.add_option("--kernel", opt->tree, "Prepared kernel tree (the folder `wslmod kernel prepare` prints)")->required();
    app.add_option("--cache", opt->cache, "Cache folder (default $XDG_CACHE_HOME/wslmod)");
    app.add_option("--recipes", opt->extra, "Extra recipe folder searched first (repeatable)");
    app.add_option("-j,--jobs", opt->jobs, "Parallel make jobs")->default_val(std::max(1u, std::thread::hardware_concurrency()));
    app.add_flag("--keep-going", opt->keep_going, "Build every recipe that can be built, then fail if one did not");
    return [opt](const Context& ctx) -> util::Result<int> {
        auto tree = WSLMOD_TRY(kernel::open_prepared_tree(opt->tree));
        auto cache = opt->cache.empty() ? kernel::default_cache() : std::filesystem::path(opt->cache);
        auto path = path_for(opt->extra);
        auto results = nlohmann::json::array();
        std::optional<util::Error> first_error;
        for (const auto& name : opt->names) {
            auto built = [&]() -> util::Result<build::RecipeBuild> {
                auto r = WSLMOD_TRY(recipe::find_recipe(path, name));
                return build::build_recipe(r, {tree.dir, tree.release}, cache, opt->jobs, *ctx.runner);
            }();
            if (!built) {
                if (!opt->keep_going) return tl::unexpected(built.error());
                *ctx.err << "wslmod: error: " << built.error().message() << "\n";
                if (!first_error) first_error = built.error();
                continue;
            }
            auto mods = nlohmann::json::array();
            for (const auto& m : built->modules) {
                mods.push_back({{"name", m.name}, {"dest", m.dest}, {"file", m.file.string()}});
                if (!ctx.json) *ctx.out << m.file.string() << "\n";
            }
            results.push_back({{"recipe", built->recipe}, {"cached", built->cached}, {"modules", mods}});
        }
        if (ctx.json) ctx.emit_json({{"release", tree.release}, {"builds", results}});
        if (first_error) return util::fail(fmt::format("{} of {} recipes failed", opt->names.size() - results.size(),
                                                       opt->names.size()), first_error->where, first_error->what);
        return 0;
    };
}

} // namespace wslmod::cli

#include "cli/recipe_commands.h"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "project/options.h"
#include "recipe/catalog.h"
#include "recipe/search.h"

namespace wslmod::cli {

namespace {

nlohmann::json to_json(const recipe::Recipe& r) {
    auto modules = nlohmann::json::array();
    for (const auto& m : r.modules)
        modules.push_back({{"name", m.name}, {"dest", m.dest}});
    nlohmann::json j{{"name", r.name},         {"version", r.version},
                     {"summary", r.summary},   {"license", r.license},
                     {"homepage", r.homepage}, {"source", recipe::to_string(r.source)},
                     {"dir", r.dir.string()},  {"modules", modules},
                     {"depends", r.depends},   {"replaces", r.replaces}};
    if (!r.kernel_tree.empty()) j["kernel_tree"] = r.kernel_tree;
    if (!r.kconfig.empty()) j["kconfig"] = r.kconfig;
    if (!r.url.empty()) j["url"] = r.url, j["sha256"] = r.sha256;
    if (!r.deb.empty()) j["deb"] = r.deb;
    if (!r.firmware.empty()) j["firmware"] = r.firmware;
    auto config = nlohmann::json::array();
    for (const auto& c : r.config)
        config.push_back({{"symbol", c.symbol}, {"values", c.values}});
    auto kernel = nlohmann::json::array();
    for (const auto& b : r.kernel)
        kernel.push_back(b.op + b.version);
    j["requires"] = {
        {"kernel", kernel}, {"kernel_match", r.kernel_match}, {"arch", r.arch}, {"config", config}};
    return j;
}

} // namespace

Action setup_recipe_list(CLI::App& app) {
    auto extra = std::make_shared<std::vector<std::string>>();
    app.add_option("--recipes", *extra, "Extra recipe folder searched first (repeatable)");
    return [extra](const Context& ctx) -> util::Result<int> {
        auto recipes = WSLMOD_TRY(recipe::list_recipes(project::recipe_path(*extra)));
        if (ctx.json) {
            auto arr = nlohmann::json::array();
            for (const auto& r : recipes)
                arr.push_back(to_json(r));
            ctx.emit_json({{"recipes", arr}});
            return 0;
        }
        for (const auto& r : recipes)
            *ctx.out << fmt::format("{:<16} {:<10} {:<12} {}\n", r.name, r.version,
                                    recipe::to_string(r.source), r.summary);
        return 0;
    };
}

Action setup_recipe_show(CLI::App& app) {
    auto name = std::make_shared<std::string>();
    auto extra = std::make_shared<std::vector<std::string>>();
    app.add_option("NAME", *name, "Recipe name")->required();
    app.add_option("--recipes", *extra, "Extra recipe folder searched first (repeatable)");
    return [name, extra](const Context& ctx) -> util::Result<int> {
        auto r = WSLMOD_TRY(recipe::find_recipe(project::recipe_path(*extra), *name));
        if (ctx.json) {
            ctx.emit_json(to_json(r));
            return 0;
        }
        auto& o = *ctx.out;
        o << fmt::format("{} {}\n  {}\n  file     {}\n  source   {}", r.name, r.version, r.summary,
                         r.file.string(), recipe::to_string(r.source));
        for (const auto& folder : r.kernel_tree)
            o << " " << folder;
        if (!r.url.empty()) o << " " << r.url;
        if (!r.deb.empty()) o << " " << r.deb << " (the distro's DKMS package)";
        o << "\n";
        for (const auto& [k, v] : r.kconfig)
            o << fmt::format("  kconfig  CONFIG_{}={}\n", k, v);
        bool dkms = r.source == recipe::SourceKind::dkms || r.source == recipe::SourceKind::deb;
        for (const auto& m : r.modules)
            o << (dkms ? fmt::format("  module   {} (where its dkms.conf puts it)\n", m.name)
                       : fmt::format("  module   {} -> {}/\n", m.name, m.dest));
        for (const auto& d : r.depends)
            o << fmt::format("  depends  {}\n", d);
        for (const auto& b : r.kernel)
            o << fmt::format("  requires kernel {}{}\n", b.op, b.version);
        if (!r.kernel_match.empty())
            o << fmt::format("  requires kernel matching {}\n", r.kernel_match);
        for (const auto& a : r.arch)
            o << fmt::format("  requires arch {}\n", a);
        for (const auto& c : r.config) {
            std::string values;
            for (const auto& v : c.values)
                values += (values.empty() ? "" : "|") + v;
            o << fmt::format("  requires CONFIG_{}={}\n", c.symbol, values);
        }
        if (!r.firmware.empty()) o << fmt::format("  firmware {}\n", r.firmware);
        if (!r.license.empty()) o << fmt::format("  license  {}\n", r.license);
        if (!r.homepage.empty()) o << fmt::format("  homepage {}\n", r.homepage);
        return 0;
    };
}

Action setup_search(CLI::App& app) {
    auto term = std::make_shared<std::string>();
    auto extra = std::make_shared<std::vector<std::string>>();
    auto no_distro = std::make_shared<bool>(false);
    app.add_option("TERM", *term, "Text found in a recipe's name, summary or module names")
        ->required();
    app.add_option("--recipes", *extra, "Extra recipe folder searched first (repeatable)");
    app.add_flag("--no-distro", *no_distro, "Leave out the distro's *-dkms packages (apt-cache)");
    return [term, extra, no_distro](const Context& ctx) -> util::Result<int> {
        if (term->empty())
            return util::bad_input("the search term is empty", "TERM",
                                   "name a device, driver or module, such as gs_usb");
        auto recipes = WSLMOD_TRY(recipe::list_recipes(project::recipe_path(*extra)));
        auto hits = recipe::search_recipes(recipes, *term);
        if (!*no_distro) {
            auto distro = recipe::search_distro(*term, recipes, *ctx.runner);
            hits.insert(hits.end(), distro.begin(), distro.end());
        }
        if (ctx.json) {
            auto arr = nlohmann::json::array();
            for (const auto& h : hits)
                arr.push_back({{"recipe", h.recipe},
                               {"version", h.version},
                               {"source", h.source},
                               {"summary", h.summary},
                               {"modules", h.modules},
                               {"distro", h.distro},
                               {"matched", h.matched}});
            ctx.emit_json(arr);
            return hits.empty() ? 1 : 0;
        }
        for (const auto& h : hits) {
            std::string modules;
            for (const auto& m : h.modules)
                modules += (modules.empty() ? "" : " ") + m;
            *ctx.out << fmt::format("{:<20} {:<22} {}\n", h.recipe,
                                    h.distro ? "distro " + h.source.substr(4) : h.source,
                                    h.summary);
            if (!modules.empty()) *ctx.out << fmt::format("{:<20} modules: {}\n", "", modules);
        }
        if (hits.empty())
            ctx.note(fmt::format("nothing matches '{}'; `wslmod list` shows every recipe", *term));
        return hits.empty() ? 1 : 0;
    };
}

} // namespace wslmod::cli

#include "cli/status.h"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/windows_options.h"
#include "project/inputs.h"
#include "project/status.h"

namespace wslmod::cli {

Action setup_status(CLI::App& app) {
    auto opt = std::make_shared<std::vector<std::string>>();
    app.add_option("--recipes", *opt, "Extra recipe folder searched first (repeatable)");
    auto win = add_windows_options(app);
    return [opt, win](const Context& ctx) -> util::Result<int> {
        auto m = WSLMOD_TRY(project::manifest_here());
        auto st = WSLMOD_TRY(project::project_status(m, *opt, *win, *ctx.runner));
        const auto& state = st.state;
        const auto& installed = st.installed;
        if (ctx.json) {
            auto recipes = nlohmann::json::array();
            for (const auto& r : m.recipes)
                recipes.push_back({{"name", r.name}, {"version", r.version}});
            nlohmann::json doc({{"manifest", m.file.string()},
                                {"state", state},
                                {"release", st.release},
                                {"image", {{"path", st.image}, {"sha256", st.image_sha256}}},
                                {"recipes", recipes},
                                {"outdated", st.outdated},
                                {"stale", st.stale}});
            if (installed) {
                auto bad = nlohmann::json::array();
                for (const auto& b : installed->bad)
                    bad.push_back({{"image_sha256", b.image_sha256},
                                   {"generation", b.generation},
                                   {"at", b.at}});
                doc["installed"] = {
                    {"generation", installed->current ? nlohmann::json(installed->current->id)
                                                      : nlohmann::json()},
                    {"release", installed->current ? installed->current->release : ""},
                    {"this_image", installed->this_image},
                    {"bad", bad}};
            }
            ctx.emit_json(doc);
        } else {
            auto& out = *ctx.out;
            out << fmt::format("{}: {}\n", m.file.string(), state);
            if (!st.release.empty()) out << fmt::format("  release   {}\n", st.release);
            out << fmt::format("  image     {}{}\n", st.image,
                               st.image_sha256.empty() ? "" : "  sha256 " + st.image_sha256);
            for (const auto& r : m.recipes)
                out << fmt::format("  recipe    {} {}\n", r.name, r.version);
            if (installed && installed->current)
                out << fmt::format("  installed generation {} for {}{}\n", installed->current->id,
                                   installed->current->release,
                                   installed->this_image
                                       ? " (this image)"
                                       : " (another image: run `wslmod install`)");
            if (installed)
                for (const auto& b : installed->bad)
                    out << fmt::format("  bad       {} (generation {}, rolled back on {})\n",
                                       b.image_sha256.substr(0, 12), b.generation, b.at);
            for (const auto& s : st.stale)
                out << "  stale     " << s << "\n";
            for (const auto& o : st.outdated)
                out << "  outdated  " << o << "\n";
            if (state == "stale" && installed && installed->current)
                out << "Run `wslmod upgrade` to rebuild for WSL's kernel and install it.\n";
            else if (state != "current")
                out << "Run `wslmod build` to bring the image up to date.\n";
        }
        return state == "current" ? 0 : 1;
    };
}

} // namespace wslmod::cli

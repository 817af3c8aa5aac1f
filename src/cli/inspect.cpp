#include "cli/inspect.h"

#include <memory>
#include <ostream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/file_source.h"
#include "modules/inventory.h"

namespace wslmod::cli {
namespace {

nlohmann::json to_json(const modules::ImageModule& m) {
    nlohmann::json j{{"name", m.name}, {"path", m.path}, {"sha256", m.sha256}};
    if (!m.vermagic.empty()) j["vermagic"] = m.vermagic;
    return j;
}

} // namespace

Action setup_inspect(CLI::App& app) {
    struct Options {
        std::string image, other;
        unsigned jobs = 0;
    };
    auto opt = std::make_shared<Options>();
    app.add_option("IMAGE", opt->image,
                   "Modules image (VHDX, VHD, raw ext4) or lib/modules/<release> folder")
        ->required();
    app.add_option("--diff", opt->other,
                   "Compare with this image or folder: what IMAGE adds, removes and changes");
    app.add_option("-j,--jobs", opt->jobs,
                   "Threads for decompressing modules (default: the CPU count)");
    return [opt](const Context& ctx) -> util::Result<int> {
        unsigned jobs = opt->jobs ? opt->jobs : std::max(1u, std::thread::hardware_concurrency());
        auto src = WSLMOD_TRY(image::open_file_source(opt->image));
        if (opt->other.empty()) {
            auto inv = WSLMOD_TRY(modules::read_inventory(*src, jobs));
            if (ctx.json) {
                auto mods = nlohmann::json::array();
                for (const auto& m : inv.modules)
                    mods.push_back(to_json(m));
                ctx.emit_json({{"image", opt->image}, {"release", inv.release}, {"modules", mods}});
                return 0;
            }
            *ctx.out << fmt::format("{}: release {}, {} modules\n", opt->image, inv.release,
                                    inv.modules.size());
            for (const auto& m : inv.modules) {
                bool other = m.vermagic.substr(0, m.vermagic.find(' ')) != inv.release;
                *ctx.out << fmt::format("{:<28} {}{}\n", m.name, m.path,
                                        other ? "  (vermagic " + m.vermagic + ")" : "");
            }
            return 0;
        }
        // --diff OTHER IMAGE: OTHER is the base.
        auto base_src = WSLMOD_TRY(image::open_file_source(opt->other));
        auto c = WSLMOD_TRY(modules::compare_images(*base_src, *src, jobs));
        const auto &base = c.base, &inv = c.image;
        const auto& d = c.diff;
        if (ctx.json) {
            auto added = nlohmann::json::array(), removed = nlohmann::json::array(),
                 changed = nlohmann::json::array();
            for (const auto& m : d.added)
                added.push_back(to_json(m));
            for (const auto& m : d.removed)
                removed.push_back(to_json(m));
            for (const auto& [a, b] : d.changed)
                changed.push_back({{"name", b.name}, {"from", to_json(a)}, {"to", to_json(b)}});
            ctx.emit_json({{"image", opt->image},
                           {"base", opt->other},
                           {"release", inv.release},
                           {"base_release", base.release},
                           {"added", added},
                           {"removed", removed},
                           {"changed", changed}});
            return 0;
        }
        if (base.release != inv.release)
            *ctx.out << fmt::format("release {} -> {}\n", base.release, inv.release);
        for (const auto& m : d.added)
            *ctx.out << fmt::format("+ {:<28} {}  ({})\n", m.name, m.path, m.vermagic);
        for (const auto& m : d.removed)
            *ctx.out << fmt::format("- {:<28} {}\n", m.name, m.path);
        for (const auto& [a, b] : d.changed)
            *ctx.out << fmt::format("~ {:<28} {}{}  ({})\n", b.name, b.path,
                                    a.path != b.path ? " (was " + a.path + ")" : "", b.vermagic);
        *ctx.out << fmt::format("{} added, {} removed, {} changed\n", d.added.size(),
                                d.removed.size(), d.changed.size());
        return 0;
    };
}

} // namespace wslmod::cli

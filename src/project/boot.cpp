#include "project/boot.h"

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/file_source.h"
#include "modules/inventory.h"

namespace wslmod::project {
namespace fs = std::filesystem;

util::Result<verify::CheckReport>
boot_check_image(const fs::path& image, const fs::path& kernel, std::vector<std::string> modules,
                 const fs::path& cache, util::CommandRunner& runner, Reporter& reporter) {
    if (modules.empty()) {
        auto src = WSLMOD_TRY(image::open_file_source(image));
        modules = WSLMOD_TRY(verify::recorded_added(*src));
    }
    verify::CheckSpec spec;
    spec.image = fs::absolute(image);
    spec.kernel = fs::absolute(kernel);
    spec.modules = std::move(modules);
    spec.cache = cache;
    spec.workdir = cache / "verify" / fmt::format("boot-{}", ::getpid());
    reporter.step(
        fmt::format("booting the stock kernel with the image ({} modules)", spec.modules.size()));
    auto r = verify::check_boot(spec, runner);
    reporter.done();
    if (r && r->ok()) {
        std::error_code ec;
        fs::remove_all(spec.workdir, ec); // kept on failure: console.log
    }
    return r;
}

util::Result<std::vector<std::string>>
modules_to_check(const fs::path& image, const std::string& listed, const std::string& stock) {
    std::vector<std::string> modules;
    for (size_t at = 0; !listed.empty() && at <= listed.size();) {
        auto comma = listed.find(',', at);
        auto m = listed.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        if (!m.empty()) modules.push_back(m);
        if (comma == std::string::npos) break;
        at = comma + 1;
    }
    if (!modules.empty()) return modules;
    auto src = WSLMOD_TRY(image::open_file_source(image));
    auto recorded = verify::recorded_added(*src);
    if (recorded) {
        modules = *recorded;
    } else if (!stock.empty()) {
        auto theirs = WSLMOD_TRY(image::open_file_source(stock));
        auto none = [](const modules::ImageModule&) { return false; };
        auto a = WSLMOD_TRY(modules::read_inventory(*theirs, 2, none));
        auto b = WSLMOD_TRY(modules::read_inventory(*src, 2, none));
        auto d = modules::diff(a, b);
        for (const auto& m : d.added)
            modules.push_back(m.name);
        for (const auto& [from, to] : d.changed)
            modules.push_back(to.name);
    } else {
        return tl::unexpected(recorded.error());
    }
    if (modules.empty())
        return util::bad_input("the image adds no modules over the stock ones", image.string(),
                               "name some with --modules");
    return modules;
}

nlohmann::json check_json(const verify::CheckReport& r) {
    auto mods = nlohmann::json::array();
    for (const auto& m : r.modules)
        mods.push_back({{"module", m.module},
                        {"loaded", m.loaded},
                        {"reason", m.reason},
                        {"symbol", m.symbol},
                        {"output", m.output},
                        {"dmesg", m.dmesg},
                        {"hint", m.hint}});
    return {{"release", r.release},
            {"ok", r.ok()},
            {"seconds", r.seconds},
            {"steps", util::timings_json(r.timings)},
            {"accel", r.accel},
            {"entry", r.entry},
            {"initramfs_cached", r.initramfs_cached},
            {"boot_modules", r.boot_modules},
            {"modules", mods}};
}

util::Error check_failure(const verify::CheckReport& r, const fs::path& image) {
    std::vector<std::string> failed;
    const verify::ModuleOutcome* first = nullptr;
    for (const auto& m : r.modules)
        if (!m.loaded) {
            failed.push_back(m.module);
            if (!first) first = &m;
        }
    std::string what = fmt::format("{} of {} modules did not load in the stock kernel: {}",
                                   failed.size(), r.modules.size(), fmt::join(failed, ", "));
    if (first)
        what += fmt::format(" ({}: {}{})", first->module, first->reason,
                            first->symbol.empty() ? "" : " " + first->symbol);
    return util::Error{what, image.string(), first ? first->hint : "", util::ExitCode::failed};
}

} // namespace wslmod::project

#include "recipe/bundle_import.h"

#include <algorithm>

#include <fmt/format.h>

#include "kernel/modinfo.h"
#include "recipe/bundle.h"
#include "recipe/recipe.h"
#include "util/atomic_dir.h"
#include "util/beneath.h"
#include "util/fetch.h"
#include "util/file.h"
#include "util/paths.h"

namespace wslmod::recipe {
namespace fs = std::filesystem;

util::Result<OpenedBundle> open_bundle(const fs::path& bundle, const fs::path& work,
                                       const fs::path& dir) {
    util::RemoveOnExit cleanup{work};
    WSLMOD_TRY(extract_bundle(bundle, work));
    auto refuse = [&](const std::string& what) {
        return tl::unexpected(
            util::Error{fmt::format("refusing the bundle: {}", what), bundle.string(),
                        "ask for a bundle made with `wslmod bundle export`; nothing was written",
                        util::ExitCode::usage});
    };
    for (const char* name : {manifest_name, lock_name})
        if (!fs::exists(work / name)) return refuse(fmt::format("it has no {}", name));
    OpenedBundle out;
    auto text = WSLMOD_TRY(util::read_text_decompressed(work / manifest_name));
    out.manifest = WSLMOD_TRY(parse_manifest(text, dir / manifest_name));
    auto& m = out.manifest;
    if (!util::is_within(m.output, dir) || m.output.lexically_normal() == dir.lexically_normal()) {
        out.notes.push_back(fmt::format(
            "the bundle's [output] path {} is outside {}: the image goes to {} instead",
            util::quoted(m.output.string()), dir.string(), (dir / "modules.vhdx").string()));
        m.output = dir / "modules.vhdx";
    }
    for (auto [key, value] : {std::pair{"source", &m.source},
                              {"config", &m.config},
                              {"stock-kernel", &m.stock_kernel},
                              {"stock-modules", &m.stock_modules},
                              {"symvers", &m.symvers}})
        if (!value->empty() && !util::is_url(*value) && !util::is_within(*value, dir)) {
            out.notes.push_back(fmt::format("the bundle's [kernel] {} = {} is outside {}: dropped",
                                            key, util::quoted(*value), dir.string()));
            value->clear();
        }
    out.lock = WSLMOD_TRY(load_lock(work / lock_name));
    // The recipes must be the locked ones, and every locked module must be there, for the
    // bundle's own release and for each further one.
    auto check = [&](const Lock& lock, const fs::path& modules) -> util::Result<void> {
        for (const auto& [name, locked] : lock.recipes) {
            // A distro package named in wslmod.toml alone has no folder: the manifest's entry
            // must name the package the lock pins.
            const std::string& recipe_name = name; // clang 14 captures no structured binding
            auto inline_deb = std::find_if(m.recipes.begin(), m.recipes.end(), [&](const auto& mr) {
                return mr.name == recipe_name && !mr.deb.empty();
            });
            if (inline_deb != m.recipes.end()) {
                if (!locked.package.starts_with(inline_deb->deb + "="))
                    return refuse(fmt::format("recipe {} names the package {}, its lock {}", name,
                                              inline_deb->deb, util::quoted(locked.package)));
            } else {
                auto r = load_recipe(work / "recipes" / name);
                if (!r)
                    return refuse(
                        fmt::format("recipe {} of its lock: {}", name, r.error().message()));
                auto diffs = WSLMOD_TRY(file_differences(name, locked, *r));
                if (!diffs.empty()) return refuse(diffs.front() + " since its lock was written");
            }
            for (const auto& mod : locked.modules) {
                auto ko = modules / name / (mod + ".ko");
                if (!fs::is_regular_file(ko))
                    return refuse(fmt::format("module {} of recipe {} is missing (for {})", mod,
                                              name, lock.release));
                // Checked here, before anything is assembled: a module built for another
                // release than the lock names would only fail deep inside the build.
                auto bytes = WSLMOD_TRY(util::read_bytes(ko));
                auto vermagic = kernel::modinfo_value(bytes, "vermagic", ko.string());
                if (!vermagic || !*vermagic)
                    return refuse(
                        fmt::format("module {} of recipe {} is not a kernel module with a vermagic",
                                    mod, name));
                if (kernel::vermagic_release(**vermagic) != lock.release)
                    return refuse(fmt::format("module {} of recipe {} has vermagic {}, not the "
                                              "release its lock names ({})",
                                              mod, name, util::quoted(**vermagic),
                                              util::quoted(lock.release)));
            }
        }
        for (const auto& mr : m.recipes)
            if (!lock.recipes.count(mr.name))
                return refuse(
                    fmt::format("recipe {} is not in its lock for {}", mr.name, lock.release));
        return {};
    };
    WSLMOD_CHECK(check(out.lock, work / "modules"));
    std::error_code ec;
    for (fs::directory_iterator it(work / "releases", ec), end; !ec && it != end;
         it.increment(ec)) {
        auto release = it->path().filename().string();
        if (!fs::exists(it->path() / lock_name))
            return refuse(fmt::format("releases/{} has no {}", release, lock_name));
        auto lock = WSLMOD_TRY(load_lock(it->path() / lock_name));
        if (lock.release != release)
            return refuse(
                fmt::format("releases/{}/{} is for {}", release, lock_name, lock.release));
        WSLMOD_CHECK(check(lock, it->path() / "modules"));
        out.releases[release] = std::move(lock);
    }
    cleanup.release();
    return out;
}

} // namespace wslmod::recipe

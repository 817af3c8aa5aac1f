#include "engine/requirements.h"

#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace wslmod::engine {

util::Result<void> check_requirements(const recipe::Recipe& r, const Target& t) {
    auto where = r.file.string();
    if (!recipe::release_in_range(t.release, r.kernel)) {
        std::string range;
        for (const auto& b : r.kernel)
            range += (range.empty() ? "" : ", ") + b.op + b.version;
        return util::bad_input(fmt::format("recipe {} needs a kernel {}, and this one is {}",
                                           r.name, range, t.release),
                               where,
                               "build for a kernel in that range, or widen [requires] kernel");
    }
    if (!r.kernel_match.empty() && !std::regex_search(t.release, std::regex(r.kernel_match)))
        return util::bad_input(
            fmt::format("recipe {} builds only for releases matching '{}', not {}", r.name,
                        r.kernel_match, t.release),
            where, "build for such a kernel, or fix kernel-match");
    if (!r.arch.empty()) {
        bool ok = false;
        for (const auto& a : r.arch)
            ok = ok || std::regex_match(t.arch, std::regex(a));
        if (!ok)
            return util::bad_input(fmt::format("recipe {} builds only for {}, not {}", r.name,
                                               fmt::format("{}", fmt::join(r.arch, ", ")), t.arch),
                                   where, "build for one of its [requires] arch");
    }
    for (const auto& c : r.config) {
        auto v = t.config.get(c.symbol);
        std::string have = v ? *v : "n";
        if (!c.values.count(have)) {
            std::string want;
            for (const auto& x : c.values)
                want += (want.empty() ? "" : "|") + x;
            return util::bad_input(
                fmt::format("recipe {} needs CONFIG_{}={}, and the kernel has {}", r.name, c.symbol,
                            want, v ? "CONFIG_" + c.symbol + "=" + have : "it unset"),
                where,
                fmt::format("use a kernel whose config ({}) satisfies it",
                            t.config_file.empty() ? ".config" : t.config_file));
        }
    }
    for (const auto& [sym, value] : r.kconfig)
        if (t.config.builtin(sym))
            return util::bad_input(
                fmt::format(
                    "recipe {} builds CONFIG_{} as a module, but this kernel has it built in (=y)",
                    r.name, sym),
                where, fmt::format("drop {} from [kconfig]: the kernel has it", sym));
    return {};
}

} // namespace wslmod::engine

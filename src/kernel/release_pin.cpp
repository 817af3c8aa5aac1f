#include "kernel/release_pin.h"

#include <optional>
#include <regex>

#include <fmt/format.h>

namespace wslmod::kernel {
namespace {

struct Version {
    std::string major_minor; // "6.1"
    std::string sublevel;    // "192"; empty when not given
    std::string text() const {
        return sublevel.empty() ? major_minor : major_minor + "." + sublevel;
    }
};

// The leading X.Y[.Z] of a release or version ("6.1.0-57-cloud-amd64" gives 6.1 and 0).
std::optional<Version> leading_version(const std::string& s) {
    static const std::regex re(R"(^(\d+\.\d+)(?:\.(\d+))?)");
    std::smatch m;
    if (!std::regex_search(s, m, re)) return std::nullopt;
    return Version{m[1].str(), m[2].matched ? m[2].str() : ""};
}

} // namespace

std::string banner_upstream_version(const std::string& banner) {
    // Debian's changelog version, "Debian 6.1.192-3" or "Debian 6.12.117-1~deb12u1".
    static const std::regex re(R"(\bDebian (\d+\.\d+(?:\.\d+)?)-)");
    std::smatch m;
    return std::regex_search(banner, m, re) ? m[1].str() : "";
}

util::Result<ReleasePin> plan_release_pin(const std::string& base, const std::string& release,
                                          const std::string& banner, const std::string& source) {
    auto src = leading_version(base);
    if (!src)
        return util::fail(fmt::format("cannot read a version from the source's release '{}'", base),
                          source, "the source's Makefile should set VERSION and PATCHLEVEL");
    auto stock = leading_version(release);
    if (!stock || stock->major_minor != src->major_minor)
        return util::bad_input(
            fmt::format("the source is version '{}', but the stock kernel '{}' is {}", base,
                        release, stock ? "Linux " + stock->major_minor : "not Linux X.Y"),
            source,
            stock ? fmt::format("prepare the source of Linux {}", stock->major_minor)
                  : "pass --release with the stock kernel's `uname -r`");
    // A sublevel that the stock kernel states and the source contradicts is a proven mismatch.
    // Distributions that keep an ABI name put 0 there ("6.1.0-57", "6.8.0-45"), which says nothing.
    auto upstream = banner_upstream_version(banner);
    if (auto up = leading_version(upstream); up && up->text() != src->text())
        return util::bad_input(
            fmt::format("the stock kernel '{}' was built from {} (its banner says 'Debian {}-'), "
                        "but the source is '{}'",
                        release, up->text(), upstream, base),
            source, fmt::format("prepare the source of {}", up->text()));
    if (!stock->sublevel.empty() && stock->sublevel != "0" && !src->sublevel.empty() &&
        stock->sublevel != src->sublevel)
        return util::bad_input(fmt::format("the stock kernel '{}' is {}, but the source is '{}'",
                                           release, stock->text(), base),
                               source, fmt::format("prepare the source of {}", stock->text()));
    if (release.starts_with(base)) return ReleasePin{release.substr(base.size()), false};
    return ReleasePin{"", true};
}

} // namespace wslmod::kernel

#include "kernel/profile.h"

#include <cstdlib>
#include <fstream>
#include <map>

#include <fmt/format.h>

namespace wslmod::kernel {

std::filesystem::path debian_packages_root() {
    if (const char* f = std::getenv("WSLMOD_FIXTURES"); f && *f) return f;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
        return std::filesystem::path(x) / "wslmod-fixtures";
    return std::filesystem::path(std::getenv("HOME") ? std::getenv("HOME") : "/tmp") /
           ".cache/wslmod-fixtures";
}

util::Result<ProfileInputs> debian_profile(const std::string& series) {
    auto dir = debian_packages_root() / ("debian-" + series) / "current";
    std::ifstream in(dir / "fixture.env");
    if (!in)
        return util::bad_input(
            fmt::format("the Debian {} kernel packages are not here", series), dir.string(),
            "run scripts/setup --deps, which fetches linux-source, linux-image and linux-headers");
    std::map<std::string, std::string> env;
    for (std::string line; std::getline(in, line);) {
        auto eq = line.find('=');
        if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
        env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    ProfileInputs p;
    p.root = dir;
    p.release = env["WSLMOD_FIXTURE_RELEASE"];
    p.version = env["WSLMOD_FIXTURE_VERSION"];
    struct Field {
        const char* key;
        std::filesystem::path* out;
    };
    for (auto f :
         {Field{"WSLMOD_FIXTURE_SOURCE", &p.source}, Field{"WSLMOD_FIXTURE_CONFIG", &p.config},
          Field{"WSLMOD_FIXTURE_KERNEL", &p.stock_kernel},
          Field{"WSLMOD_FIXTURE_MODULES", &p.stock_modules},
          Field{"WSLMOD_FIXTURE_SYMVERS", &p.symvers}}) {
        auto it = env.find(f.key);
        if (it == env.end() || it->second.empty() || !std::filesystem::exists(dir / it->second))
            return util::bad_input(
                fmt::format("the Debian {} kernel packages are incomplete ({})", series, f.key),
                (dir / "fixture.env").string(), "run scripts/setup --deps again");
        *f.out = dir / it->second;
    }
    return p;
}

} // namespace wslmod::kernel

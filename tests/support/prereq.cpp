#include "support/prereq.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>

#include "support/catch.h"
#include "util/process.h"

namespace wslmod::test {

void require(bool ok, const std::string& reason) {
    if (ok) return;
    const char* ci = std::getenv("CI");
    if (ci && *ci && std::string(ci) != "false") FAIL("missing prerequisite in CI: " << reason);
    std::cout << "SKIPPED: " << reason << std::endl;
    std::cerr << "SKIPPED: " << reason << std::endl;
    std::_Exit(77);
}

void require_program(const std::string& program) {
    require(util::find_program(program).has_value(),
            program + " is not in PATH (scripts/setup --deps installs it)");
}

namespace {

std::filesystem::path fixtures_base() {
    const char* env = std::getenv("WSLMOD_FIXTURES");
    if (env && *env) return env;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "wslmod-fixtures";
    return std::filesystem::path(std::getenv("HOME") ? std::getenv("HOME") : "/") / ".cache/wslmod-fixtures";
}

} // namespace

std::filesystem::path dkms_source(const std::string& package) {
    auto usr_src = fixtures_base() / "dkms" / package / "current" / "root/usr/src";
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(usr_src, ec))
        if (std::filesystem::exists(e.path() / "dkms.conf")) return e.path();
    require(false, "no " + package + " source at " + usr_src.string() + " (run scripts/setup --deps)");
    return {};
}

const DebianKernel& debian_kernel() {
    static DebianKernel k = [] {
        DebianKernel d;
        d.root = fixtures_base() / "debian-6.12" / "current";
        std::ifstream in(d.root / "fixture.env");
        require(static_cast<bool>(in), "no stand-in kernel fixture at " + d.root.string() +
                                           " (run scripts/setup --deps)");
        std::map<std::string, std::string> kv;
        for (std::string line; std::getline(in, line);) {
            auto eq = line.find('=');
            if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
            kv[line.substr(0, eq)] = line.substr(eq + 1);
        }
        d.version = kv["WSLMOD_FIXTURE_VERSION"];
        d.release = kv["WSLMOD_FIXTURE_RELEASE"];
        d.kernel = d.root / kv["WSLMOD_FIXTURE_KERNEL"];
        d.config = d.root / kv["WSLMOD_FIXTURE_CONFIG"];
        d.modules = d.root / kv["WSLMOD_FIXTURE_MODULES"];
        d.symvers = d.root / kv["WSLMOD_FIXTURE_SYMVERS"];
        d.source = d.root / kv["WSLMOD_FIXTURE_SOURCE"];
        return d;
    }();
    require(std::filesystem::exists(k.kernel) && std::filesystem::exists(k.modules),
            "the kernel fixture at " + k.root.string() + " is incomplete (run scripts/setup --deps)");
    return k;
}

std::filesystem::path shared_dir() {
    auto dir = std::filesystem::path(WSLMOD_SOURCE_DIR).parent_path() / "shared";
    require(std::filesystem::is_directory(dir / "kernel-configs"),
            "../shared/kernel-configs is missing beside the project at " + dir.string());
    return dir;
}

std::filesystem::path scratch_dir(const std::string& name) {
    auto dir = std::filesystem::path(WSLMOD_BINARY_DIR) / "tests" / "scratch" / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

std::filesystem::path wslmod_binary() { return std::filesystem::path(WSLMOD_BINARY_DIR) / "wslmod"; }

} // namespace wslmod::test

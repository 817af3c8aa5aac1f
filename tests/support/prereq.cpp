#include "support/prereq.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>

#include "kernel/profile.h"
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
    return kernel::debian_packages_root();
}

} // namespace

std::filesystem::path dkms_source(const std::string& package) {
    auto usr_src = fixtures_base() / "dkms" / package / "current" / "root/usr/src";
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(usr_src, ec))
        if (std::filesystem::exists(e.path() / "dkms.conf")) return e.path();
    require(false,
            "no " + package + " source at " + usr_src.string() + " (run scripts/setup --deps)");
    return {};
}

const DebianKernel& debian_kernel() {
    static const auto found = kernel::debian_profile("6.12"); // what the debian profile reads
    require(found.has_value(), found ? "" : found.error().message());
    static const DebianKernel k{found->root,         found->version, found->release,
                                found->stock_kernel, found->config,  found->stock_modules,
                                found->symvers,      found->source};
    return k;
}

const DebianKernel& debian_arm64_kernel() {
    static const auto found = kernel::debian_profile("6.12-arm64");
    require(found.has_value(), found ? "" : found.error().message());
    static const DebianKernel k{found->root,         found->version, found->release,
                                found->stock_kernel, found->config,  found->stock_modules,
                                found->symvers,      found->source};
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

std::filesystem::path wslmod_binary() {
    return std::filesystem::path(WSLMOD_BINARY_DIR) / "wslmod";
}

} // namespace wslmod::test

// A boot of the Debian stand-in kernel through the harness, with its stock boot modules.
#pragma once

#include <filesystem>

#include "support/catch.h"
#include "support/prereq.h"
#include "util/process.h"
#include "verify/boot.h"

namespace wslmod::test {

// The spec for booting the Debian fixture kernel with work files in `workdir`; the caller adds
// the disk and the commands.  Skips (or fails in CI) without QEMU, kmod or busybox-static.
inline verify::BootSpec debian_boot_spec(const std::filesystem::path& workdir) {
    require_program("qemu-system-x86_64");
    require_program("kmod");
    require(std::filesystem::exists("/bin/busybox"),
            "busybox-static is not installed (scripts/setup --deps)");
    const auto& k = debian_kernel();
    verify::BootSpec spec;
    spec.kernel = k.kernel;
    spec.boot_modules_tree = k.modules;
    spec.workdir = workdir;
    return spec;
}

// Boots `spec` and requires that the guest ran to the end with the disk mounted the WSL way;
// failures show the console tail.
inline verify::BootResult boot_ok(const verify::BootSpec& spec, size_t commands) {
    util::SystemRunner runner;
    auto result = verify::boot(spec, runner);
    REQUIRE(result);
    INFO(result->describe());
    REQUIRE(result->ok());
    REQUIRE(result->report.commands.size() == commands);
    return *result;
}

} // namespace wslmod::test

// `wslmod doctor`: whether this machine can build and install, check by check: the toolchain,
// free space, WSL and its version, the running kernel's headers, .wslconfig, and the installed
// generation (stale after a WSL update).  Each check says what to do when it is not ok.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/process.h"
#include "wsl/windows.h"

namespace wslmod::project {

struct Check {
    std::string name, status, message, fix; // status: ok, warn, fail, skip
};

struct DoctorReport {
    std::vector<Check> checks;
    bool stale = false; // the installed image is for a stock kernel WSL no longer has
    bool failed() const;
};

// The "headers" check, for the running kernel `release` on WSL: does
// <modules_root>/<release>/build lead to headers (the image's own, or <prefix>'s copy)?
Check headers_check(const std::filesystem::path& modules_root, const std::filesystem::path& prefix,
                    const std::string& release);

DoctorReport diagnose(const wsl::WindowsOptions& options, util::CommandRunner& runner);

} // namespace wslmod::project

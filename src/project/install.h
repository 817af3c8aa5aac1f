// `wslmod install`: puts a built image in place for WSL, after checking what WSL would
// otherwise fail on at its next start: a WSL older than 2.5.1 (kernelModules= read as a
// boolean), an image that is not a sound VHDX/VHD with ext4, a stock kernel of another release,
// and (when QEMU is here) added modules that do not load in that very kernel.  .wslconfig is
// not touched until all of these pass (wsl/install.h does the edit, generations and rollback).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "project/reporter.h"
#include "verify/boot_check.h"
#include "wsl/install.h"
#include "wsl/windows.h"

namespace wslmod::project {

struct InstallOptions {
    std::filesystem::path image;        // empty: the project's output (wslmod.toml here)
    std::filesystem::path stock_kernel; // empty: WSL's tools\kernel
    std::string load;                   // loadKernelModules=, when not empty
    std::filesystem::path cache;        // for the boot check
    bool force = false, no_verify = false;
};

struct InstallOutcome {
    std::string wsl_version, release;
    std::filesystem::path image, wslconfig;
    std::optional<verify::CheckReport> checked; // the boot check ran (passed, or is the failure)
    std::string skipped;                        // why it did not run, when it did not
    wsl::InstallReport installed;               // set unless failure
    // The boot check failed: nothing was installed, .wslconfig is as it was.
    std::optional<util::Error> failure;
};

util::Result<InstallOutcome> install_image(const InstallOptions& options,
                                           const wsl::WindowsOptions& windows,
                                           util::CommandRunner& runner, Reporter& reporter);

} // namespace wslmod::project

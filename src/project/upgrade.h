// `wslmod upgrade`: after WSL replaced its kernel (a Store or Windows update), move the installed
// image and kernel to the new release in one step, the way DKMS's AUTOINSTALL rebuilds for a new
// kernel, but without ever leaving a half-upgraded system.
//   1. the project: wslmod.toml here, else the one the installed generation was built in;
//   2. due when WSL's tools\kernel is not the kernel the current generation carries;
//   3. the project's inputs are resolved again (profile `wsl` reads the new tools\kernel and
//      modules.vhd, and names the new release's tag; {release} in the manifest follows it);
//   4. a bundled build for the new release (bundle import keeps them in .wslmod/releases/) is
//      assembled without compiling; otherwise every recipe is built (the cache makes unchanged
//      work free), merged, depmod'ed, verified and packed, and boot-tested where QEMU is;
//   5. installed as a new generation that carries the new kernel copy.
// A failure at any step leaves the installed generation and .wslconfig as they were (install
// switches .wslconfig last, wsl/install.h).  With keep_going, recipes that no longer build are
// left out and named, and the rest is upgraded.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "project/build.h"
#include "project/install.h"
#include "project/options.h"
#include "project/reporter.h"
#include "wsl/windows.h"

namespace wslmod::project {

struct UpgradeOptions {
    RecipeOptions run;             // cache, jobs, extra recipe folders, keep_going
    std::filesystem::path project; // empty: here, else the installed generation's
    bool check = false;            // only say whether an upgrade is due
    bool no_verify = false;        // no boot test, even with QEMU here
    bool force = false;            // install an image that was rolled back from
};

struct UpgradeReport {
    std::string state; // "current", "due" (check), "upgraded"
    std::filesystem::path project;
    std::string from_release, to_release; // installed, and WSL's stock kernel now
    std::optional<wsl::Generation> from;  // the generation that was current
    std::vector<std::string> reasons;     // why an upgrade is due
    std::vector<std::string> left_out;    // recipes that did not build (keep_going)
    bool from_bundle = false;             // assembled from a bundled build, nothing compiled
    std::optional<BuildReport> build;
    std::optional<InstallOutcome> installed;
    // Set when the build, the boot test or the install failed: nothing installed changed.
    std::optional<util::Error> failure;
};

util::Result<UpgradeReport> upgrade(const UpgradeOptions& options,
                                    const wsl::WindowsOptions& windows, util::CommandRunner& runner,
                                    Reporter& reporter);

} // namespace wslmod::project

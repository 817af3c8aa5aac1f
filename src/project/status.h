// `wslmod status`: whether a project's image is current (built from what the manifest names
// today), outdated (a recipe or the image differs from the lock), or stale (a kernel input
// changed, as after a WSL update), and what is installed for WSL.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "project/options.h"
#include "recipe/lockfile.h"
#include "recipe/manifest.h"
#include "util/process.h"
#include "wsl/install.h"
#include "wsl/windows.h"

namespace wslmod::project {

// What is installed for WSL, when the Windows side can be reached (inside WSL 2, or with
// --windows-root): the current generation, whether it is this image, and the images marked bad.
struct Installed {
    std::optional<wsl::Generation> current;
    bool this_image = false;
    std::vector<wsl::BadImage> bad;
};

struct StatusReport {
    std::string state; // current, outdated or stale
    std::vector<std::string> outdated, stale;
    std::string image_sha256, release, image;
    std::optional<Installed> installed;
};

util::Result<StatusReport> project_status(const recipe::Manifest& m,
                                          const std::vector<std::string>& extra_recipes,
                                          const wsl::WindowsOptions& windows,
                                          util::CommandRunner& runner);

// The same without what is installed, for inputs already resolved from `m` (its kernel part is
// used): is the project's image the one its inputs give today?
util::Result<StatusReport> image_status(const recipe::Manifest& m, const BuildInputs& in,
                                        const std::vector<std::string>& extra_recipes);

} // namespace wslmod::project

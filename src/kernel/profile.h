// Kernel profiles: where the inputs of a well-known kernel come from.
//   debian   a Debian kernel series (default 6.12): linux-source-<series>, linux-image and
//            linux-headers at one version stand in for a stock kernel (source, published config,
//            bzImage, stock modules).  scripts/setup fetches them with `apt-get download` and
//            unpacks them with `dpkg-deb -x` into $WSLMOD_FIXTURES (default
//            $XDG_CACHE_HOME/wslmod-fixtures)/debian-<series>/current/, described by fixture.env.
//   wsl      WSL's own kernel (the WSL integration).
#pragma once

#include <filesystem>
#include <string>

#include "util/error.h"

namespace wslmod::kernel {

struct ProfileInputs {
    std::filesystem::path root;   // debian: the unpacked packages' folder
    std::string release, version; // version: the Debian package version

    std::filesystem::path source, config, stock_kernel, stock_modules, symvers;
};

// Where scripts/setup unpacks the Debian packages: $WSLMOD_FIXTURES, else
// $XDG_CACHE_HOME/wslmod-fixtures, else ~/.cache/wslmod-fixtures.
std::filesystem::path debian_packages_root();

// The unpacked Debian packages of `series`, or an error saying how to fetch them.
util::Result<ProfileInputs> debian_profile(const std::string& series);

} // namespace wslmod::kernel

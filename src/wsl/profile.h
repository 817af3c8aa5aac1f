// Kernel profile "wsl": the inputs of WSL's own stock kernel.
//   stock kernel   <WSL tools>\kernel (windows.h finds the folder)
//   stock modules  <WSL tools>\modules.vhd
//   release        the stock kernel's version string, e.g. 6.6.87.2-microsoft-standard-WSL2
//   source         the tag archive linux-msft-wsl-<version> of microsoft/WSL2-Linux-Kernel,
//                  <version> being the release without -microsoft-standard-WSL2; it is pinned by
//                  its SHA-256 in wslmod.lock after the first fetch
//   config         arch/x86/configs/config-wsl of that source (Microsoft/config-wsl is a symlink
//                  to it since 6.6.75.3); arch/arm64/configs/config-wsl-arm64 when tools\kernel
//                  is an arm64 Image (Windows on Arm)
// Each can be overridden by a local file in wslmod.toml, for offline and air-gapped machines.
// `release` targets another published WSL kernel than the one installed: its source and config
// still come from its tag, but its stock kernel and modules must then be given (they are not
// in tools\).
#pragma once

#include <filesystem>
#include <string>

#include "util/error.h"
#include "wsl/windows.h"

namespace wslmod::wsl {

struct WslProfile {
    std::string release, version;
    std::filesystem::path stock_kernel,
        stock_modules;      // empty when `release` is not the installed one
    std::string source_url; // empty when the release is not a WSL one
    std::string config = "source:arch/x86/configs/config-wsl";
};

// The tag archive URL of a WSL kernel version ("6.6.87.2").
std::string source_url(const std::string& version);

// The version part of a WSL release ("6.6.87.2-microsoft-standard-WSL2" -> "6.6.87.2"); an
// error for a release that is not a WSL one.
util::Result<std::string> wsl_version_of(const std::string& release);

// The profile for `release` (empty: the installed stock kernel's).
util::Result<WslProfile> wsl_profile(const Windows& windows, const std::string& release);

} // namespace wslmod::wsl

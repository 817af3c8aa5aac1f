// How a prepared tree gets the stock kernel's exact release (its vermagic and UTS_RELEASE),
// whatever shape the release has:
//   - a release that starts with the source's own (Makefile version + CONFIG_LOCALVERSION),
//     "6.12.117" + "+deb12-amd64": the rest goes in a localversion-wslmod file, which Kbuild
//     appends like LOCALVERSION=, so a plain `make kernelrelease` agrees;
//   - any other release, "6.1.0-57-cloud-amd64" from 6.1.192 or Ubuntu's "6.8.0-45-generic"
//     from 6.8.12: KERNELRELEASE=<release> on the modules_prepare command line, as Debian's and
//     Ubuntu's own builds do, so include/generated/utsrelease.h has it.
// LINUX_VERSION_CODE still comes from the source's VERSION/PATCHLEVEL/SUBLEVEL either way.
//
// Before either, the source's version is checked against what the stock kernel says of its own:
// VERSION.PATCHLEVEL always (the release starts with it), SUBLEVEL when the banner carries the
// upstream version (Debian's "... #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)").
#pragma once

#include <string>

#include "util/error.h"

namespace wslmod::kernel {

struct ReleasePin {
    std::string localversion;   // appended by localversion-wslmod
    bool kernelrelease = false; // instead, KERNELRELEASE=<release> on modules_prepare
};

// `base`: what the source's `make kernelrelease LOCALVERSION=` prints; `release`: the stock
// kernel's; `banner`: its whole version string (may be empty); `source`: named in errors.
util::Result<ReleasePin> plan_release_pin(const std::string& base, const std::string& release,
                                          const std::string& banner, const std::string& source);

// The upstream version a distribution banner names ("Debian 6.1.192-3" gives "6.1.192"), or "".
std::string banner_upstream_version(const std::string& banner);

} // namespace wslmod::kernel

// `wslmod headers`: a kernel's headers (kernel/headers.h) handed to the distro, for the
// running WSL kernel, a project's kernel, or a prepared tree.
//   install  <prefix>/linux-headers-<release>/, as a distro's headers package lays it out, made
//            beside and renamed into place; a copy wslmod installed before is replaced whole,
//            anything else there is left alone unless forced.  The copy records itself in
//            .wslmod-headers.json: {"release", "headers" (the cache entry it came from),
//            "via": "install" or "deb"}.
//   deb      linux-headers-<release>_<version>_<arch>.deb holding the same folder under
//            /usr/src, built with dpkg-deb, so apt and the distro's DKMS see installed headers.
// Neither writes /lib/modules/<release>/build: on WSL that folder is the modules image, mounted
// read-only below a tmpfs overlay, so a link made there is gone after `wsl --shutdown`.  The
// image carries the entry instead (modules/assemble.h): the headers folder itself, or a link to
// /usr/src/linux-headers-<release>, which both commands fill.
#pragma once

#include <filesystem>
#include <string>

#include "kernel/headers.h"
#include "project/options.h"
#include "project/reporter.h"
#include "util/process.h"

namespace wslmod::project {

// The headers of the kernel `in` names: its prepared tree (`in.tree`), or the tree its spec
// prepares (from the cache when it was prepared before).
util::Result<kernel::Headers> headers_for(const BuildInputs& in, util::CommandRunner& runner,
                                          Reporter& reporter);

// What /lib/modules/<release>/build is, seen from a headers folder at `dir`.
enum class BuildEntry {
    leads_here, // a link (or chain of links) to `dir`
    in_image,   // a folder with a Makefile: the image's own headers
    elsewhere,  // a link to somewhere else, or to nothing
    missing,    // no such entry (no image for this release mounted)
};
BuildEntry build_entry(const std::filesystem::path& modules_root, const std::string& release,
                       const std::filesystem::path& dir);
std::string to_string(BuildEntry e);

struct HeadersInstall {
    std::filesystem::path dir;
    std::string release;
    std::string state; // "installed", "replaced", "unchanged"
    BuildEntry build = BuildEntry::missing;
};

util::Result<HeadersInstall> install_headers(const kernel::Headers& h,
                                             const std::filesystem::path& prefix, bool force,
                                             const std::filesystem::path& modules_root);

struct HeadersDeb {
    std::filesystem::path file;
    std::string package, version, arch;
    uint64_t installed_kb = 0;
};

// The package's version: the release's leading numbers ("6.12.118" of "6.12.118+deb12-amd64",
// "6.6.87.2" of "6.6.87.2-microsoft-standard-WSL2"), then "-1+" and 8 hex digits of the cache
// entry, so that headers cut from another tree of the same release are a different version.
std::string deb_version(const std::string& release, const std::string& entry);

util::Result<HeadersDeb> write_headers_deb(const kernel::Headers& h,
                                           const std::filesystem::path& out_dir,
                                           util::CommandRunner& runner);

} // namespace wslmod::project

// Deb sources: a distro package that carries a DKMS source below usr/src/ (the *-dkms packages
// Debian and Ubuntu ship by the dozen), fetched with `apt-get download` (no root, nothing
// installed) and unpacked with `dpkg-deb -x`.  apt does the work because it already knows the
// user's mirrors, suites and keys; wslmod only reads what it fetched.
//
// `apt-get download --print-uris PKG[=VERSION]` answers from apt's lists, without the network,
// with one line per package:
//   'http://deb.debian.org/.../v4l2loopback-dkms_0.12.7-2_all.deb' FILE SIZE SHA256:<64 hex>
//   URI (quoted)   the file apt would fetch
//   FILE           <package>_<version>_<arch>.deb, the version's ':' written as %3a
//   SIZE           bytes
//   SHA256:<hex>   the file's digest, as the signed Packages index gives it
// So the version and the digest are known before anything is fetched, and a package already in
// the cache is used from there.
//
// Cache layout, below <cache>/debs/:
//   <sha256>.deb       the package, checked against the index digest (and a lock's)
//   <sha256>/          its unpacked tree (dpkg-deb -x), written whole or not at all
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "recipe/recipe.h"
#include "util/error.h"
#include "util/process.h"

namespace wslmod::recipe {

// One line of `apt-get download --print-uris`.
struct DebUri {
    std::string uri, file, package, version, arch, sha256;
};

// The line of `output` for `package`; an error when there is none or it is malformed.
util::Result<DebUri> parse_print_uris(std::string_view output, const std::string& package);

// A fetched and unpacked package.
struct DebSource {
    DebUri uri;
    std::filesystem::path deb, root; // <cache>/debs/<sha256>.deb and its unpacked tree
    std::filesystem::path dkms_dir;  // root/usr/src/<name>-<version>, the folder with dkms.conf
};

// Fetches `package` at `version` (empty: apt's candidate) into `cache`, unpacks it and finds its
// DKMS source.  `sha256`, when not empty, is what the package must hash to (a lock's pin).
util::Result<DebSource> fetch_deb(const std::string& package, const std::string& version,
                                  const std::string& sha256, const std::filesystem::path& cache,
                                  util::CommandRunner& runner);

// `r` (a deb source) with the package fetched: dkms the unpacked DKMS folder, deb_version the
// version got, sha256 the .deb's digest.  `pin_sha256` as for fetch_deb.
util::Result<Recipe> with_deb_fetched(Recipe r, const std::filesystem::path& cache,
                                      util::CommandRunner& runner,
                                      const std::string& pin_sha256 = "");

// The distro package a name stands for when no recipe has it: NAME itself when it ends in
// -dkms, else NAME-dkms.
std::string dkms_package_for(const std::string& name);

// A recipe for a distro DKMS package with no recipe of its own: named `name`, version "deb"
// until fetched.
Recipe deb_recipe(const std::string& name, const std::string& package,
                  const std::string& version = "");

// True when apt knows `package` (apt-cache show, no network).
bool apt_knows(const std::string& package, util::CommandRunner& runner);

// What `name`, which has no recipe, stands for: the deb recipe of the distro package
// dkms_package_for(name) (named without its -dkms) when apt knows it, else `not_found` with a
// hint that says which package apt lacks and points at `wslmod search`.
util::Result<Recipe> distro_fallback(const std::string& name, util::Error not_found,
                                     util::CommandRunner& runner);

} // namespace wslmod::recipe

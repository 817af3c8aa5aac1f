// wslmod.lock: what a project's image was built from, as digests, so that `wslmod build --locked`
// can refuse a build whose inputs moved, and name them.  `wslmod build` in a project writes it
// (after the new image is in place); nobody edits it.  Paths are left out on purpose: the same
// lock must hold on every machine of an organisation, wherever the cache and the project are.
//
// Format (JSON, keys sorted, two-space indent, one trailing newline; written byte-identically
// for the same contents):
//   {
//     "format": "wslmod-lock-1",
//     "release": "6.12.117+deb12-amd64",     the kernel release the modules are built for
//     "compiler": "gcc (Debian 12.2.0-14) 12.2.0",   first line of `gcc --version`
//     "toolchain": "...",                    gcc, make and pahole versions (the kernel tree's)
//     "kernel": {                            kernel::InputDigests: hex SHA-256 of a file, a
//       "config": "…", "source": "…",        folder's listing digest, "-" when not given
//       "stock-kernel": "…", "stock-modules": "…", "symvers": "-"
//     },
//     "recipes": {                           every recipe built, dependencies included
//       "hello": {
//         "version": "1.0",
//         "files": {"hello.c": "…", "recipe.toml": "…"},   every file of the recipe folder
//                                            (and "dkms/<path>" / "path/<path>" for a source
//                                            folder outside it), by SHA-256 of its contents
//         "archive": "…",                    a url source's SHA-256, or a deb source's .deb's
//                                            (absent otherwise)
//         "package": "v4l2loopback-dkms=0.12.7-2",   a deb source: package=version (absent
//                                            otherwise; its unpacked files are not listed)
//         "modules": ["extra/hello"]         dest/name of every module, as in the image
//       }
//     },
//     "image": "…"                           SHA-256 of the modules image built from all this
//   }
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "recipe/recipe.h"
#include "util/error.h"

namespace wslmod::recipe {

struct LockedRecipe {
    std::string version, archive;
    std::map<std::string, std::string> files;
    std::vector<std::string> modules;
    std::string package; // a deb source's package=version
    bool operator==(const LockedRecipe&) const = default;
};

struct Lock {
    std::string release, compiler, toolchain, image;
    std::map<std::string, std::string> kernel;
    std::map<std::string, LockedRecipe> recipes;
};

constexpr const char* lock_name = "wslmod.lock";

std::string lock_text(const Lock& lock);
util::Result<Lock> parse_lock(std::string_view text, const std::filesystem::path& file);
util::Result<Lock> load_lock(const std::filesystem::path& file);

// What differs between the kernel parts (release, toolchain, compiler, kernel inputs) of
// `locked` and `now`, one phrase each ("kernel input config changed"); empty when they agree.
std::vector<std::string> kernel_differences(const Lock& locked, const Lock& now);

// What differs between the recipes: added, removed, another version, and each file added,
// removed or changed ("recipe hello: patches/fix.patch changed").
std::vector<std::string> recipe_differences(const Lock& locked, const Lock& now);

// The same phrases for one recipe `name`, `locked` against `now`: its version, its archive and
// each file added, removed or changed (modules are not compared; they are known once built).
std::vector<std::string> recipe_differences(const std::string& name, const LockedRecipe& locked,
                                            const LockedRecipe& now);

// How recipe `name`'s files (`r`) differ from what `locked` records for it (phrases as above): only
// the files, since the version, the archive and the package are the lock's own once it is written.
// Bundle import and an upgrade from a bundled build check a recipe with this.
util::Result<std::vector<std::string>>
file_differences(const std::string& name, const LockedRecipe& locked, const Recipe& r);

// A resolved recipe as the lock records it: its files' digests and its archive's.  Modules are
// left to the caller (they are known once built).
util::Result<LockedRecipe> lock_recipe(const Recipe& r);

} // namespace wslmod::recipe

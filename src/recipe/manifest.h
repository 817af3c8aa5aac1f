// wslmod.toml: a project's manifest.  What kernel to build for, which recipes go into the
// image, and where the image goes.  `wslmod init` writes it, `add`/`remove` edit it (keeping
// every comment and the order of everything else), `build` reads it.
//
//   [kernel]
//   profile = "debian"          "wsl": WSL's own stock kernel (the WSL integration fills it in);
//                               "debian": a Debian kernel series whose linux-source, linux-image
//                               and linux-headers packages stand in for a stock kernel;
//                               "custom": the keys below say everything
//   series = "6.12"             debian: the kernel series, with a flavour where Debian builds
//                               several ("6.1-cloud")
//   source = "..."              custom (or an override): source archive, folder or URL
//   source-sha256 = "..."       required with a URL source
//   config = "..."              the published config
//   stock-kernel = "..."        the stock bzImage
//   stock-modules = "..."       folder or VHD/VHDX image
//   symvers = "..."             Module.symvers to use instead of recovering one
//   release = "..."             the release, when there is no stock kernel to read it from
//                               (it also stops `wslmod upgrade` from following WSL's kernel)
//   allow-drift = ["SYMBOL"]
//   cc = "gcc-11"               the compiler (kernel/compiler.h); default: the one matching
//                               the stock kernel's when installed, else gcc
//
//   [recipes]                   in order; "*" takes any version, anything else pins it
//   hello = "*"
//   usbip-extra = "1.0"
//   vpoll = { deb = "vpoll-dkms" }      a distro DKMS package with no recipe of its own
//                                       (recipe/deb_source.h); version = "0.1-3" pins one
//
//   [output]
//   path = "modules.vhdx"       relative to the manifest's folder
//   layout = "flat"             or "artifacts"
//   headers = true              the image carries the kernel headers: build/ (flat), or
//                               <release>/linux-headers/ (artifacts); default false
// In source, config, stock-kernel, stock-modules and symvers, {release} stands for the stock
// kernel's release and {version} for its WSL version (the tag, "6.6.87.2"; the release itself for
// another kernel), so a local mirror ("/srv/wsl/linux-msft-wsl-{version}.tar.gz") follows a WSL
// update.  With profile "wsl", a stock-kernel or stock-modules holding {release} names where the
// stock files of releases other than the installed one are (`bundle export --release`); the
// installed release's still come from WSL's tools folder.  Relative paths are relative to the
// manifest's folder.  Unknown keys are errors, and every
// error names the file, the line and the fix.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace wslmod::recipe {

struct ManifestRecipe {
    std::string name, version; // version "*": any
    int line = 0;
    std::string deb, deb_version; // `name = { deb = "...", version = "..." }`
};

struct Manifest {
    std::filesystem::path file, dir;
    std::string profile = "debian", series = "6.12";
    std::string source, source_sha256, config, stock_kernel, stock_modules, symvers, release,
        cc; // paths absolute
    std::vector<std::string> allow_drift;
    std::vector<ManifestRecipe> recipes;
    std::filesystem::path output; // absolute
    std::string layout = "flat";
    bool headers = false;
};

constexpr const char* manifest_name = "wslmod.toml";

util::Result<Manifest> parse_manifest(std::string_view text, const std::filesystem::path& file);
util::Result<Manifest> load_manifest(const std::filesystem::path& file);

// The text `wslmod init` writes.
std::string manifest_text(const std::string& profile, const std::string& series);

// `text` with `names` added at the end of [recipes] (the table is created when missing); names
// already there are left as they are.  Comments, order and everything else stay byte for byte.
std::string add_recipes(std::string_view text, const std::vector<std::string>& names);

// The same with each entry's value given as TOML text ("\"*\"", "{ deb = \"x-dkms\" }").
std::string add_recipe_entries(std::string_view text,
                               const std::vector<std::pair<std::string, std::string>>& entries);

// `text` without the [recipes] lines of `names`; a name that is not there is an error.
util::Result<std::string> remove_recipes(std::string_view text, const std::filesystem::path& file,
                                         const std::vector<std::string>& names);

} // namespace wslmod::recipe

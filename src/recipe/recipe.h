// A recipe: how to build one set of out-of-tree modules, declared in TOML.
//
// module-recipes/<name>/recipe.toml, with optional patches/ and files/ beside it:
//   name = "hello"              version = "1.0"       summary = "..."
//   license = "GPL-2.0"         homepage = "https://..."
//   firmware = "..."            what firmware the modules load and which distro package has it:
//                               the modules image carries none, so the distro must
//   depends = ["other-recipe"]  replaces = ["stock_module"]   patches = ["patches/01.patch"]
//   [source]        exactly one of:
//     kernel-tree = "drivers/usb/serial"    in-tree driver folder(s) (a string or an array),
//                                           built from a copy with [kconfig]
//     path = "files"                        a folder beside the recipe
//     url = "https://..." + sha256 = "..."  an archive, checked (a mismatch is fatal)
//     dkms = "files/dkms-src"               a folder holding a dkms.conf
//     deb = "v4l2loopback-dkms"             a distro package holding a DKMS source below
//       (+ version = "0.12.7-2")            usr/src/, fetched with apt-get download (never
//                                           installed) and built through the dkms path
//   [kconfig]       (kernel-tree only) OPTION = "m" for options the stock config leaves unset
//   [build]         make-args = [...], env = { KEY = "value" },
//                   command = "make KERNEL_DIR=${kernel_source_dir} all"   (default: Kbuild's
//                             make -C <tree> M=<build> modules), run by bash in the build folder
//                             with kernelver, kernel_source_dir, build_dir and arch exported,
//                   pre-build = "./configure", post-build = "...",  (same environment)
//                   modules = ["name", { name = "x", dest = "kernel/drivers/...", location = "src"
//                   , strip = true }] (dest defaults to extra/<recipe>/; location is the folder
//                   below the build folder where the .ko appears, default: found anywhere, once) A
//                   dkms source may leave modules out: dkms.conf names them.
//   [requires]      kernel = ">=6.1, <6.19"   kernel-match = "^6\\.12\\."   (a regex)
//                   arch = ["x86_64"]         config = ["CONFIG_USB=y|m"]
// Unknown keys are errors; every error names the file and line and says what to write instead.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace wslmod::recipe {

enum class SourceKind { kernel_tree, path, url, dkms, deb };
std::string to_string(SourceKind kind);

struct ModuleSpec {
    std::string name;     // as the kernel names it (without .ko)
    std::string dest;     // folder below lib/modules/<release>/
    std::string location; // folder below the build folder holding the .ko; empty: search
    bool strip = false;   // `strip -g` the built .ko (DKMS's STRIP, which defaults to yes)
};

// "CONFIG_USB=y|m": the symbol must have one of the values (n: unset).
struct ConfigCondition {
    std::string symbol; // without CONFIG_
    std::set<std::string> values;
};

// One comparison of a release range, e.g. ">=" "6.1".
struct VersionBound {
    std::string op;
    std::string version;
};

struct Recipe {
    std::filesystem::path dir, file;
    std::string name, version, summary, license, homepage;
    std::string firmware; // the firmware the modules load, and the distro package that has it
    SourceKind source = SourceKind::path;
    std::vector<std::string> kernel_tree;       // kernel_tree: folders of the kernel source
    std::map<std::string, std::string> kconfig; // kernel_tree: OPTION (without CONFIG_) -> "m"
    std::filesystem::path path;                 // path (absolute, inside dir)
    std::string url, sha256;                    // url
    std::filesystem::path dkms;                 // dkms (absolute, inside dir); deb: the
                                                // unpacked usr/src/<name>-<version>, once fetched
    std::string deb, deb_version;               // deb: the package, and the version asked for
                                                // (empty: apt's candidate) or, once fetched, got;
                                                // its .deb's SHA-256 goes into sha256
    std::string dkms_name, dkms_version;        // dkms/deb, once evaluated: PACKAGE_NAME/_VERSION
    std::vector<std::filesystem::path> patches; // absolute, inside dir, in order
    std::vector<std::string> make_args;
    std::map<std::string, std::string> make_env;
    std::string command;               // empty: Kbuild's default
    std::string pre_build, post_build; // shell commands, may be empty
    std::vector<ModuleSpec> modules;
    std::vector<std::string> depends, replaces;
    std::vector<VersionBound> kernel; // all must hold
    std::string kernel_match;         // ECMAScript regex the release must match; empty: any
    std::vector<std::string> arch;    // empty: any
    std::vector<ConfigCondition> config;
};

// Parses recipe text; `file` names it in errors and anchors relative paths (its folder).
util::Result<Recipe> parse_recipe(std::string_view text, const std::filesystem::path& file);

// A recipe name, wherever one is accepted (recipe.toml, [recipes], the command line): a
// lower-case letter or digit, then lower-case letters, digits and . _ + -.  So a name is always
// one path component, and `recipe show ../../x` cannot name a folder outside the search path.
bool is_recipe_name(std::string_view name);
// The same as an error naming `where`, with the rule in the hint.
util::Result<void> check_recipe_name(std::string_view name, const std::string& where);

// Reads <dir>/recipe.toml.
util::Result<Recipe> load_recipe(const std::filesystem::path& dir);

// Compares dotted releases numerically ("6.12.117+deb12-amd64" vs "6.13"): -1, 0 or 1.
int compare_versions(std::string_view a, std::string_view b);

// True when `release` satisfies every bound.
bool release_in_range(const std::string& release, const std::vector<VersionBound>& bounds);

} // namespace wslmod::recipe

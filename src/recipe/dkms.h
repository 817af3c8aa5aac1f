// dkms.conf: evaluated the way DKMS 3 evaluates it, then mapped onto a recipe::Recipe.
//
// A dkms.conf is a bash fragment, so only bash can read it: `bash -n` checks it, then a bash child
// sources it in its own folder with the variables DKMS sets first (kernelver, arch,
// kernel_source_dir, kernel_config, dkms_tree, source_tree, install_tree, module, module_version)
// and prints `declare -p` of the variables DKMS reads.  parse_declare_p reads that back; it is
// hand-written because no library parses bash's own quoting ("..." with \" \\ \$ \` escapes,
// $'...' ANSI-C strings, arrays as ([0]="a" [3]="b"), newlines inside values).
//
// Mapping (DKMS -> Recipe):
//   PACKAGE_NAME, PACKAGE_VERSION       name, version (both required)
//   BUILT_MODULE_NAME[i]                modules[i].name; a single record without one gets
//                                       PACKAGE_NAME (as DKMS does), otherwise an error
//   BUILT_MODULE_LOCATION[i]            modules[i].location (normalised, no trailing /)
//   STRIP[i]                            modules[i].strip: `strip -g` unless it starts n/N (unset:
//                                       STRIP[0], and unset there: yes, as DKMS has it)
//   DEST_MODULE_LOCATION[i]             modules[i].dest without its leading / (empty: extra/<name>)
//   DEST_MODULE_NAME[i]                 must equal BUILT_MODULE_NAME[i] (renaming: error)
//   MAKE[i] + MAKE_MATCH[i]             command, the one DKMS picks for the release, with a leading
//                                       `make` turned into `make KERNELRELEASE=<release>` (no -j:
//                                       wslmod passes a jobserver); unset: empty (Kbuild default)
//   PATCH[i] + PATCH_MATCH[i]           patches, <dir>/patches/<PATCH[i]>, which must exist
//   PRE_BUILD, POST_BUILD               pre_build, post_build as "./<script> <args>" (DKMS runs
//                                       <build>/<script>); the script must exist
//   BUILD_EXCLUSIVE_KERNEL              kernel_match (a regex)
//   BUILD_EXCLUSIVE_KERNEL_MIN / _MAX   kernel {">=", v} / {"<=", v}
//   OBSOLETE_BY                         kernel {"<", v}
//   BUILD_EXCLUSIVE_ARCH                arch (one entry, a regex in DKMS)
//   BUILD_EXCLUSIVE_CONFIG              config: "CONFIG_A !CONFIG_B" -> A=y|m, B=n
//   BUILD_DEPENDS                       depends
//   build_exclude, DKMS_DIRECTIVE*      errors: they change the build and have no mapping
//   the rest (CLEAN, AUTOINSTALL, install scripts, signing, deprecated MODULES_CONF...)
//                                       ignored; ignored_dkms_variables() lists them with why
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "recipe/recipe.h"
#include "util/bash_declare.h"
#include "util/process.h"

namespace wslmod::recipe {

// The kernel a dkms.conf is evaluated for, with the values DKMS gives it.
struct DkmsKernel {
    std::string release;              // kernelver, e.g. 6.12.117+deb12-amd64
    std::filesystem::path source_dir; // kernel_source_dir (a prepared tree holding .config)
    std::filesystem::path dkms_tree;  // dkms_tree; the build folder is dkms_tree/NAME/VERSION/build
    std::string arch = "x86_64";
};

// A kernel whose values are the placeholders ${kernelver}, ${kernel_source_dir} and ${dkms_tree},
// for importing a dkms.conf without a real kernel.
DkmsKernel placeholder_kernel();

// True for placeholder_kernel().
bool is_placeholder(const DkmsKernel& k);

// Replaces the values of `k` in `s` with the variables wslmod exports at build time: first
// <dkms_tree>/<name>/<version>/build -> ${build_dir}, then source_dir -> ${kernel_source_dir},
// then release -> ${kernelver}.
std::string to_placeholders(std::string s, const DkmsKernel& k);

using util::BashVar;
using util::BashVars;
using util::parse_declare_p; // util/bash_declare.h

// The variables of an evaluated dkms.conf.
struct DkmsConf {
    std::filesystem::path file; // <dir>/dkms.conf
    BashVars vars;              // the DKMS variables that are set
    std::string messages;       // what sourcing wrote to stderr (kept for diagnostics)

    bool has(const std::string& name) const { return vars.count(name) != 0; }
    // The element at `index` of `name`, or "" when unset.
    std::string get(const std::string& name, long index = 0) const;
    // All elements of `name`; empty when unset.
    const BashVar& items(const std::string& name) const;
};

// The variables DKMS reads from a dkms.conf (DKMS 3.0's list, plus 3.1's _MIN/_MAX).
const std::vector<std::string>& dkms_variables();

// Checks <dir>/dkms.conf with `bash -n`, then sources it in `dir` for kernel `k` through `runner`
// and reads the DKMS variables back.
util::Result<DkmsConf> evaluate_dkms(const std::filesystem::path& dir, const DkmsKernel& k,
                                     util::CommandRunner& runner);

// Maps an evaluated `conf` for kernel `k` onto a Recipe (source dkms, dkms = conf.file's folder).
// recipe.dir and recipe.file are left empty for the caller.
util::Result<Recipe> recipe_from_dkms(const DkmsConf& conf, const DkmsKernel& k);

// evaluate_dkms, then the mapping above.
util::Result<Recipe> recipe_from_dkms(const std::filesystem::path& dir, const DkmsKernel& k,
                                      util::CommandRunner& runner);

// "NAME: why" for each variable `conf` sets that the mapping ignores, for the CLI to show.
std::vector<std::string> ignored_dkms_variables(const DkmsConf& conf);

} // namespace wslmod::recipe

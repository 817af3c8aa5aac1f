// The commands that build a staged recipe, as values: which program runs where, with which
// environment.  Pure, so the command lines (the jobserver, the CC launcher, the in-tree
// [kconfig] switches) are unit-tested without running make.
//
// Every step sees, like DKMS's: kernelver, kernel_source_dir, build_dir, arch; for a DKMS
// source also dkms_tree, source_tree, install_tree (/lib/modules), kernel_config, module,
// module_version, PACKAGE_NAME and PACKAGE_VERSION, as dkms(8) lists them; MAKEFLAGS
// joining wslmod's jobserver (and carrying CC=<launcher> gcc as a command-line override when a
// launcher is set); KBUILD_EXTRA_SYMBOLS naming the Module.symvers of the recipes it depends on;
// and the recipe's [build] env; and KCFLAGS with -ffile-prefix-map for the build folder and the
// tree (reproducible_cflags), so that no path of this machine, cache or process ends up in a
// module's debug info or __FILE__: the same inputs give the same .ko for every user.
//   pre-build    bash -c <pre-build> in the build folder
//   build        bash -c <command> in the build folder, or Kbuild's
//                make -C <tree> M=<build folder> <make-args> modules
//                kernel-tree: once per folder, with CONFIG_X=m for each [kconfig] option (which
//                selects its files), every other CONFIG_ that selects a module in that folder's
//                Kbuild file set empty (so only the asked-for modules build), and
//                KCFLAGS=-include <kconfig header> so that the compiled code sees CONFIG_X_MODULE
//                (IS_ENABLED(CONFIG_X) is true, as it would be in a kernel configured with it)
//   post-build   bash -c <post-build> in the build folder
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "recipe/recipe.h"
#include "util/process.h"

namespace wslmod::engine {

struct StepContext {
    std::filesystem::path tree, build_dir;
    std::string release, arch = "x86_64";
    std::string makeflags; // Jobserver::makeflags(launcher_overrides(...))
    std::vector<std::filesystem::path> extra_symbols; // dependencies' Module.symvers
    std::map<std::string, std::string> kbuild; // kernel-tree folder -> its Kbuild/Makefile text
    // DKMS's own variables (dkms(8)), so that a dkms.conf line or PRE_BUILD script written for
    // DKMS finds what DKMS would give it; empty dkms_tree: not a DKMS source.
    std::filesystem::path dkms_tree, source_tree; // build_dir = dkms_tree/NAME/VERSION/build
    std::string package, package_version;         // PACKAGE_NAME, PACKAGE_VERSION
};

struct Step {
    std::string what; // "pre-build", "build drivers/usb/serial", ...
    util::Command cmd;
};

// The CONFIG_ symbols (without CONFIG_) that select modules or subfolders in a Kbuild file:
// those of obj-$(CONFIG_X) lines.
std::set<std::string> kbuild_module_symbols(const std::string& kbuild_text);

// #defines that make CONFIG_X=m visible to C code: CONFIG_X_MODULE 1 for each option.
std::string kconfig_header(const std::map<std::string, std::string>& kconfig);

// Where the header goes inside the build folder.
std::filesystem::path kconfig_header_path(const std::filesystem::path& build_dir);

// The make variable that names the tree's compiler, with a launcher in front of it when one is
// asked for ("CC=ccache gcc-11"); none for plain gcc without a launcher (Kbuild's default).
std::vector<std::string> launcher_overrides(const std::string& cc_launcher,
                                            const std::string& cc = "gcc");

// -ffile-prefix-map=<build folder>=/usr/src/<name>-<version> (where DKMS would build it) and
// -ffile-prefix-map=<tree>=/usr/src/linux-headers-<release>.
std::string reproducible_cflags(const recipe::Recipe& r, const StepContext& ctx);

std::vector<Step> build_steps(const recipe::Recipe& r, const StepContext& ctx);

} // namespace wslmod::engine

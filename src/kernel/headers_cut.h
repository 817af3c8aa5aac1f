// Which files of a prepared kernel tree make its headers: the part `make -C <headers> M=<dir>`
// reads to build an out-of-tree module, and nothing else.  The cut follows the kernel's own
// scripts/package/install-extmod-build (6.12), which `make deb-pkg` and Debian's 6.x
// linux-headers packages use:
//   source side  Makefile; arch/<A>/Makefile*; every include/ folder under arch/<A>/;
//                arch/<A>/**/Kbuild.platforms and Platform; include/ except include/config/
//                and include/generated/ (taken whole from the build side below)
//   build side   Module.symvers; include/config/auto.conf and kernel.release;
//                include/generated/; arch/<A>/include/generated/;
//                tools/objtool/objtool (CONFIG_OBJTOOL);
//                tools/bpf/resolve_btfids/resolve_btfids (CONFIG_DEBUG_INFO_BTF_MODULES);
//                scripts/gcc-plugins/*.so (CONFIG_GCC_PLUGINS)
//   scripts/     everything below it except the atomic/, dtc/, kconfig/ and package/ folders
//                and the unifdef and mk_elfconfig programs, as upstream; and, unlike upstream,
//                without the host programs' C sources: the built programs come along, so only
//                scripts/module-common.c, which every module build compiles (6.10+), stays
// Added to upstream's cut: .config (DKMS and BUILD_EXCLUSIVE_CONFIG read it) and the tree's
// localversion* files (they pin the release for `make kernelrelease`).  Object files and
// `.*.cmd` files are never part of it; the .cmd files hold the absolute paths of the tree.
// Kconfig files are left out, as upstream and Debian 6.12 leave them out: a module build does
// not read them.
#pragma once

#include <string>
#include <string_view>

#include "kernel/config.h"
#include "util/error.h"

namespace wslmod::kernel {

struct HeadersCut {
    std::string srcarch; // "x86", "arm64"
    bool objtool = false, btf_modules = false, gcc_plugins = false;
};

// The cut for a tree with this .config; an architecture wslmod does not know is an error.
util::Result<HeadersCut> headers_cut_for(const KernelConfig& config, const std::string& where);

// Whether the file (or symlink) at `rel` (relative, '/'-separated) is in the cut.
bool in_headers_cut(std::string_view rel, const HeadersCut& cut);

} // namespace wslmod::kernel

// The part of a kernel source that a prepared tree holds: what `make olddefconfig`,
// `make modules_prepare` and an out-of-tree module build read.  Traced on Debian's 6.12 and 6.1
// (every file the three open, by strace) and kept with margin:
//   every file named Kconfig*, Makefile* or Kbuild*, anywhere: Kconfig reads the whole menu
//     tree, Kbuild the Makefiles of the folders it enters
//   the files at the top (Makefile, Kconfig, Kbuild, localversion*, ...)
//   include/, scripts/, kernel/ (bounds.c, time/timeconst.bc), certs/, usr/ and arch/<A>/, whole
//   security/selinux/include/ (scripts/selinux's host programs read it); for arm64, lib/vdso/
//     and arch/arm/vdso/ (modules_prepare builds the vDSOs, the compat one with vdsomunge)
//   tools/: objtool/, bpf/resolve_btfids/ and what they build from: build/, include/, lib/,
//     scripts/, arch/<A>/, and tools/Makefile
//   the published config, when it is a file of the source ("source:arch/x86/configs/config-wsl")
// What is left out, the sources of drivers, filesystems, networking and sound, Documentation
// and the tools' tests, is 90% of a 1.4 GB source.  A kernel-tree recipe's folders are
// extracted when a build first needs them (source_folders.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kernel/config.h"

namespace wslmod::kernel {

struct SourceSubset {
    std::string srcarch;          // "x86", "arm64"
    std::string config_in_source; // the published config's path in the source, or ""
};

// Whether the file, link or folder at `rel` (relative, '/'-separated) is in the subset.
// Folders are kept only when something below them is; extractors create them as needed.
bool in_source_subset(std::string_view rel, const SourceSubset& subset);

// The source architecture a published config is for: CONFIG_X86 or CONFIG_ARM64 when the config
// could be read before extracting (`config`), else the config's own path in the source
// ("arch/<A>/configs/..."); nullopt for any other, whose source is then extracted whole.
std::optional<std::string> subset_srcarch(const KernelConfig* config,
                                          const std::string& config_in_source);

} // namespace wslmod::kernel

// Every config symbol a kernel source defines: the `config X` and `menuconfig X` entries of its
// Kconfig files.  A published config that sets a symbol no Kconfig here defines was made from
// another tree (PREEMPT_RT, a vendor's patches, a custom WSL kernel), which olddefconfig then
// silently drops: that is a wrong source, not a missing tool.
//
// Written by hand: a line scan of Kconfig files is all this needs, and running scripts/kconfig
// for its symbol list would mean building conf first.
#pragma once

#include <filesystem>
#include <set>
#include <string>

namespace wslmod::kernel {

// The symbols (without CONFIG_) defined below `source`, in files whose name starts "Kconfig".
std::set<std::string> kconfig_symbols(const std::filesystem::path& source);

} // namespace wslmod::kernel

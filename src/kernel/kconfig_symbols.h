// What a kernel source's Kconfig files say about its symbols: which ones it defines (`config X`
// and `menuconfig X` entries) and which symbols each one depends on.
//   - A published config that sets a symbol no Kconfig here defines was made from another tree
//     (PREEMPT_RT, a vendor's patches, a custom WSL kernel), which olddefconfig then silently
//     drops: that is a wrong source, not a missing tool.
//   - A dropped symbol that depends on another dropped symbol fell with it, so the refusal names
//     the one it depends on as the cause (kernel/drift.h).
//
// Written by hand: a line scan of Kconfig files is all this needs, and running scripts/kconfig
// for its symbol list would mean building conf first.  The dependencies of an entry are the
// symbols named by its `depends on` lines and by the `if` blocks and `menu ... depends on`
// around it in the same file; an `if` around a `source` line does not reach into the sourced
// file, which only makes a consequence show as a cause of its own.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>

namespace wslmod::kernel {

struct KconfigIndex {
    std::set<std::string> defined;                           // symbols without CONFIG_
    std::map<std::string, std::set<std::string>> depends_on; // symbol -> symbols its deps name
};

// The index of every file below `source` whose name starts "Kconfig".
KconfigIndex kconfig_index(const std::filesystem::path& source);

// One file's text, added to `index` (kconfig_index's parser, for tests on buffers).
void add_kconfig_text(KconfigIndex& index, const std::string& text);

} // namespace wslmod::kernel

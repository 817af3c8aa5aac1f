// Packs a modules tree into a VHDX the way Microsoft's gen_modules_vhdx.sh does (an ext4 image
// 256 MiB larger than the data, filled with `mke2fs -t ext4 -d`, then `qemu-img convert -O
// vhdx`), without root.  It is the reference fixture that wslmod's own images are compared with.
#pragma once

#include <filesystem>

namespace wslmod::test {

// Packs the contents of `tree` (a lib/modules/<release> folder) as the filesystem root into
// `out` (.vhdx).  Reuses `out` when a previous run completed it.  Fails the test on error.
void pack_like_microsoft(const std::filesystem::path& tree, const std::filesystem::path& out);

} // namespace wslmod::test

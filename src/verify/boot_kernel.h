// The file QEMU's `-kernel` starts for a boot check.  When the stock kernel is a bzImage whose
// vmlinux has a PVH entry note (kernel/pvh.h), that vmlinux, decompressed once and kept: QEMU
// then enters it directly, with no firmware and no decompressor, which under TCG saves about a
// second per boot (Debian's 6.12: 7.2 s -> 6.3 s for the same 26 modules).  The code that runs
// is the bzImage's own payload, so every module loads or fails exactly as it would otherwise.
// Otherwise (WSL's kernels have no PVH note; a damaged payload; a full disk) the bzImage itself,
// as before: choosing is an optimisation and never fails a boot.
//
// Kept as <store>/vmlinux-<first 32 hex of the bzImage's SHA-256>.elf, or an empty
// <store>/vmlinux-<same>.none when its vmlinux has no PVH entry, so neither is worked out twice
// (a payload that does not decompress is not remembered).
#pragma once

#include <filesystem>
#include <string>

namespace wslmod::verify {

struct BootKernel {
    std::filesystem::path path; // what -kernel is given
    std::string entry;          // "pvh" or "bzImage"
};

BootKernel boot_kernel(const std::filesystem::path& bzimage, const std::filesystem::path& store);

} // namespace wslmod::verify

// Whether a vmlinux ELF can be started at its PVH entry point, the way QEMU's `-kernel` starts
// an uncompressed x86 vmlinux: straight into 32-bit protected mode, with no firmware, no real-
// mode setup code and no decompressor.  The boot check uses it to skip the bzImage's own
// decompression, which under TCG costs about a second of every boot; the kernel that runs is
// the same code (the bzImage's payload, byte for byte).
//
// The entry point is an ELF note in a PT_NOTE segment (include/xen/interface/elfnote.h):
//   namesz u32  4          name "Xen\0"
//   descsz u32  4          desc u32: the 32-bit physical entry address
//   type   u32  18         XEN_ELFNOTE_PHYS32_ENTRY, present when CONFIG_PVH=y
// Debian's amd64 kernels have it; WSL's (CONFIG_PVH unset) do not, and boot as bzImages.
#pragma once

#include <cstddef>
#include <span>

namespace wslmod::kernel {

// True when `elf` is an x86-64 ELF executable with a XEN_ELFNOTE_PHYS32_ENTRY note.  Anything
// else, a damaged file included, is false.
bool has_pvh_entry(std::span<const std::byte> elf);

} // namespace wslmod::kernel

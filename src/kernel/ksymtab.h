// Exported symbols read from kernel ELF images: the linked vmlinux inside a bzImage, and kernel
// modules (.ko, relocatable).
//
// x86-64 kernels 6.1-6.18 keep exports in these sections (CONFIG_HAVE_ARCH_PREL32_RELOCATIONS):
//   __ksymtab, __ksymtab_gpl   struct kernel_symbol, 12 bytes each:
//                                +0 s32 value_offset      \  each relative to the address of
//                                +4 s32 name_offset        > its own field
//                                +8 s32 namespace_offset  /   (namespace 0: none)
//   __kcrctab, __kcrctab_gpl   u32 CRC (CONFIG_MODVERSIONS), entry i belongs to ksymtab entry i
//   __ksymtab_strings          the names and namespaces, NUL-terminated
// arm64 kernels lay out the same tables; an arm64 Image has no sections, see arm64_image.h.
// In a module the offsets are not yet resolved: .rela__ksymtab(_gpl) holds R_X86_64_PC32 (arm64:
// R_AARCH64_PREL32) relocations whose target (symbol value + addend) lies in __ksymtab_strings;
// CRCs are literal u32s, or on older kernels R_X86_64_32 relocations against absolute __crc_<name>
// symbols. A layout that does not fit this (other entry sizes, CRC tables of another length, the
// __kflagstab of later kernels) is refused rather than guessed at.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::kernel {

struct Export {
    std::string symbol;
    uint32_t crc = 0;
    bool gpl = false; // EXPORT_SYMBOL_GPL
    std::string ns;   // symbol namespace, empty when none
};

// Exports of a linked vmlinux (ET_EXEC) held in memory.
util::Result<std::vector<Export>> vmlinux_exports(std::span<const std::byte> elf,
                                                  const std::string& origin);

// Exports of a kernel module (ET_REL) held in memory (decompressed).
util::Result<std::vector<Export>> module_exports(std::span<const std::byte> elf,
                                                 const std::string& origin);

} // namespace wslmod::kernel

// An arm64 kernel `Image` (Documentation/arch/arm64/booting.rst), read from memory: its boot
// header, its release, and its exported symbols, found without section headers.
//
// The header, 64 bytes at offset 0 (all little-endian):
//   0x00 u32 code0        executable code ("MZ" and a branch when there is an EFI stub)
//   0x04 u32 code1
//   0x08 u64 text_offset  image load offset
//   0x10 u64 image_size   effective image size (0: unknown, kernels before 3.17)
//   0x18 u64 flags        bit 0: big-endian; bits 1-2: page size (1 4K, 2 16K, 3 64K)
//   0x20 u64 res2, 0x28 u64 res3, 0x30 u64 res4
//   0x38 u32 magic        0x644d5241, "ARM\x64"
//   0x3C u32 res5         offset of the PE header (EFI stub), or 0
// The rest of the file is the kernel's memory image from _text on: a field at file offset p
// has address _text + p, so a PREL32 offset read at p points at file offset p + offset.
//
// The release comes from linux_banner, "Linux version <release> (<by>@<host>) (<compiler>,
// <linker>) #<n> ...", whose version string is kept without its compiler group: the form of a
// bzImage header's ("<release> (<by>@<host>) #<n> ..."), which the source checks read.
//
// Exports.  An Image has no sections, so the tables that a vmlinux keeps in __ksymtab,
// __ksymtab_gpl, __kcrctab, __kcrctab_gpl and __ksymtab_strings (ksymtab.h) are found by their
// shape.  include/asm-generic/vmlinux.lds.h lays them out back to back, in that order, each
// table sorted by name (SORT(___ksymtab+*)):
//   ksymtab       N entries of 12 bytes: s32 value_offset, s32 name_offset, s32 namespace_offset
//   ksymtab_gpl   M entries, the same
//   kcrctab       N u32 CRCs, entry i for ksymtab entry i
//   kcrctab_gpl   M u32 CRCs
//   strings       NUL-terminated names and namespaces
// The method:
//   1. every 4-byte-aligned p is a candidate entry when p + 4 + name_offset falls inside the
//      file on a C identifier of 1 to 255 bytes ended by NUL; the longest run of candidates
//      12 bytes apart is the two symbol tables;
//   2. check: the lowest string any entry names starts exactly 16 bytes per entry after the
//      run's start (12 for its entry, 4 for its CRC), which is what the layout above gives and
//      what no other run of data would;
//   3. the one place where the names stop ascending splits ksymtab from ksymtab_gpl (no place,
//      or more than one, is refused);
//   4. the CRCs are the u32s right after the run; namespace_offset 0 or an empty string means
//      no namespace, any other must be a printable string ("USB_STORAGE", "module:kvm").
// A run shorter than 64 entries, a failed check, or a namespace that is not a string is
// refused with the reason, never guessed at.  A later layout (one table with a __kflagstab of
// flags instead of a separate GPL table) does not fit step 3 and is refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "kernel/ksymtab.h"
#include "util/error.h"

namespace wslmod::kernel {

struct Arm64ImageHeader {
    uint64_t text_offset = 0, image_size = 0, flags = 0;
    std::string version_string; // linux_banner after "Linux version "
    std::string release;        // its first word
};

// True when `image` starts with an arm64 Image header (the magic at 0x38).
bool is_arm64_image(std::span<const std::byte> image);

util::Result<Arm64ImageHeader> parse_arm64_image(std::span<const std::byte> image,
                                                 std::string_view origin);

// The exports of the kernel in `image`, by the method above.
util::Result<std::vector<Export>> arm64_image_exports(std::span<const std::byte> image,
                                                      const std::string& origin);

} // namespace wslmod::kernel

// The x86 boot header of a bzImage (Documentation/arch/x86/boot.rst), decoded from memory.
//
// Fields used, at file offsets (all little-endian):
//   0x1F1 u8   setup_sects      setup code size in 512-byte sectors (0 means 4)
//   0x1FE u16  boot_flag        0xAA55
//   0x202 u32  header           "HdrS"
//   0x206 u16  version          boot protocol, e.g. 0x020F
//   0x20E u16  kernel_version   offset - 0x200 of a NUL-terminated version string
//                               ("6.12.117+deb12-amd64 (debian-kernel@...) #1 SMP ...")
//   0x248 u32  payload_offset   (protocol >= 2.08) compressed vmlinux, relative to the
//   0x24C u32  payload_length   protected-mode code at (setup_sects + 1) * 512
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::kernel {

struct BzImageHeader {
    uint16_t protocol = 0;
    std::string version_string;  // whole banner, e.g. "6.12.117+deb12-amd64 (...) #1 SMP ..."
    std::string release;         // its first word: what `uname -r` prints
    uint64_t payload_offset = 0; // absolute file offset of the compressed payload (0: unknown)
    uint64_t payload_length = 0;
};

// Decodes the header of `image`; `origin` names the file in errors.
util::Result<BzImageHeader> parse_bzimage(std::span<const std::byte> image,
                                          std::string_view origin);

// The uncompressed vmlinux ELF inside `image`: the payload, decompressed with whatever its magic
// says (gzip, xz, zstd, lz4, lzma, bzip2) and checked against the size x86's boot Makefile
// appends to it.
util::Result<std::vector<std::byte>> bzimage_vmlinux(std::span<const std::byte> image,
                                                     std::string_view origin);

} // namespace wslmod::kernel

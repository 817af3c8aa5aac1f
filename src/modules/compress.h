// Module compression the way Kbuild's `make modules_install` does it, so that added modules sit
// beside the stock ones in the same form (CONFIG_MODULE_COMPRESS_{GZIP,XZ,ZSTD}):
//   xz    `xz --check=crc32 --lzma2=dict=1MiB` (liblzma directly: libarchive's xz writer
//         always uses CRC64, and the kernel's in-kernel decompressor checks CRC32)
//   zstd  a standard zstd frame (libarchive's raw writer)
//   gzip  a gzip member with no name and a zero mtime, so that output is reproducible
// Deterministic: the same input gives the same bytes.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::modules {

enum class Compression { none, gzip, xz, zstd };

// From kernel::ModuleFacts::compression ("none", "gzip", "xz", "zstd").
util::Result<Compression> compression_from_string(const std::string& name);
std::string to_string(Compression c);

// The file suffix after ".ko": "", ".gz", ".xz" or ".zst".
std::string suffix(Compression c);

// `elf` compressed as `c` (a copy when `c` is none).
util::Result<std::vector<std::byte>> compress(std::span<const std::byte> elf, Compression c);

} // namespace wslmod::modules

// Whole-file reads, with transparent decompression through libarchive's raw filters (so that
// /proc/config.gz and xz/zstd files read like plain text).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::util {

// Reads the whole file as bytes.
Result<std::vector<std::byte>> read_bytes(const std::filesystem::path& path);

// Reads the whole file, decompressing gzip, xz, zstd, bzip2, lz4 or lzma when its magic says so.
Result<std::string> read_text_decompressed(const std::filesystem::path& path);

} // namespace wslmod::util

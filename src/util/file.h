// Whole-file writes that check every byte, and whole-file reads, with transparent decompression
// through libarchive's raw filters (so that /proc/config.gz and xz/zstd files read like plain
// text).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace wslmod::util {

// Reads the whole file as bytes.
Result<std::vector<std::byte>> read_bytes(const std::filesystem::path& path);

// The whole file, or nullopt when it cannot be opened (absent, most often).
std::optional<std::string> read_if_exists(const std::filesystem::path& path);

// Writes `data` as the whole file (created, or truncated), every byte checked, including close.
Result<void> write_file(const std::filesystem::path& path, std::string_view data);

// Appends `data` to the file (created when missing).
Result<void> append_file(const std::filesystem::path& path, std::string_view data);

// Reads the whole file, decompressing gzip, xz, zstd, bzip2, lz4 or lzma when its magic says so.
Result<std::string> read_text_decompressed(const std::filesystem::path& path);

} // namespace wslmod::util

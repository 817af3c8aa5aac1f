// Opens a disk image file as the BlockDevice of its virtual disk, choosing the format by its
// bytes, never by its name: "vhdxfile" at offset 0 is VHDX; "conectix" in the last 512 (or
// 511) bytes is VHD; anything else is a raw image.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "image/block_device.h"

namespace wslmod::image {

enum class DiskFormat { raw, vhd, vhdx };
std::string to_string(DiskFormat f);

struct DiskImage {
    DiskFormat format = DiskFormat::raw;
    std::unique_ptr<FileDevice> file;  // the container file
    std::unique_ptr<BlockDevice> disk; // the virtual disk (the file itself when raw)
    BlockDevice& device() { return disk ? *disk : *file; }
};

// Detects the format of the bytes in `file`.
util::Result<DiskFormat> detect_format(BlockDevice& file);

// Opens `path` read-only and validates its container structure.
util::Result<DiskImage> open_disk_image(const std::filesystem::path& path);

} // namespace wslmod::image

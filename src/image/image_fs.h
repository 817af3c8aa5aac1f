// A modules image opened down to its ext4: the container (VHDX, VHD or raw, by its bytes) and
// the filesystem on its virtual disk, as `image ls`, `image verify` and `verify` read them.
#pragma once

#include <filesystem>
#include <memory>

#include "image/disk_image.h"
#include "image/ext4_reader.h"

namespace wslmod::image {

struct ImageFs {
    DiskImage disk;
    std::unique_ptr<Ext4Reader> fs; // reads disk.device(): declared after it, so destroyed first
};

// A raw file that is not ext4 either is bad input ("pass a modules image").
util::Result<ImageFs> open_image_fs(const std::filesystem::path& path);

} // namespace wslmod::image

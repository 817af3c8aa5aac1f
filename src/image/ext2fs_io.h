// A libext2fs io_manager over a BlockDevice, so that libext2fs reads and writes ext4 in memory,
// inside a VHDX being written, or inside a VHD/VHDX being read, with no raw image and no mount.
//
// libext2fs opens devices by name; the name handed to ext2fs_open2/ext2fs_initialize is made
// by device_name() and carries the BlockDevice's address.  The manager keeps no other state.
#pragma once

#include <string>

#include <ext2fs/ext2fs.h>

#include "image/block_device.h"

namespace wslmod::image {

// The io_manager to pass to ext2fs_initialize / ext2fs_open2.
io_manager block_device_io_manager();

// The "device name" that makes the manager use `device` (which must outlive the filesystem).
std::string device_name(BlockDevice& device);

// libext2fs's message for `err`, e.g. "Could not allocate block in ext2 filesystem"; for an I/O
// failure, the BlockDevice's own message (what failed and where) instead.
std::string ext2_error(errcode_t err);

} // namespace wslmod::image

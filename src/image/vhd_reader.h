// Reads the virtual disk inside a VHD (v1, "Virtual PC") file, fixed or dynamic, as a read-only
// BlockDevice.  WSL ships its stock modules as tools\modules.vhd.
//
// On-disk format (Microsoft "Virtual Hard Disk Image Format Specification" 1.0; all integers
// big-endian):
// Footer (512 bytes; last 512 bytes of the file, and a copy at offset 0 for dynamic disks;
//   some old files have a 511-byte footer):
//   +0  char[8] cookie "conectix"     +8  u32 features        +12 u32 version 0x00010000
//   +16 u64 data offset (dynamic header offset; 0xFFFFFFFFFFFFFFFF for fixed)
//   +24 u32 timestamp  +28 char[4] creator app  +32 u32 creator version  +36 u32 creator OS
//   +40 u64 original size  +48 u64 current size (the virtual disk size)
//   +56 u32 disk geometry  +60 u32 disk type (2 fixed, 3 dynamic, 4 differencing)
//   +64 u32 checksum: one's complement of the byte sum of the footer with this field zeroed
//   +68 u8[16] unique id  +84 u8 saved state  +85 reserved zeros
// Dynamic disk header (1024 bytes, at the footer's data offset):
//   +0  char[8] cookie "cxsparse"     +8  u64 data offset (0xFFFFFFFFFFFFFFFF)
//   +16 u64 table offset (BAT)        +24 u32 header version 0x00010000
//   +28 u32 max table entries         +32 u32 block size (power of two, default 2 MiB)
//   +36 u32 checksum (as the footer's) +40 parent fields (differencing only)
// BAT: max table entries u32, each the sector number (512-byte units) of a block, or
//   0xFFFFFFFF for an unallocated block (reads as zeros).  Each block starts with a sector
//   bitmap of ceil(block size / 512 / 8) bytes rounded up to 512, then the block data; a clear
//   bit means that sector was never written and reads as zeros.
// Fixed disk: the data is the file's first `current size` bytes, then the footer.
//
// open() validates the footer (cookie, checksum, type), the dynamic header (cookie, checksum,
// block size, table bounds) and every allocated BAT entry (block inside the file) before the
// first read, so no read goes out of bounds on a hostile file.  Differencing disks are refused.
#pragma once

#include <memory>

#include "image/block_device.h"

namespace wslmod::image {

class VhdReader final : public BlockDevice {
  public:
    enum class Type { fixed, dynamic };
    // Validates `file` (which must outlive the reader); `origin` names it in errors.
    static util::Result<std::unique_ptr<VhdReader>> open(BlockDevice& file, std::string origin);

    uint64_t size() const override { return size_; }
    util::Result<void> pread(uint64_t offset, std::span<std::byte> out) override;
    util::Result<void> pwrite(uint64_t, std::span<const std::byte>) override;
    util::Result<void> flush() override { return {}; }

    Type type() const { return type_; }
    uint32_t block_size() const { return block_size_; } // 0 for fixed disks

  private:
    VhdReader(BlockDevice& file, std::string origin) : file_(file), origin_(std::move(origin)) {}
    BlockDevice& file_;
    std::string origin_;
    Type type_ = Type::fixed;
    uint64_t size_ = 0;
    uint32_t block_size_ = 0;
    uint32_t bitmap_bytes_ = 0; // sector bitmap size, rounded up to 512
    std::vector<uint32_t> bat_;
};

} // namespace wslmod::image

// Writes a dynamic VHDX (layout and fields: vhdx_format.h) while presenting the virtual disk
// as a BlockDevice, so that a filesystem writer (libext2fs) writes straight into the image in
// one pass, with no intermediate raw image.
//
// Payload blocks are allocated on the first write that carries non-zero data, in write order,
// at the end of the file; a write of zeros to an unallocated block stores nothing, and
// unallocated blocks are recorded as PAYLOAD_BLOCK_ZERO (offset 0, as Hyper-V requires), so
// all-zero blocks are never stored.  Unwritten parts of an allocated block stay file holes.
// finish() writes the BAT, metadata, region tables and file identifier, then the two headers
// last, then fsyncs.  (One fsync suffices: the file is a temporary that is renamed into place
// only after it, so no reader ever sees a file whose headers precede their structures.)  Every GUID
// comes from a caller-supplied content digest, so the same writes give the same bytes.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "image/block_device.h"
#include "image/vhdx_format.h"

namespace wslmod::image {

struct VhdxOptions {
    uint64_t virtual_size = 0;       // bytes, a multiple of 512
    uint64_t block_size = vhdx::MiB; // power of two, 1-256 MiB
    uint32_t physical_sector = 4096; // 512 or 4096; the logical sector is 512 (QEMU's limit)
    std::string creator = "wslmod";  // diagnostic string in the file identifier
};

class VhdxWriter final : public BlockDevice {
  public:
    // Starts an image in `file` (empty, writable, resizable; must outlive the writer).
    static util::Result<std::unique_ptr<VhdxWriter>> create(BlockDevice& file, VhdxOptions options);

    uint64_t size() const override { return geometry_.virtual_size; }
    util::Result<void> pread(uint64_t offset, std::span<std::byte> out) override;
    util::Result<void> pwrite(uint64_t offset, std::span<const std::byte> data) override;
    util::Result<void> flush() override { return {}; } // durability comes with finish()

    // Writes every structure, headers last, and fsyncs.  `digest` (e.g. a SHA-256 of the
    // content) seeds the GUIDs.  No write may follow.
    util::Result<void> finish(std::span<const std::byte> digest);

    uint64_t allocated_blocks() const { return allocated_; }
    const vhdx::Geometry& geometry() const { return geometry_; }

  private:
    VhdxWriter(BlockDevice& file, vhdx::Geometry g) : file_(file), geometry_(g) {}
    BlockDevice& file_;
    vhdx::Geometry geometry_;
    uint32_t physical_sector_ = 4096;
    std::string creator_;
    uint64_t bat_offset_ = 0, bat_length_ = 0, metadata_offset_ = 0, next_block_ = 0;
    uint64_t written_back_ = 0; // payload bytes before this offset were handed to writeback
    std::vector<uint64_t> block_offset_; // per payload block; 0 = not allocated
    uint64_t allocated_ = 0;
    bool finished_ = false;
};

// Derives a GUID from `digest` and `label` (SHA-256, RFC 4122 version-4 layout bits set).
vhdx::Guid derive_guid(std::span<const std::byte> digest, std::string_view label);

} // namespace wslmod::image

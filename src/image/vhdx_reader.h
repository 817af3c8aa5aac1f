// Reads the virtual disk inside a dynamic or fixed VHDX file (not differencing), as a read-only
// BlockDevice.  Format facts: vhdx_format.h and ../shared/notes/vhdx-format.md.
//
// open() validates everything before the first read, so that no later read can go out of
// bounds, even on a hostile file:
//   - "vhdxfile" signature;
//   - both headers: signature, CRC-32C, version 1; the valid one with the higher sequence
//     number is current (equal sequence numbers only when both headers are byte-identical);
//     log version 0, log offset/length 1 MiB aligned and inside the file;
//   - a non-zero LogGuid with a log that holds entries ("loge") means a log replay is pending:
//     refused with a hint (`qemu-img check -r all` replays it);
//   - region table 1: signature, CRC, entry count, 1 MiB alignment, inside the file, no
//     overlaps, no duplicates, BAT and metadata regions present, no unknown required region;
//   - metadata: the five required items present, in bounds, with valid values; HasParent
//     (differencing) refused; unknown required items refused;
//   - BAT: the region holds all entries; every FULLY_PRESENT / PARTIALLY_PRESENT payload entry
//     points inside the file, 1 MiB aligned, past the headers and outside the regions; only
//     the block at the highest offset may run past the end of the file (QEMU allows a partial
//     last block), and its missing tail reads as zeros.
// Blocks in states NOT_PRESENT, UNDEFINED, ZERO, UNMAPPED and UNMAPPED_v095 (5) read as zeros.
// PARTIALLY_PRESENT (7, differencing only) and the reserved state 4 pass open(), as in QEMU, but
// a read that touches such a block fails and names it, so the rest of the disk stays readable.
#pragma once

#include <memory>

#include "image/block_device.h"
#include "image/vhdx_format.h"

namespace wslmod::image {

class VhdxReader final : public BlockDevice {
  public:
    // Validates `file` (which must outlive the reader); `origin` names it in errors.
    static util::Result<std::unique_ptr<VhdxReader>> open(BlockDevice& file, std::string origin);

    uint64_t size() const override { return geometry_.virtual_size; }
    util::Result<void> pread(uint64_t offset, std::span<std::byte> out) override;
    util::Result<void> pwrite(uint64_t, std::span<const std::byte>) override;
    util::Result<void> flush() override { return {}; }

    const vhdx::Geometry& geometry() const { return geometry_; }
    const vhdx::Header& header() const { return header_; }
    // BAT entries as read (payload and sector-bitmap entries interleaved).
    const std::vector<uint64_t>& bat() const { return bat_; }
    uint32_t physical_sector_size() const { return physical_sector_; }
    const vhdx::Guid& page83() const { return page83_; }

  private:
    VhdxReader(BlockDevice& file, std::string origin) : file_(file), origin_(std::move(origin)) {}
    BlockDevice& file_;
    std::string origin_;
    vhdx::Header header_;
    vhdx::Geometry geometry_;
    std::vector<uint64_t> bat_;
    uint32_t physical_sector_ = 512;
    vhdx::Guid page83_{};
};

} // namespace wslmod::image

// WriteCache: a write-back cache of whole pages in front of a BlockDevice, for what libext2fs
// writes into a VHDX.
//
// Why: our io_manager (ext2fs_io.h) hands every libext2fs call straight to the device, and
// libext2fs does its metadata in single blocks: each inode update reads its inode-table block,
// changes 256 bytes and writes the block back, and small files go out as one short write each.
// Packing the stock tree made some 36,000 writes and 16,000 reads of about 4 KiB.  unix_io, the
// manager mke2fs uses, keeps an 8-block cache for the same reason; ours is written by hand
// because the device is not a file descriptor unix_io could open.  Here:
//   - writes shorter than `bypass` land in cached pages (read from the device first when the
//     write covers a page only in part) and are marked dirty;
//   - reads are served from cached pages; a short read that misses brings its pages in clean;
//   - longer writes and reads go straight through, updating any cached page they overlap;
//   - flush() writes the dirty pages in offset order, each contiguous run in one call of at
//     most `max_run` bytes, then flushes the device; going over `capacity` writes them back the
//     same way (without flushing the device) and drops every page, so memory stays below
//     capacity plus one write, plus one run (`max_run`) while writing back.
// A page is marked clean only once the write that carries it succeeded.
// The device's bytes equal what was written through the cache once flush() returns.  Nothing
// is written back on destruction: a caller that wants the data calls flush().
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "image/block_device.h"

namespace wslmod::image {

struct WriteCacheOptions {
    uint32_t page = 4096;            // bytes, a power of two
    uint64_t capacity = 32ull << 20; // cached bytes before a write-back and a drop
    uint64_t bypass = 256ull << 10;  // writes and reads this long or longer go straight through
    uint64_t max_run = 4ull << 20;   // bytes per write-back call at most
};

class WriteCache final : public BlockDevice {
  public:
    explicit WriteCache(BlockDevice& device, WriteCacheOptions options = {});

    uint64_t size() const override { return device_.size(); }
    util::Result<void> pread(uint64_t offset, std::span<std::byte> out) override;
    util::Result<void> pwrite(uint64_t offset, std::span<const std::byte> data) override;
    // Writes back every dirty page, then flushes the device.
    util::Result<void> flush() override;

    // What reached the device, for tests and --timings: calls made, bytes cached now.
    uint64_t device_writes() const { return device_writes_; }
    uint64_t device_reads() const { return device_reads_; }
    uint64_t cached_bytes() const { return pages_.size() * options_.page; }

  private:
    struct Page {
        std::unique_ptr<std::byte[]> bytes;
        bool dirty = false;
    };
    util::Result<void> write_back();
    util::Result<void> trim();
    // Copies `data` at `offset` into the pages already cached that it overlaps.
    void update_cached(uint64_t offset, std::span<const std::byte> data);

    BlockDevice& device_;
    WriteCacheOptions options_;
    std::map<uint64_t, Page> pages_; // by page index
    uint64_t device_writes_ = 0, device_reads_ = 0;
};

} // namespace wslmod::image

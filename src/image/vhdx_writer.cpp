#include "image/vhdx_writer.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "util/sha256.h"

namespace wslmod::image {

using namespace vhdx;

vhdx::Guid derive_guid(std::span<const std::byte> digest, std::string_view label) {
    auto md = util::Sha256().update(label).update(digest).finish();
    Guid g;
    std::memcpy(g.data(), md.data(), 16);
    g[7] = (g[7] & std::byte{0x0F}) | std::byte{0x40}; // version 4 (Data3 high nibble, LE)
    g[8] = (g[8] & std::byte{0x3F}) | std::byte{0x80}; // RFC 4122 variant
    return g;
}

util::Result<std::unique_ptr<VhdxWriter>> VhdxWriter::create(BlockDevice& file, VhdxOptions o) {
    auto g = WSLMOD_TRY(make_geometry(o.virtual_size, o.block_size, 512));
    if (o.physical_sector != 512 && o.physical_sector != 4096)
        return util::bad_input(
            fmt::format("physical sector size {} is not 512 or 4096", o.physical_sector));
    std::unique_ptr<VhdxWriter> w(new VhdxWriter(file, g));
    w->physical_sector_ = o.physical_sector;
    w->creator_ = o.creator;
    w->bat_offset_ = 2 * MiB; // after the 1 MiB header section and the 1 MiB log
    w->bat_length_ = (g.bat_entries * 8 + MiB - 1) / MiB * MiB;
    w->metadata_offset_ = w->bat_offset_ + w->bat_length_;
    w->next_block_ = w->metadata_offset_ + MiB;
    w->written_back_ = w->next_block_;
    w->block_offset_.assign(g.payload_blocks, 0);
    return w;
}

util::Result<void> VhdxWriter::pread(uint64_t offset, std::span<std::byte> out) {
    if (offset > size() || out.size() > size() - offset)
        return util::fail(fmt::format("read past the end of the virtual disk at {}", offset));
    while (!out.empty()) {
        uint64_t block = offset / geometry_.block_size, within = offset % geometry_.block_size;
        size_t n =
            static_cast<size_t>(std::min<uint64_t>(out.size(), geometry_.block_size - within));
        if (block_offset_[block] == 0)
            std::fill_n(out.begin(), n, std::byte{0});
        else {
            uint64_t at = block_offset_[block] + within;
            // Holes past the file's current end read as zeros.
            uint64_t have = at >= file_.size() ? 0 : std::min<uint64_t>(n, file_.size() - at);
            if (have) WSLMOD_CHECK(file_.pread(at, out.first(static_cast<size_t>(have))));
            std::fill(out.begin() + static_cast<ptrdiff_t>(have),
                      out.begin() + static_cast<ptrdiff_t>(n), std::byte{0});
        }
        out = out.subspan(n);
        offset += n;
    }
    return {};
}

util::Result<void> VhdxWriter::pwrite(uint64_t offset, std::span<const std::byte> data) {
    if (finished_) return util::fail("write after the VHDX was finished");
    if (offset > size() || data.size() > size() - offset)
        return util::fail(fmt::format("write past the end of the virtual disk at {}", offset));
    while (!data.empty()) {
        uint64_t block = offset / geometry_.block_size, within = offset % geometry_.block_size;
        size_t n =
            static_cast<size_t>(std::min<uint64_t>(data.size(), geometry_.block_size - within));
        auto part = data.first(n);
        if (block_offset_[block] == 0 && !all_zero(part)) {
            block_offset_[block] = next_block_;
            next_block_ += geometry_.block_size;
            ++allocated_;
            // Blocks fill in allocation order, so everything up to the one before this is most
            // likely final: let the disk start on it while the filesystem is still being written.
            constexpr uint64_t batch = 32 * MiB;
            if (next_block_ - written_back_ >= batch + 2 * geometry_.block_size) {
                file_.start_writeback(written_back_, batch);
                written_back_ += batch;
            }
        }
        if (block_offset_[block] != 0)
            WSLMOD_CHECK(file_.pwrite(block_offset_[block] + within, part));
        data = data.subspan(n);
        offset += n;
    }
    return {};
}

util::Result<void> VhdxWriter::finish(std::span<const std::byte> digest) {
    if (finished_) return util::fail("VHDX finished twice");
    finished_ = true;
    // The file ends at the end of the last allocated block (blocks may end in holes).
    WSLMOD_CHECK(file_.resize(next_block_));

    std::vector<uint64_t> bat(geometry_.bat_entries, bat_entry(BatState::zero, 0));
    for (uint64_t b = 0; b < geometry_.payload_blocks; ++b)
        if (block_offset_[b])
            bat[geometry_.bat_index(b)] = bat_entry(BatState::fully_present, block_offset_[b]);
    for (uint64_t i = geometry_.chunk_ratio; i < bat.size(); i += geometry_.chunk_ratio + 1)
        bat[i] = 0; // sector-bitmap entries: SB_BLOCK_NOT_PRESENT
    std::vector<std::byte> buf(bat_length_);
    for (size_t i = 0; i < bat.size(); ++i)
        store_le(buf, 8 * i, bat[i], 8);
    WSLMOD_CHECK(file_.pwrite(bat_offset_, buf));

    // Metadata: table, then the five required items from offset 64 KiB.
    std::vector<std::byte> md(MiB);
    const uint32_t items = metadata_table_size;
    encode_metadata_table({{file_parameters_item, items, 8, false, false, true},
                           {virtual_disk_size_item, items + 8, 8, false, true, true},
                           {page83_item, items + 16, 16, false, true, true},
                           {logical_sector_size_item, items + 32, 4, false, true, true},
                           {physical_sector_size_item, items + 36, 4, false, true, true}},
                          md);
    store_le(md, items, geometry_.block_size, 4); // flags 0: dynamic, no parent
    store_le(md, items + 8, geometry_.virtual_size, 8);
    auto page83 = derive_guid(digest, "page83");
    std::memcpy(md.data() + items + 16, page83.data(), 16);
    store_le(md, items + 32, geometry_.logical_sector, 4);
    store_le(md, items + 36, physical_sector_, 4);
    WSLMOD_CHECK(file_.pwrite(metadata_offset_, md));

    // The log region (1-2 MiB) was never written: a hole reads as the zeros an empty log is.

    std::vector<std::byte> rt(region_table_size);
    encode_region_table({{bat_region, bat_offset_, static_cast<uint32_t>(bat_length_), true},
                         {metadata_region, metadata_offset_, static_cast<uint32_t>(MiB), true}},
                        rt);
    WSLMOD_CHECK(file_.pwrite(region1_offset, rt));
    WSLMOD_CHECK(file_.pwrite(region2_offset, rt));

    std::vector<std::byte> ident(64 * KiB);
    std::memcpy(ident.data(), "vhdxfile", 8);
    for (size_t i = 0; i < creator_.size() && i < 255; ++i)
        ident[8 + 2 * i] = static_cast<std::byte>(creator_[i]); // UTF-16LE of ASCII
    WSLMOD_CHECK(file_.pwrite(0, ident));

    Header h;
    h.file_write = derive_guid(digest, "file-write");
    h.data_write = derive_guid(digest, "data-write");
    std::vector<std::byte> hb(header_size);
    for (auto [seq, at] :
         {std::pair{uint64_t{1}, header1_offset}, std::pair{uint64_t{2}, header2_offset}}) {
        h.sequence = seq;
        encode_header(h, hb);
        WSLMOD_CHECK(file_.pwrite(at, hb));
    }
    return file_.flush();
}

} // namespace wslmod::image

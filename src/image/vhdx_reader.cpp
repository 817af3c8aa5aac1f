#include "image/vhdx_reader.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace wslmod::image {
namespace {

using vhdx::BatState;
using vhdx::MiB;

constexpr uint64_t log_sector = 4 * vhdx::KiB;
constexpr const char* only_dynamic = "wslmod reads only dynamic and fixed VHDX";
constexpr const char* unknown_extension = "wslmod does not know this VHDX extension";

// A byte range of the file that payload blocks must stay out of: the log or a region.
struct Range {
    uint64_t begin = 0, end = 0; // [begin, end)
    std::string name;
};

// An error in the file that `origin` names (exit code 2: the input is at fault).
template <class... Args>
tl::unexpected<util::Error> bad(const std::string& origin, fmt::format_string<Args...> text,
                                Args&&... args) {
    return util::bad_input(fmt::format(text, std::forward<Args>(args)...), origin);
}

// off + len <= size, without overflowing on hostile values.
bool fits(uint64_t off, uint64_t len, uint64_t size) {
    return off <= size && len <= size - off;
}

// Reads [off, off + len) of the file, refusing up front when the file is too short, so that
// every truncation is reported as such rather than as a device error.
util::Result<std::vector<std::byte>> read_at(BlockDevice& file, uint64_t off, uint64_t len,
                                             std::string_view what, const std::string& origin) {
    if (!fits(off, len, file.size()))
        return bad(origin, "file is truncated: {} at {:#x} needs {} bytes, the file has {}", what,
                   off, len, file.size());
    std::vector<std::byte> buf(len);
    if (auto r = file.pread(off, buf); !r)
        return util::fail(fmt::format("cannot read the {}: {}", what, r.error().what), origin);
    return buf;
}

// The format decoders know no file name: name the file and, if given, the structure.
template <class T>
util::Result<T> tagged(util::Result<T> r, std::string_view context, const std::string& origin) {
    if (!r) {
        if (!context.empty()) r.error().what = fmt::format("{}: {}", context, r.error().what);
        r.error().where = origin;
    }
    return r;
}

util::Result<vhdx::Header> read_header(BlockDevice& file, const std::string& origin) {
    auto raw1 =
        WSLMOD_TRY(read_at(file, vhdx::header1_offset, vhdx::header_size, "header 1", origin));
    auto raw2 =
        WSLMOD_TRY(read_at(file, vhdx::header2_offset, vhdx::header_size, "header 2", origin));
    auto h1 = vhdx::decode_header(raw1), h2 = vhdx::decode_header(raw2);
    if (!h1 && !h2)
        return bad(origin, "no valid VHDX header (header 1: {}; header 2: {})", h1.error().what,
                   h2.error().what);
    // Equal sequence numbers leave no current header unless both say the same (as in QEMU).
    if (h1 && h2 && h1->sequence == h2->sequence && raw1 != raw2)
        return bad(origin, "both headers have sequence number {} but differ, so neither is current",
                   h1->sequence);
    vhdx::Header h = !h2 || (h1 && h1->sequence > h2->sequence) ? *h1 : *h2;
    if (h.log_version != 0) return bad(origin, "unsupported log version {}", h.log_version);
    return h;
}

// Only table 1 counts, as in QEMU: table 2 is a copy for the writer's crash safety.
util::Result<std::vector<vhdx::RegionEntry>> read_region_table(BlockDevice& file,
                                                               const std::string& origin) {
    auto raw = WSLMOD_TRY(
        read_at(file, vhdx::region1_offset, vhdx::region_table_size, "region table", origin));
    return tagged(vhdx::decode_region_table(raw), "region table 1", origin);
}

// A non-zero LogGuid means the last writer did not close the file cleanly.  If the log then
// holds an entry anywhere (it is circular), metadata and data may be stale until the log is
// replayed, so refuse rather than return wrong bytes.  A zeroed log is fine (QEMU agrees).
util::Result<void> check_log(BlockDevice& file, const vhdx::Header& h, const std::string& origin) {
    if (h.log_offset < MiB || h.log_offset % MiB != 0 || h.log_length % MiB != 0)
        return bad(origin, "log at {:#x}, {:#x} bytes, is not 1 MiB aligned after the headers",
                   h.log_offset, h.log_length);
    if (!fits(h.log_offset, h.log_length, file.size()))
        return bad(origin, "log at {:#x}, {:#x} bytes, is past the end of the file ({} bytes)",
                   h.log_offset, h.log_length, file.size());
    if (vhdx::is_zero(h.log)) return {};
    for (uint64_t done = 0; done < h.log_length; done += MiB) {
        auto chunk = WSLMOD_TRY(read_at(file, h.log_offset + done, MiB, "log", origin));
        for (size_t s = 0; s < chunk.size(); s += log_sector)
            if (std::memcmp(chunk.data() + s, "loge", 4) == 0)
                return util::bad_input(
                    fmt::format("the log holds an entry at {:#x} that was never replayed",
                                h.log_offset + done + s),
                    origin, fmt::format("replay it with `qemu-img check -r all {}`", origin));
    }
    return {};
}

struct Regions {
    vhdx::RegionEntry bat, metadata;
    std::vector<Range> reserved; // the log and every region, sorted and disjoint
};

std::string region_name(const vhdx::Guid& g) {
    if (g == vhdx::bat_region) return "BAT region";
    if (g == vhdx::metadata_region) return "metadata region";
    return "region " + vhdx::guid_to_string(g);
}

util::Result<void> check_region(const vhdx::RegionEntry& e, uint64_t file_size,
                                const std::string& origin) {
    auto name = region_name(e.guid);
    if (e.offset < MiB || e.offset % MiB != 0 || e.length == 0 || e.length % MiB != 0)
        return bad(origin, "{} at {:#x}, {:#x} bytes, is not 1 MiB aligned after the headers", name,
                   e.offset, e.length);
    if (!fits(e.offset, e.length, file_size))
        return bad(origin, "{} at {:#x}, {:#x} bytes, is past the end of the file ({} bytes)", name,
                   e.offset, e.length, file_size);
    if (e.required && e.guid != vhdx::bat_region && e.guid != vhdx::metadata_region)
        return util::bad_input("unknown required " + name, origin, unknown_extension);
    return {};
}

// Runs after check_log(), which keeps the log inside the file.
util::Result<Regions> check_regions(const std::vector<vhdx::RegionEntry>& entries,
                                    const vhdx::Header& h, uint64_t file_size,
                                    const std::string& origin) {
    Regions out;
    if (h.log_length != 0)
        out.reserved.push_back({h.log_offset, h.log_offset + h.log_length, "log"});
    std::vector<vhdx::Guid> seen;
    for (const auto& e : entries) {
        WSLMOD_CHECK(check_region(e, file_size, origin));
        if (std::find(seen.begin(), seen.end(), e.guid) != seen.end())
            return bad(origin, "duplicate {}", region_name(e.guid));
        seen.push_back(e.guid);
        if (e.guid == vhdx::bat_region) out.bat = e;
        if (e.guid == vhdx::metadata_region) out.metadata = e;
        out.reserved.push_back({e.offset, e.offset + e.length, region_name(e.guid)});
    }
    if (out.bat.length == 0 || out.metadata.length == 0)
        return bad(origin, "the region table has no {}",
                   out.bat.length == 0 ? "BAT region" : "metadata region");
    std::sort(out.reserved.begin(), out.reserved.end(),
              [](const Range& a, const Range& b) { return a.begin < b.begin; });
    for (size_t i = 1; i < out.reserved.size(); ++i)
        if (out.reserved[i - 1].end > out.reserved[i].begin)
            return bad(origin, "the {} and the {} overlap", out.reserved[i - 1].name,
                       out.reserved[i].name);
    return out;
}

// One of the five metadata items every dynamic or fixed VHDX carries, and its bytes once read.
struct Item {
    const vhdx::Guid* guid;
    const char* name;
    uint32_t size;
    std::vector<std::byte> value = {};
};

util::Result<void> read_items(BlockDevice& file, const vhdx::RegionEntry& region,
                              std::span<Item> items, const std::string& origin) {
    auto table = WSLMOD_TRY(
        read_at(file, region.offset, vhdx::metadata_table_size, "metadata table", origin));
    auto entries = WSLMOD_TRY(tagged(vhdx::decode_metadata_table(table), "", origin));
    for (const auto& e : entries) {
        auto it = std::find_if(items.begin(), items.end(),
                               [&](const Item& i) { return *i.guid == e.item; });
        if (it == items.end()) {
            // A parent locator alone is harmless; the HasParent flag decides about differencing.
            if (e.is_required && e.item != vhdx::parent_locator_item)
                return util::bad_input("unknown required metadata item " +
                                           vhdx::guid_to_string(e.item),
                                       origin, unknown_extension);
            continue;
        }
        if (!it->value.empty()) return bad(origin, "duplicate metadata item {}", it->name);
        if (e.length < it->size || e.offset < vhdx::metadata_table_size ||
            !fits(e.offset, e.length, region.length))
            return bad(origin,
                       "metadata item {} at {:#x}, {} bytes, is short or outside its region",
                       it->name, e.offset, e.length);
        it->value = WSLMOD_TRY(read_at(file, region.offset + e.offset, it->size, it->name, origin));
    }
    for (const auto& i : items)
        if (i.value.empty()) return bad(origin, "required metadata item {} is missing", i.name);
    return {};
}

struct Metadata {
    vhdx::Geometry geometry;
    uint32_t physical_sector = 0;
    vhdx::Guid page83{};
};

util::Result<Metadata> read_metadata(BlockDevice& file, const vhdx::RegionEntry& region,
                                     const std::string& origin) {
    std::array<Item, 5> items{{{&vhdx::file_parameters_item, "file parameters", 8},
                               {&vhdx::virtual_disk_size_item, "virtual disk size", 8},
                               {&vhdx::page83_item, "page 83 data", 16},
                               {&vhdx::logical_sector_size_item, "logical sector size", 4},
                               {&vhdx::physical_sector_size_item, "physical sector size", 4}}};
    WSLMOD_CHECK(read_items(file, region, items, origin));
    auto value = [&](size_t i, size_t off, size_t width) {
        return vhdx::load_le(items[i].value, off, width);
    };
    if ((value(0, 4, 4) & 2) != 0)
        return util::bad_input("differencing VHDX (it has a parent disk)", origin, only_dynamic);
    Metadata m;
    m.geometry = WSLMOD_TRY(tagged(
        vhdx::make_geometry(value(1, 0, 8), value(0, 0, 4), value(3, 0, 4)), "metadata", origin));
    m.physical_sector = static_cast<uint32_t>(value(4, 0, 4));
    if (m.physical_sector != 512 && m.physical_sector != 4096)
        return bad(origin, "physical sector size {} is not 512 or 4096", m.physical_sector);
    std::memcpy(m.page83.data(), items[2].value.data(), m.page83.size());
    return m;
}

util::Result<std::vector<uint64_t>> read_bat(BlockDevice& file, const vhdx::RegionEntry& region,
                                             const vhdx::Geometry& g, const std::string& origin) {
    if (g.bat_entries > region.length / 8)
        return bad(origin, "the BAT region ({} bytes) is too small for {} entries", region.length,
                   g.bat_entries);
    std::vector<uint64_t> bat;
    bat.reserve(g.bat_entries);
    // In 1 MiB pieces, so that a large BAT is not held twice.
    for (uint64_t i = 0; i < g.bat_entries;) {
        uint64_t n = std::min<uint64_t>(g.bat_entries - i, MiB / 8);
        auto raw = WSLMOD_TRY(read_at(file, region.offset + i * 8, n * 8, "BAT", origin));
        for (size_t k = 0; k < n; ++k)
            bat.push_back(vhdx::load_le(raw, 8 * k, 8));
        i += n;
    }
    return bat;
}

bool has_data(uint64_t entry) {
    auto s = vhdx::bat_state(entry);
    return s == BatState::fully_present || s == BatState::partially_present;
}

// Every payload block with data lies after the header area, inside the file and outside the
// log and the regions.  Only the block at the highest offset may run past the end of the file:
// QEMU does not extend the file over the unwritten tail of its last block.
util::Result<void> check_bat(const std::vector<uint64_t>& bat, const vhdx::Geometry& g,
                             const std::vector<Range>& reserved, uint64_t file_size,
                             const std::string& origin) {
    uint64_t last = 0;
    for (uint64_t b = 0; b < g.payload_blocks; ++b)
        if (has_data(bat[g.bat_index(b)]))
            last = std::max(last, vhdx::bat_offset(bat[g.bat_index(b)]));
    for (uint64_t b = 0; b < g.payload_blocks; ++b) {
        uint64_t entry = bat[g.bat_index(b)], off = vhdx::bat_offset(entry);
        if (!has_data(entry)) continue;
        auto refuse = [&](std::string why) {
            return bad(origin, "BAT entry of payload block {} points to offset {:#x}, {}", b, off,
                       why);
        };
        if (off < MiB) return refuse("inside the header area");
        if (off >= file_size || (off + g.block_size > file_size && off != last))
            return refuse(fmt::format("past the end of the file ({} bytes)", file_size));
        // `reserved` is sorted and disjoint, so its ends are sorted too.
        auto it = std::upper_bound(reserved.begin(), reserved.end(), off,
                                   [](uint64_t v, const Range& r) { return v < r.end; });
        if (it != reserved.end() && it->begin < off + g.block_size)
            return refuse("inside the " + it->name);
    }
    return {};
}

// Fills `out` from payload block `block`, starting `in_block` bytes into it.
util::Result<void> read_payload(BlockDevice& file, uint64_t entry, uint64_t block,
                                uint64_t in_block, std::span<std::byte> out,
                                const std::string& origin) {
    switch (vhdx::bat_state(entry)) {
    case BatState::not_present:
    case BatState::undefined:
    case BatState::zero:
    case BatState::unmapped:
    case BatState::unmapped_v095:
        std::fill(out.begin(), out.end(), std::byte{0});
        return {};
    case BatState::fully_present: {
        uint64_t at = vhdx::bat_offset(entry) + in_block;
        // The tail of the last block may lie past the end of the file: it reads as zeros.
        size_t avail = at < file.size() ? std::min<uint64_t>(out.size(), file.size() - at) : 0;
        std::fill(out.begin() + static_cast<ptrdiff_t>(avail), out.end(), std::byte{0});
        if (avail == 0) return {};
        if (auto r = file.pread(at, out.first(avail)); !r)
            return util::fail(
                fmt::format("cannot read payload block {}: {}", block, r.error().what), origin);
        return {};
    }
    case BatState::partially_present:
        return util::bad_input(
            fmt::format("payload block {} is PARTIALLY_PRESENT, as only in differencing disks",
                        block),
            origin, only_dynamic);
    }
    return bad(origin, "payload block {} has the reserved BAT state {}", block, entry & 7);
}

} // namespace

util::Result<std::unique_ptr<VhdxReader>> VhdxReader::open(BlockDevice& file, std::string origin) {
    auto id = WSLMOD_TRY(read_at(file, 0, 8, "file identifier", origin));
    if (std::memcmp(id.data(), "vhdxfile", 8) != 0)
        return bad(origin, "not a VHDX file (no 'vhdxfile' signature)");
    // Structures are read in file order, so that a truncated file names the first missing one.
    auto header = WSLMOD_TRY(read_header(file, origin));
    auto region_table = WSLMOD_TRY(read_region_table(file, origin));
    WSLMOD_CHECK(check_log(file, header, origin));
    auto regions = WSLMOD_TRY(check_regions(region_table, header, file.size(), origin));
    auto metadata = WSLMOD_TRY(read_metadata(file, regions.metadata, origin));
    auto bat = WSLMOD_TRY(read_bat(file, regions.bat, metadata.geometry, origin));
    WSLMOD_CHECK(check_bat(bat, metadata.geometry, regions.reserved, file.size(), origin));

    std::unique_ptr<VhdxReader> reader(new VhdxReader(file, std::move(origin)));
    reader->header_ = header;
    reader->geometry_ = metadata.geometry;
    reader->bat_ = std::move(bat);
    reader->physical_sector_ = metadata.physical_sector;
    reader->page83_ = metadata.page83;
    return reader;
}

util::Result<void> VhdxReader::pread(uint64_t offset, std::span<std::byte> out) {
    if (!fits(offset, out.size(), size()))
        return util::fail(fmt::format("read of {} bytes at offset {} is past the end of the "
                                      "virtual disk ({} bytes)",
                                      out.size(), offset, size()),
                          origin_);
    const uint64_t block_size = geometry_.block_size;
    for (size_t done = 0; done < out.size();) {
        uint64_t pos = offset + done, block = pos / block_size, in_block = pos % block_size;
        size_t n = std::min<uint64_t>(out.size() - done, block_size - in_block);
        WSLMOD_CHECK(read_payload(file_, bat_[geometry_.bat_index(block)], block, in_block,
                                  out.subspan(done, n), origin_));
        done += n;
    }
    return {};
}

util::Result<void> VhdxReader::pwrite(uint64_t, std::span<const std::byte>) {
    return util::fail("the VHDX reader is read-only", origin_);
}

} // namespace wslmod::image

// VhdxReader on VHDX images built in memory with the vhdx_format encoders: correct reads, and a
// corpus of malformed files that open() must refuse with one line naming the file.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "image/vhdx_reader.h"
#include "support/catch.h"

using namespace wslmod;
using namespace wslmod::image;
namespace vx = wslmod::image::vhdx;
using vx::BatState;
using vx::MiB;

namespace {

const std::string origin = "test.vhdx";
const vx::Guid other_guid = vx::guid_from_string("11111111-2222-3333-4444-555555555555");

// Byte `v` of the virtual disk wherever a block holds data: varies within and across blocks.
std::byte pattern(uint64_t v) {
    return static_cast<std::byte>(((v * 2654435761u) >> 11) ^ (v >> 20) ^ 0x5a);
}

// Everything that goes into a test image; tests change fields before build().  The default is
// a 4 MiB disk with 1 MiB blocks: block 0 data at 4 MiB, block 1 ZERO, block 2 data at 5 MiB,
// block 3 NOT_PRESENT.
struct Layout {
    vx::Header h1{.sequence = 1}, h2{.sequence = 2};
    uint64_t bat_offset = 2 * MiB, metadata_offset = 3 * MiB;
    std::vector<vx::RegionEntry> regions = {{vx::bat_region, 2 * MiB, MiB},
                                            {vx::metadata_region, 3 * MiB, MiB}};
    std::vector<vx::MetadataEntry> items = {
        {vx::file_parameters_item, 0x10000, 8, false, false, true},
        {vx::virtual_disk_size_item, 0x10008, 8, false, true, true},
        {vx::page83_item, 0x10010, 16, false, true, true},
        {vx::logical_sector_size_item, 0x10020, 4, false, true, true},
        {vx::physical_sector_size_item, 0x10024, 4, false, true, true}};
    uint64_t block_size = MiB, file_flags = 0, logical_sector = 512, physical_sector = 4096;
    uint64_t virtual_size = 4 * MiB;
    vx::Guid page83 = vx::guid_from_string("01234567-89AB-CDEF-0123-456789ABCDEF");
    std::vector<uint64_t> bat = {
        vx::bat_entry(BatState::fully_present, 4 * MiB), vx::bat_entry(BatState::zero, 0),
        vx::bat_entry(BatState::fully_present, 5 * MiB), vx::bat_entry(BatState::not_present, 0)};
    std::vector<std::pair<uint64_t, uint64_t>> data = {{0, 4 * MiB}, {2, 5 * MiB}}; // block, offset
    uint64_t file_size = 6 * MiB;
};

// Stores `v` at `off` when it fits: mutated layouts may point anywhere.
void put(std::vector<std::byte>& f, uint64_t off, uint64_t v, size_t width) {
    if (off <= f.size() && width <= f.size() - off) vx::store_le(f, off, v, width);
}

std::optional<uint64_t> item_offset(const Layout& l, const vx::Guid& item) {
    for (const auto& e : l.items)
        if (e.item == item) return l.metadata_offset + e.offset;
    return std::nullopt;
}

std::vector<std::byte> build(const Layout& l) {
    std::vector<std::byte> f(l.file_size);
    std::span<std::byte> s(f);
    std::memcpy(f.data(), "vhdxfile", 8);
    vx::encode_header(l.h1, s.subspan(vx::header1_offset, vx::header_size));
    vx::encode_header(l.h2, s.subspan(vx::header2_offset, vx::header_size));
    vx::encode_region_table(l.regions, s.subspan(vx::region1_offset, vx::region_table_size));
    vx::encode_region_table(l.regions, s.subspan(vx::region2_offset, vx::region_table_size));
    vx::encode_metadata_table(l.items, s.subspan(l.metadata_offset, vx::metadata_table_size));
    if (auto o = item_offset(l, vx::file_parameters_item)) {
        put(f, *o, l.block_size, 4);
        put(f, *o + 4, l.file_flags, 4);
    }
    if (auto o = item_offset(l, vx::virtual_disk_size_item)) put(f, *o, l.virtual_size, 8);
    if (auto o = item_offset(l, vx::page83_item); o && *o + 16 <= f.size())
        std::memcpy(f.data() + *o, l.page83.data(), 16);
    if (auto o = item_offset(l, vx::logical_sector_size_item)) put(f, *o, l.logical_sector, 4);
    if (auto o = item_offset(l, vx::physical_sector_size_item)) put(f, *o, l.physical_sector, 4);
    for (size_t i = 0; i < l.bat.size(); ++i)
        put(f, l.bat_offset + 8 * i, l.bat[i], 8);
    for (auto [block, off] : l.data)
        for (uint64_t k = 0; k < l.block_size && off + k < f.size(); ++k)
            f[off + k] = pattern(block * l.block_size + k);
    return f;
}

// The virtual disk `l` describes, as read from a file of `file_size` bytes.
std::vector<std::byte> expected(const Layout& l, uint64_t file_size) {
    std::vector<std::byte> disk(l.virtual_size);
    for (auto [block, off] : l.data)
        for (uint64_t k = 0; k < l.block_size && block * l.block_size + k < disk.size(); ++k)
            if (off + k < file_size)
                disk[block * l.block_size + k] = pattern(block * l.block_size + k);
    return disk;
}

// Recomputes the checksum at +4 of the `size` bytes at `off` after a raw edit, so that the
// edited field, not the CRC, is what the reader trips over.
void reseal(std::vector<std::byte>& f, uint64_t off, size_t size) {
    std::span<std::byte> s(f.data() + off, size);
    vx::store_le(s, 4, 0, 4);
    vx::store_le(s, 4, vx::crc32c(s), 4);
}

// Reads the whole disk into a buffer filled with junk first, so that every byte must be written.
std::vector<std::byte> read_all(VhdxReader& r) {
    std::vector<std::byte> out(r.size(), std::byte{0xee});
    auto ok = r.pread(0, out);
    REQUIRE(ok);
    return out;
}

// The first offset where `a` and `b` differ, or -1: Catch would print megabytes of bytes.
int64_t first_difference(const std::vector<std::byte>& a, const std::vector<std::byte>& b) {
    if (a.size() != b.size()) return static_cast<int64_t>(std::min(a.size(), b.size()));
    auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin());
    return ia == a.end() ? -1 : ia - a.begin();
}

void check_one_line(const util::Error& e) {
    INFO(e.message());
    CHECK(e.where == origin);
    CHECK_FALSE(e.what.empty());
    CHECK(e.message().find('\n') == std::string::npos);
    CHECK(e.code == util::ExitCode::usage);
}

} // namespace

TEST_CASE("VhdxReader reads present and zero blocks of a vhdx, also across blocks") {
    Layout l;
    MemoryDevice file(build(l));
    auto r = VhdxReader::open(file, origin);
    REQUIRE(r);
    auto& reader = **r;
    CHECK(reader.size() == 4 * MiB);
    CHECK(reader.geometry().block_size == MiB);
    CHECK(reader.geometry().chunk_ratio == 4096);
    CHECK(reader.bat().size() == 4);
    CHECK(reader.header().sequence == 2);
    CHECK(reader.physical_sector_size() == 4096);
    CHECK(reader.page83() == l.page83);

    auto want = expected(l, l.file_size);
    CHECK(first_difference(read_all(reader), want) == -1);
    // Odd offsets and lengths across block boundaries, present into zero and back.
    for (auto [off, len] : std::vector<std::pair<uint64_t, size_t>>{{MiB - 100, 2 * MiB + 200},
                                                                    {1, 3 * MiB},
                                                                    {3 * MiB - 1, 1},
                                                                    {4 * MiB - 7, 7},
                                                                    {0, 0}}) {
        std::vector<std::byte> got(len, std::byte{0xee});
        REQUIRE(reader.pread(off, got));
        CHECK(std::equal(got.begin(), got.end(), want.begin() + static_cast<ptrdiff_t>(off)));
    }
    std::vector<std::byte> one(1);
    CHECK_FALSE(reader.pread(4 * MiB, one));
    CHECK_FALSE(reader.pread(UINT64_MAX, one));
    CHECK_FALSE(reader.pwrite(0, one));
}

TEST_CASE("VhdxReader maps vhdx payload blocks around the interleaved sector-bitmap entry") {
    // 4100 blocks of 1 MiB: BAT[4096] is the sector-bitmap entry of the first chunk, so payload
    // block 4096 lives at BAT[4097].  Blocks 4095 and 4096 hold data, the rest are ZERO.
    Layout l;
    l.virtual_size = 4100 * MiB;
    auto g = vx::make_geometry(l.virtual_size, l.block_size, l.logical_sector);
    REQUIRE(g);
    REQUIRE(g->bat_entries == 4101);
    l.bat.assign(g->bat_entries, vx::bat_entry(BatState::zero, 0));
    l.bat[4096] = 0; // sector bitmap: SB_BLOCK_NOT_PRESENT, as dynamic disks require
    l.bat[g->bat_index(4095)] = vx::bat_entry(BatState::fully_present, 4 * MiB);
    l.bat[g->bat_index(4096)] = vx::bat_entry(BatState::fully_present, 5 * MiB);
    l.data = {{4095, 4 * MiB}, {4096, 5 * MiB}};
    MemoryDevice file(build(l));
    auto r = VhdxReader::open(file, origin);
    REQUIRE(r);
    CHECK((*r)->bat().size() == 4101);

    std::vector<std::byte> got(2 * MiB + 2000, std::byte{0xee});
    uint64_t start = 4095 * MiB - 1000;
    REQUIRE((*r)->pread(start, got));
    for (size_t i = 0; i < got.size(); ++i) {
        uint64_t v = start + i;
        auto want = v >= 4095 * MiB && v < 4097 * MiB ? pattern(v) : std::byte{0};
        if (got[i] != want) FAIL("mismatch at virtual offset " << v);
    }
}

TEST_CASE("VhdxReader accepts the vhdx variants that QEMU writes and accepts") {
    Layout l;
    std::function<void(std::vector<std::byte>&)> raw = [](auto&) {};
    uint64_t file_size = l.file_size;
    SECTION("header 1 corrupt: header 2 is used") {
        raw = [](auto& f) { f[vx::header1_offset + 100] = std::byte{1}; };
    }
    SECTION("header 2 corrupt: header 1 is used") {
        raw = [](auto& f) { f[vx::header2_offset + 100] = std::byte{1}; };
    }
    SECTION("equal sequence numbers with identical headers") {
        l.h1 = l.h2;
    }
    SECTION("non-zero LogGuid with a zeroed log") {
        l.h2.log = l.page83;
    }
    SECTION("stale log entries with a zero LogGuid") {
        raw = [](auto& f) { std::memcpy(f.data() + MiB, "loge", 4); };
    }
    SECTION("regions not marked required, as QEMU writes them") {
        for (auto& e : l.regions)
            e.required = false;
    }
    SECTION("an unknown optional region and parent locator") {
        l.file_size = file_size = 7 * MiB;
        l.regions.push_back({other_guid, 6 * MiB, MiB, false});
        l.items.push_back({vx::parent_locator_item, 0x10100, 16, false, false, true});
    }
    SECTION("the last block runs past the end of the file") {
        raw = [](auto& f) { f.resize(5 * MiB + 512 * 1024); };
        file_size = 5 * MiB + 512 * 1024;
    }
    SECTION("other zero states and a short last block") {
        l.virtual_size = 3 * MiB + 512;
        l.bat[1] = vx::bat_entry(BatState::undefined, 0);
        l.bat[3] = vx::bat_entry(BatState::unmapped, 0);
    }
    SECTION("UNMAPPED_v095 and 4 KiB logical sectors") {
        l.logical_sector = 4096;
        l.bat[1] = vx::bat_entry(BatState::unmapped_v095, 0);
    }
    auto bytes = build(l);
    raw(bytes);
    MemoryDevice file(std::move(bytes));
    auto r = VhdxReader::open(file, origin);
    if (!r) FAIL(r.error().message());
    CHECK(first_difference(read_all(**r), expected(l, file_size)) == -1);
}

TEST_CASE(
    "VhdxReader opens vhdx blocks in reserved or differencing states but refuses to read them") {
    // Like QEMU (open and `qemu-img check` accept them, reads fail): the rest of the disk stays
    // readable, and the error names the block when it is touched.
    Layout l;
    uint64_t state = GENERATE(4, 7);
    l.bat[3] = (5 * MiB) | state;
    MemoryDevice file(build(l));
    auto r = VhdxReader::open(file, origin);
    REQUIRE(r);
    std::vector<std::byte> buf(MiB);
    CHECK((*r)->pread(2 * MiB, buf));
    auto bad = (*r)->pread(3 * MiB + 10, std::span(buf).first(10));
    REQUIRE_FALSE(bad);
    check_one_line(bad.error());
    CHECK(bad.error().what.find("payload block 3") != std::string::npos);
}

namespace {

struct Malformed {
    const char* name;
    const char* expect; // a fragment of Error::what, to prove which check fired
    std::function<void(Layout&)> layout = [](Layout&) {};
    std::function<void(std::vector<std::byte>&)> raw = [](std::vector<std::byte>&) {};
};

auto truncate_to(uint64_t n) {
    return [n](std::vector<std::byte>& f) { f.resize(n); };
}
auto flip(uint64_t off) {
    return [off](std::vector<std::byte>& f) { f[off] ^= std::byte{0xff}; };
}
auto present(size_t index, uint64_t off, BatState s = BatState::fully_present) {
    return [=](Layout& l) { l.bat[index] = vx::bat_entry(s, off); };
}

std::vector<Malformed> corpus() {
    auto nop = [](Layout&) {};
    return {
        {"truncated in the file identifier", "truncated", nop, truncate_to(4)},
        {"truncated in header 1", "header 1", nop, truncate_to(vx::header1_offset + 2048)},
        {"truncated in header 2", "header 2", nop, truncate_to(vx::header2_offset + 2048)},
        {"truncated in region table 1", "region table", nop, truncate_to(vx::region1_offset + 100)},
        {"truncated in the BAT region", "BAT region", nop, truncate_to(2 * MiB + 4096)},
        {"truncated in the metadata region", "metadata region", nop,
         truncate_to(3 * MiB + 0x10004)},
        {"bad file signature", "vhdxfile", nop, flip(0)},
        {"bad checksums in both headers", "checksum", nop,
         [](auto& f) {
             flip(vx::header1_offset + 200)(f);
             flip(vx::header2_offset + 200)(f);
         }},
        {"bad signatures in both headers", "signature", nop,
         [](auto& f) {
             flip(vx::header1_offset)(f);
             flip(vx::header2_offset)(f);
         }},
        {"header version 2", "version", [](Layout& l) { l.h1.version = l.h2.version = 2; }},
        {"equal sequence numbers, different headers", "sequence number",
         [](Layout& l) {
             l.h1.sequence = l.h2.sequence = 7;
             l.h1.data_write = other_guid;
         }},
        {"log version 1", "log version", [](Layout& l) { l.h2.log_version = 1; }},
        {"log offset 0", "log at 0x0", [](Layout& l) { l.h2.log_offset = 0; }},
        {"log offset not 1 MiB aligned", "aligned",
         [](Layout& l) { l.h2.log_offset = MiB + 4096; }},
        {"log length not 1 MiB aligned", "aligned", [](Layout& l) { l.h2.log_length = 4096; }},
        {"log past the end of the file", "past the end",
         [](Layout& l) { l.h2.log_offset = 64 * MiB; }},
        {"log needing replay", "replay", [](Layout& l) { l.h2.log = other_guid; },
         [](auto& f) { std::memcpy(f.data() + MiB + 8192, "loge", 4); }},
        {"bad region table checksum", "checksum", nop, flip(vx::region1_offset + 1000)},
        {"bad region table signature", "signature", nop, flip(vx::region1_offset)},
        {"region entry count 5000", "5000", nop,
         [](auto& f) {
             vx::store_le(f, vx::region1_offset + 8, 5000, 4);
             reseal(f, vx::region1_offset, vx::region_table_size);
         }},
        {"region past the end of the file", "past the end",
         [](Layout& l) { l.regions[1].offset = 100 * MiB; }},
        {"region length near 2^32 past the end", "past the end",
         [](Layout& l) { l.regions[1].length = 0xFFF00000; }},
        {"region offset not 1 MiB aligned", "aligned",
         [](Layout& l) { l.regions[1].offset = 3 * MiB + 4096; }},
        {"region inside the header area", "after the headers",
         [](Layout& l) { l.regions[1].offset = 0; }},
        {"overlapping regions", "overlap", [](Layout& l) { l.regions[1].offset = 2 * MiB; }},
        {"region overlapping the log", "overlap", [](Layout& l) { l.regions[0].offset = MiB; }},
        {"duplicate regions", "duplicate", [](Layout& l) { l.regions.push_back(l.regions[0]); }},
        {"unknown required region", "unknown required region",
         [](Layout& l) {
             l.file_size = 7 * MiB;
             l.regions.push_back({other_guid, 6 * MiB, MiB, true});
         }},
        {"no BAT region", "no BAT region", [](Layout& l) { l.regions.erase(l.regions.begin()); }},
        {"bad metadata signature", "metadata", nop, flip(3 * MiB)},
        {"metadata entry count 65535", "65535", nop,
         [](auto& f) { vx::store_le(f, 3 * MiB + 10, 65535, 2); }},
        {"missing virtual disk size item", "virtual disk size is missing",
         [](Layout& l) { l.items.erase(l.items.begin() + 1); }},
        {"duplicate metadata item", "duplicate metadata",
         [](Layout& l) { l.items.push_back(l.items[0]); }},
        {"unknown required metadata item", "unknown required metadata",
         [](Layout& l) {
             l.items.push_back({other_guid, 0x10100, 8, false, false, true});
         }},
        {"metadata item outside its region", "outside",
         [](Layout& l) { l.items[0].offset = 0xFFFFFFFC; }},
        {"metadata item inside the table", "outside", [](Layout& l) { l.items[0].offset = 0x100; }},
        {"metadata item too short", "short", [](Layout& l) { l.items[1].length = 4; }},
        {"block size not a power of two", "power of two",
         [](Layout& l) { l.block_size = 3 * MiB; }},
        {"block size 0", "power of two", [](Layout& l) { l.block_size = 0; }},
        {"block size 512 MiB", "power of two", [](Layout& l) { l.block_size = 512 * MiB; }},
        {"logical sector size 1000", "logical sector", [](Layout& l) { l.logical_sector = 1000; }},
        {"physical sector size 1000", "physical sector",
         [](Layout& l) { l.physical_sector = 1000; }},
        {"HasParent (differencing)", "differencing", [](Layout& l) { l.file_flags = 2; }},
        {"virtual size 0", "virtual disk size", [](Layout& l) { l.virtual_size = 0; }},
        {"virtual size not a sector multiple", "virtual disk size",
         [](Layout& l) { l.virtual_size = 4 * MiB + 100; }},
        {"BAT region too small for the entries", "too small",
         [](Layout& l) { l.virtual_size = uint64_t{200} << 30; }},
        {"BAT entry past the end of the file", "past the end", present(3, 100 * MiB)},
        {"BAT entry at the largest offset", "past the end", present(3, ~uint64_t{0})},
        {"PARTIALLY_PRESENT entry past the end", "past the end",
         present(3, 100 * MiB, BatState::partially_present)},
        {"BAT entry inside the metadata region", "inside the metadata region", present(3, 3 * MiB)},
        {"BAT entry inside the BAT region", "inside the BAT region", present(1, 2 * MiB)},
        {"BAT entry inside the log", "inside the log", present(3, MiB)},
        {"BAT entry inside the header area", "header area", present(3, 0)},
        {"a block other than the last runs past the end", "past the end",
         [](Layout& l) {
             // 2 MiB blocks at 4 and 5 MiB in a 5.5 MiB file: the one at 4 MiB is not the last.
             l.block_size = 2 * MiB;
             l.bat = {vx::bat_entry(BatState::fully_present, 4 * MiB),
                      vx::bat_entry(BatState::fully_present, 5 * MiB)};
             l.data = {{0, 4 * MiB}};
             l.file_size = 5 * MiB + 512 * 1024;
         }},
    };
}

} // namespace

TEST_CASE("VhdxReader refuses malformed vhdx files with one line naming the file") {
    auto cases = corpus();
    CHECK(cases.size() >= 22);
    for (const auto& c : cases) {
        INFO(c.name);
        Layout l;
        c.layout(l);
        auto bytes = build(l);
        c.raw(bytes);
        MemoryDevice file(std::move(bytes));
        auto r = VhdxReader::open(file, origin);
        if (r) {
            FAIL_CHECK("opened");
            continue;
        }
        check_one_line(r.error());
        INFO(r.error().message());
        CHECK(r.error().what.find(c.expect) != std::string::npos);
    }
}

TEST_CASE("VhdxReader says how to replay a pending vhdx log and why differencing disks fail") {
    Layout l;
    l.h2.log = other_guid;
    auto bytes = build(l);
    std::memcpy(bytes.data() + MiB, "loge", 4);
    MemoryDevice log_file(std::move(bytes));
    auto r = VhdxReader::open(log_file, origin);
    REQUIRE_FALSE(r);
    CHECK(r.error().hint == "replay it with `qemu-img check -r all test.vhdx`");

    Layout d;
    d.file_flags = 2;
    MemoryDevice diff_file(build(d));
    auto e = VhdxReader::open(diff_file, origin);
    REQUIRE_FALSE(e);
    CHECK(e.error().hint == "wslmod reads only dynamic and fixed VHDX");
}

TEST_CASE("VhdxReader survives random corruption of every vhdx structure") {
    // Not a proof, but under the sanitizer build any out-of-bounds access shows up here.
    struct Area {
        uint64_t begin, length;
    };
    const std::vector<Area> areas = {{vx::header1_offset + 8, 72},  {vx::header2_offset + 8, 72},
                                     {vx::region1_offset + 8, 104}, {3 * MiB + 8, 184},
                                     {3 * MiB + 0x10000, 0x28},     {2 * MiB, 32}};
    const auto pristine = build(Layout{});
    std::mt19937_64 rng(20240601);
    MemoryDevice file;
    int opened = 0;
    for (int round = 0; round < 1000; ++round) {
        file.bytes() = pristine;
        auto& f = file.bytes();
        for (int n = 1 + static_cast<int>(rng() % 4); n > 0; --n) {
            const auto& a = areas[rng() % areas.size()];
            auto value = std::array<uint8_t, 4>{0, 0xff, 0x01, static_cast<uint8_t>(rng())};
            f[a.begin + rng() % a.length] = std::byte{value[rng() % 4]};
        }
        reseal(f, vx::header1_offset, vx::header_size);
        reseal(f, vx::header2_offset, vx::header_size);
        reseal(f, vx::region1_offset, vx::region_table_size);
        auto r = VhdxReader::open(file, origin);
        if (!r) {
            check_one_line(r.error());
            continue;
        }
        ++opened;
        auto& reader = **r;
        // The start, the middle and the end: every block of the default layout is touched.
        std::vector<std::byte> buf(std::min<uint64_t>(reader.size(), 8 * MiB));
        uint64_t last = reader.size() - buf.size();
        for (uint64_t off : {uint64_t{0}, last / 2, last})
            if (auto read = reader.pread(off, buf); !read) check_one_line(read.error());
    }
    INFO(opened << " of 1000 corrupted files opened");
    CHECK(opened > 0); // some corruptions are benign (GUIDs, unused bytes)
}

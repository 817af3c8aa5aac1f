// VhdReader on VHD files built in memory by a tiny encoder: fixed and dynamic reads, sector
// bitmaps, unallocated blocks, and a corpus of malformed files that open() must refuse.
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "image/vhd_reader.h"
#include "support/catch.h"
#include "support/vhd_encoding.h"

using namespace wslmod;
using image::MemoryDevice;
using image::VhdReader;

namespace {

using Bytes = std::vector<std::byte>;

using test::put_be;

Bytes footer(uint64_t size, uint32_t type, uint64_t data_offset) {
    return test::vhd_footer(size, type, data_offset, "test");
}

void put_checksum(Bytes& d, size_t start, size_t length, size_t field) {
    test::put_vhd_checksum(d, start, length, field);
}

// A deterministic pattern, so every byte of a read can be checked.
Bytes pattern(size_t n, uint32_t seed) {
    Bytes d(n);
    for (size_t i = 0; i < n; ++i) {
        seed = seed * 1103515245u + 12345u;
        d[i] = std::byte(seed >> 16);
    }
    return d;
}

Bytes make_fixed(const Bytes& content) {
    Bytes f = content;
    auto ft = footer(content.size(), 2, ~uint64_t{0});
    f.insert(f.end(), ft.begin(), ft.end());
    return f;
}

// Layout of make_dynamic's output, for the malformed variants to patch.
constexpr size_t kHeaderAt = 512, kTableAt = 1536;

// A dynamic VHD of `content`, in blocks of `block` bytes.  Sectors for which `written` says
// false get their bitmap bit cleared and junk (0xEE) stored, so reads must honour the bitmap;
// blocks with no written sector stay unallocated.
Bytes make_dynamic(const Bytes& content, uint32_t block,
                   const std::function<bool(size_t sector)>& written) {
    size_t entries = (content.size() + block - 1) / block;
    size_t sectors_per_block = block / 512;
    size_t bitmap = ((sectors_per_block + 7) / 8 + 511) / 512 * 512;
    size_t table_bytes = (entries * 4 + 511) / 512 * 512;
    Bytes f = footer(content.size(), 3, kHeaderAt);
    f.resize(kTableAt + table_bytes, std::byte{0xFF});
    Bytes& h = f;
    std::fill(h.begin() + kHeaderAt, h.begin() + kTableAt, std::byte{0});
    std::memcpy(h.data() + kHeaderAt, "cxsparse", 8);
    put_be(h, kHeaderAt + 8, ~uint64_t{0}, 8);
    put_be(h, kHeaderAt + 16, kTableAt, 8);
    put_be(h, kHeaderAt + 24, 0x00010000, 4);
    put_be(h, kHeaderAt + 28, entries, 4);
    put_be(h, kHeaderAt + 32, block, 4);
    put_checksum(h, kHeaderAt, 1024, 36);
    for (size_t b = 0; b < entries; ++b) {
        Bytes bits(bitmap), data(block, std::byte{0xEE});
        bool any = false;
        for (size_t s = 0; s < sectors_per_block; ++s) {
            size_t sector = b * sectors_per_block + s, at = sector * 512;
            if (at >= content.size() || !written(sector)) continue;
            any = true;
            bits[s / 8] |= std::byte(0x80 >> (s % 8));
            size_t n = std::min<size_t>(512, content.size() - at);
            std::memcpy(data.data() + s * 512, content.data() + at, n);
        }
        if (!any) continue;
        put_be(f, kTableAt + b * 4, f.size() / 512, 4);
        f.insert(f.end(), bits.begin(), bits.end());
        f.insert(f.end(), data.begin(), data.end());
    }
    auto ft = footer(content.size(), 3, kHeaderAt);
    f.insert(f.end(), ft.begin(), ft.end());
    return f;
}

// Rewrites the trailing footer's checksum after a field was patched (the reader ignores the
// copy at offset 0).
void refooter(Bytes& f) {
    put_checksum(f, f.size() - 512, 512, 64);
}
void reheader(Bytes& f) {
    put_checksum(f, kHeaderAt, 1024, 36);
}

Bytes read_all(VhdReader& r, size_t chunk) {
    Bytes out(r.size());
    for (size_t at = 0; at < out.size(); at += chunk) {
        size_t n = std::min(chunk, out.size() - at);
        auto ok = r.pread(at, std::span(out).subspan(at, n));
        REQUIRE(ok);
    }
    return out;
}

} // namespace

TEST_CASE("VhdReader reads a fixed VHD") {
    auto content = pattern(3 * 512 + 100, 1);
    MemoryDevice dev(make_fixed(content));
    auto r = VhdReader::open(dev, "fixed.vhd");
    REQUIRE(r);
    CHECK((*r)->type() == VhdReader::Type::fixed);
    CHECK((*r)->block_size() == 0);
    CHECK((*r)->size() == content.size());
    CHECK(read_all(**r, 7) == content);
    Bytes one(10);
    CHECK_FALSE((*r)->pread(content.size() - 5, one));
    CHECK_FALSE((*r)->pwrite(0, one));
}

TEST_CASE("VhdReader accepts the 511-byte footer of old Virtual PC files") {
    auto content = pattern(1024, 2);
    auto f = make_fixed(content);
    f.pop_back(); // the reserved byte; it is zero, so the checksum still holds
    MemoryDevice dev(f);
    auto r = VhdReader::open(dev, "old.vhd");
    REQUIRE(r);
    CHECK(read_all(**r, 1024) == content);
}

TEST_CASE("VhdReader reads a dynamic VHD: allocated, partial and unallocated blocks") {
    constexpr uint32_t block = 4096; // 8 sectors per block
    // 6 blocks and a partial seventh.
    auto content = pattern(6 * block + 700, 3);
    // Block 0 fully written; block 1 with sectors 1, 2 and 7 written; blocks 2 and 4 never
    // written; block 3 fully written; block 5 only sector 0; the partial block 6 fully written.
    auto written = [](size_t sector) {
        size_t b = sector / 8, s = sector % 8;
        switch (b) {
        case 1:
            return s == 1 || s == 2 || s == 7;
        case 2:
        case 4:
            return false;
        case 5:
            return s == 0;
        default:
            return true;
        }
    };
    Bytes expected = content;
    for (size_t i = 0; i < expected.size(); ++i)
        if (!written(i / 512)) expected[i] = std::byte{0};
    MemoryDevice dev(make_dynamic(content, block, written));
    auto r = VhdReader::open(dev, "dyn.vhd");
    REQUIRE(r);
    CHECK((*r)->type() == VhdReader::Type::dynamic);
    CHECK((*r)->block_size() == block);
    CHECK((*r)->size() == content.size());
    // Chunk sizes that start and end mid-sector and span blocks.
    for (size_t chunk : {size_t{1}, size_t{333}, size_t{512}, size_t{5000}, expected.size()}) {
        INFO("chunk " << chunk);
        CHECK(read_all(**r, chunk) == expected);
    }
    // One read spanning every kind of block.
    Bytes span(3 * block + 10);
    REQUIRE((*r)->pread(block - 5, span));
    CHECK(std::equal(span.begin(), span.end(), expected.begin() + block - 5));
    CHECK_FALSE((*r)->pread(expected.size(), std::span(span).first(1)));
    CHECK((*r)->pread(expected.size(), std::span(span).first(0)));
}

TEST_CASE("VhdReader refuses malformed VHD files with a one-line error naming the file") {
    constexpr uint32_t block = 4096;
    auto content = pattern(3 * block, 4);
    auto all = [](size_t) { return true; };
    const Bytes good = make_dynamic(content, block, all);
    const size_t foot = good.size() - 512;
    {
        MemoryDevice dev(good);
        REQUIRE(VhdReader::open(dev, "x.vhd"));
    }
    // Each case names the words its error must contain, so that no case passes by tripping an
    // earlier check than the one it is about.
    struct Case {
        const char* name;
        const char* expect;
        std::function<void(Bytes&)> mutate;
    };
    auto footer_field = [&](size_t at, uint64_t v, size_t width) {
        return [=](Bytes& f) {
            put_be(f, foot + at, v, width);
            refooter(f);
        };
    };
    auto header_field = [](size_t at, uint64_t v, size_t width) {
        return [=](Bytes& f) {
            put_be(f, kHeaderAt + at, v, width);
            reheader(f);
        };
    };
    std::vector<Case> cases = {
        {"empty file", "too small", [](Bytes& f) { f.clear(); }},
        {"truncated footer", "no VHD footer", [](Bytes& f) { f.erase(f.end() - 100, f.end()); }},
        {"bad cookie", "no VHD footer",
         [&](Bytes& f) {
             f[foot] = std::byte{'C'};
             refooter(f);
         }},
        {"bad footer checksum", "footer checksum", [&](Bytes& f) { f[foot + 40] ^= std::byte{1}; }},
        {"differencing type", "differencing", footer_field(60, 4, 4)},
        {"unknown type", "unknown VHD disk type 7", footer_field(60, 7, 4)},
        {"current size 0", "size is 0", footer_field(48, 0, 8)},
        {"header offset past EOF", "header at offset", footer_field(16, good.size() - 512, 8)},
        {"header offset overflows", "header at offset", footer_field(16, ~uint64_t{0} - 100, 8)},
        {"bad cxsparse cookie", "cxsparse",
         [](Bytes& f) {
             f[kHeaderAt + 1] = std::byte{'X'};
             reheader(f);
         }},
        {"bad header checksum", "header checksum",
         [](Bytes& f) { f[kHeaderAt + 33] ^= std::byte{1}; }},
        {"block size 0", "block size 0", header_field(32, 0, 4)},
        {"block size not a power of two", "block size 3072", header_field(32, 3072, 4)},
        {"block size below a sector", "block size 256", header_field(32, 256, 4)},
        {"block size absurd", "block size 2147483648", header_field(32, 1u << 31, 4)},
        {"table offset past EOF", "block table of", header_field(16, good.size(), 8)},
        {"table offset overflows", "block table of", header_field(16, ~uint64_t{0} - 4, 8)},
        {"max table entries too small", "need 3", header_field(28, 2, 4)},
        {"max table entries absurdly large", "block table of", header_field(28, 0xFFFFFFFF, 4)},
        {"BAT entry past EOF", "block 1 at sector",
         [](Bytes& f) { put_be(f, kTableAt + 4, f.size() / 512, 4); }},
        {"BAT entry straddling EOF", "block 2 at sector",
         [](Bytes& f) { put_be(f, kTableAt + 8, f.size() / 512 - 2, 4); }},
        {"fixed disk larger than its file", "fixed VHD claims",
         [&](Bytes& f) {
             put_be(f, foot + 60, 2, 4);
             put_be(f, foot + 48, foot + 1, 8);
             refooter(f);
         }},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        Bytes f = good;
        c.mutate(f);
        MemoryDevice dev(std::move(f));
        auto r = VhdReader::open(dev, "x.vhd");
        REQUIRE_FALSE(r);
        const auto& e = r.error();
        INFO(e.message());
        CHECK(e.what.find(c.expect) != std::string::npos);
        CHECK(e.where == "x.vhd");
        CHECK(e.code == util::ExitCode::usage);
        CHECK(e.message().find('\n') == std::string::npos);
        if (std::string(c.name) == "differencing type")
            CHECK(e.hint == "wslmod reads only fixed and dynamic VHD");
    }
}

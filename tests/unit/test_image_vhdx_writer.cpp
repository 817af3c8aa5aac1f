// The VHDX writer on memory, read back through the VHDX reader and checked structurally.
#include <vector>

#include "image/vhdx_reader.h"
#include "image/vhdx_writer.h"
#include "support/catch.h"

using namespace wslmod::image;
using vhdx::MiB;

namespace {

std::vector<std::byte> pattern(size_t n, uint8_t seed) {
    std::vector<std::byte> v(n);
    for (size_t i = 0; i < n; ++i)
        v[i] = std::byte(static_cast<uint8_t>(seed + i * 7 + 1));
    return v;
}

const std::vector<std::byte> digest(32, std::byte{0x42});

// Writes a 12 MiB disk: data in blocks 0, 3 (straddling into 4) and 11, zeros in block 6.
MemoryDevice write_sample(uint64_t block_size = MiB) {
    MemoryDevice file({}, true);
    auto w = VhdxWriter::create(file, {12 * MiB, block_size, 4096, "test"});
    REQUIRE(w);
    REQUIRE((*w)->pwrite(100, pattern(5000, 1)));
    REQUIRE((*w)->pwrite(4 * MiB - 2048, pattern(4096, 2)));
    REQUIRE((*w)->pwrite(6 * MiB, std::vector<std::byte>(MiB)));
    REQUIRE((*w)->pwrite(12 * MiB - 512, pattern(512, 3)));
    std::vector<std::byte> back(4096);
    REQUIRE((*w)->pread(4 * MiB - 2048, back));
    CHECK(back == pattern(4096, 2));
    REQUIRE((*w)->finish(digest));
    CHECK_FALSE((*w)->pwrite(0, pattern(1, 1))); // no write after finish
    return file;
}

} // namespace

TEST_CASE("VhdxWriter output reads back byte for byte, with zero blocks never stored") {
    auto file = write_sample();
    auto r = VhdxReader::open(file, "mem.vhdx");
    REQUIRE(r);
    REQUIRE((*r)->size() == 12 * MiB);
    std::vector<std::byte> disk(12 * MiB);
    REQUIRE((*r)->pread(0, disk));
    std::vector<std::byte> expect(12 * MiB);
    auto put = [&](size_t at, const std::vector<std::byte>& v) {
        std::copy(v.begin(), v.end(), expect.begin() + static_cast<ptrdiff_t>(at));
    };
    put(100, pattern(5000, 1));
    put(4 * MiB - 2048, pattern(4096, 2));
    put(12 * MiB - 512, pattern(512, 3));
    CHECK(disk == expect);

    // Blocks 0, 3, 4 and 11 are stored, 1 MiB aligned; block 6 (all zeros) and the rest are ZERO.
    const auto& bat = (*r)->bat();
    int present = 0;
    for (uint64_t b = 0; b < 12; ++b) {
        auto e = bat[(*r)->geometry().bat_index(b)];
        bool stored = b == 0 || b == 3 || b == 4 || b == 11;
        CHECK(vhdx::bat_state(e) ==
              (stored ? vhdx::BatState::fully_present : vhdx::BatState::zero));
        CHECK(vhdx::bat_offset(e) % MiB == 0);
        if (!stored) CHECK(vhdx::bat_offset(e) == 0);
        present += stored;
    }
    CHECK(present == 4);
    CHECK(file.size() == 2 * MiB /*header+log*/ + MiB /*BAT*/ + MiB /*metadata*/ + 4 * MiB);
    CHECK((*r)->physical_sector_size() == 4096);
    CHECK(vhdx::is_zero((*r)->header().log));
}

TEST_CASE(
    "VhdxWriter is deterministic: same writes and digest, same bytes and GUIDs follow the digest") {
    CHECK(write_sample().bytes() == write_sample().bytes());
    MemoryDevice other({}, true);
    auto w = VhdxWriter::create(other, {12 * MiB, MiB, 4096, "test"});
    REQUIRE(w);
    REQUIRE((*w)->pwrite(100, pattern(5000, 1)));
    REQUIRE((*w)->finish(std::vector<std::byte>(32, std::byte{0x43})));
    auto sample = write_sample();
    auto a = VhdxReader::open(sample, "a");
    auto b = VhdxReader::open(other, "b");
    REQUIRE(a);
    REQUIRE(b);
    CHECK((*a)->page83() != (*b)->page83());
    CHECK((*a)->header().data_write != (*b)->header().data_write);
}

TEST_CASE("VhdxWriter interleaves sector-bitmap entries past one chunk") {
    // 1 MiB blocks: 4096 payload blocks per chunk; a 4097-block disk needs one bitmap entry.
    MemoryDevice file({}, true);
    auto w = VhdxWriter::create(file, {4097 * MiB, MiB, 512, "test"});
    REQUIRE(w);
    REQUIRE((*w)->pwrite(4096 * MiB + 10, pattern(100, 9)));
    REQUIRE((*w)->finish(digest));
    auto r = VhdxReader::open(file, "big");
    REQUIRE(r);
    CHECK((*r)->bat().size() == 4098);
    CHECK((*r)->bat()[4096] == 0); // the sector-bitmap entry
    CHECK(vhdx::bat_state((*r)->bat()[4097]) == vhdx::BatState::fully_present);
    std::vector<std::byte> back(100);
    REQUIRE((*r)->pread(4096 * MiB + 10, back));
    CHECK(back == pattern(100, 9));
}

TEST_CASE("VhdxWriter refuses bad geometry") {
    MemoryDevice file({}, true);
    CHECK_FALSE(VhdxWriter::create(file, {12 * MiB, 3 * MiB, 4096, ""}));
    CHECK_FALSE(VhdxWriter::create(file, {12 * MiB, 512 * MiB, 4096, ""}));
    CHECK_FALSE(VhdxWriter::create(file, {1000, MiB, 4096, ""}));
    CHECK_FALSE(VhdxWriter::create(file, {12 * MiB, MiB, 1024, ""}));
}

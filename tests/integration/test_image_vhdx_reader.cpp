// VhdxReader against QEMU, the oracle: VHDX files written by qemu-img and qemu-io must read
// back byte for byte as `qemu-img convert -O raw` reads them.
#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "image/vhdx_reader.h"
#include "support/catch.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/process.h"

using namespace wslmod;
using namespace wslmod::image;
using vhdx::MiB;

namespace {

// The first offset where `a` and `b` differ, or -1: Catch would print megabytes of bytes.
int64_t first_difference(const std::vector<std::byte>& a, const std::vector<std::byte>& b) {
    if (a.size() != b.size()) return static_cast<int64_t>(std::min(a.size(), b.size()));
    auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin());
    return ia == a.end() ? -1 : ia - a.begin();
}

// Fills [begin, end) of `disk` with bytes that differ per offset and per `seed`.
void fill(std::vector<std::byte>& disk, uint64_t begin, uint64_t end, uint32_t seed) {
    for (uint64_t v = begin; v < end; ++v)
        disk[v] = static_cast<std::byte>(((v * 2654435761u + seed * 40503u) >> 9) ^ seed);
}

// 40 MiB with data at the start, across a 1 MiB boundary at odd offsets, over several whole
// blocks, in one lone byte and at the very end; zeros elsewhere.
std::vector<std::byte> sample_disk() {
    std::vector<std::byte> disk(40 * MiB);
    fill(disk, 0, 300 * 1024, 1);
    fill(disk, 3 * MiB - 5000, 3 * MiB + 70000, 2);
    fill(disk, 17 * MiB, 25 * MiB, 3);
    disk[33 * MiB + 7] = std::byte{0x42};
    fill(disk, 40 * MiB - 4096, 40 * MiB, 4);
    return disk;
}

} // namespace

TEST_CASE("VhdxReader reads qemu-img's vhdx as qemu-img does, for 1, 8 and 32 MiB blocks") {
    test::require_program("qemu-img");
    auto [block_size, options] = GENERATE(table<uint64_t, std::string>({
        {1, "block_size=1M"},
        {8, "block_size=8M"},
        {32, "block_size=32M"},
        {8, "block_size=8M,block_state_zero=off"}, // unwritten blocks NOT_PRESENT, not ZERO
    }));
    INFO(options);
    auto dir = test::scratch_dir("vhdx-reader-" + std::to_string(block_size) + "m");
    auto disk = sample_disk();
    test::save_bytes(dir / "in.raw", disk);
    test::run_ok({"qemu-img", "convert", "-f", "raw", "-O", "vhdx", "-o", options,
                  (dir / "in.raw").string(), (dir / "x.vhdx").string()});
    test::run_ok({"qemu-img", "convert", "-f", "vhdx", "-O", "raw", (dir / "x.vhdx").string(),
                  (dir / "oracle.raw").string()});
    auto oracle = test::load_bytes(dir / "oracle.raw");
    REQUIRE(first_difference(oracle, disk) == -1);

    auto file = FileDevice::open_read(dir / "x.vhdx");
    REQUIRE(file);
    auto reader = VhdxReader::open(*file, "x.vhdx");
    if (!reader) FAIL(reader.error().message());
    CHECK((*reader)->geometry().block_size == block_size * MiB);
    REQUIRE((*reader)->size() == oracle.size());
    std::vector<std::byte> got(oracle.size(), std::byte{0xee});
    REQUIRE((*reader)->pread(0, got));
    CHECK(first_difference(got, oracle) == -1);
}

TEST_CASE("VhdxReader reads a sparse 5 GiB qemu vhdx across the first sector-bitmap entry") {
    test::require_program("qemu-img");
    test::require_program("qemu-io");
    auto dir = test::scratch_dir("vhdx-reader-sparse");
    auto vhdx_path = (dir / "x.vhdx").string(), raw_path = (dir / "oracle.raw").string();
    test::run_ok(
        {"qemu-img", "create", "-q", "-f", "vhdx", "-o", "block_size=1M", vhdx_path, "5G"});
    // Offsets: the start; 64 KiB either side of 4 GiB, i.e. payload blocks 4095 and 4096 on
    // both sides of BAT[4096], the first sector-bitmap entry; above 4 GiB over two blocks at
    // odd sectors; the last sector of the disk.
    const uint64_t GiB = 1024 * MiB;
    test::run_ok({"qemu-io", "-f", "vhdx", "-c", "write -q -P 0xab 0 65536", "-c",
                  "write -q -P 0xcd " + std::to_string(4 * GiB - 65536) + " 131072", "-c",
                  "write -q -P 0xef " + std::to_string(4 * GiB + GiB / 2 + 1536) + " 1049088", "-c",
                  "write -q -P 0x17 " + std::to_string(5 * GiB - 512) + " 512", vhdx_path});
    test::run_ok({"qemu-img", "convert", "-f", "vhdx", "-O", "raw", vhdx_path, raw_path});

    auto file = FileDevice::open_read(vhdx_path);
    REQUIRE(file);
    auto reader = VhdxReader::open(*file, "x.vhdx");
    if (!reader) FAIL(reader.error().message());
    auto& r = **reader;
    REQUIRE(r.size() == 5 * GiB);
    REQUIRE(r.geometry().chunk_ratio == 4096);
    CHECK(r.bat()[4096] == 0); // the sector-bitmap entry
    CHECK(vhdx::bat_state(r.bat()[4095]) == vhdx::BatState::fully_present);
    CHECK(vhdx::bat_state(r.bat()[4097]) == vhdx::BatState::fully_present); // payload block 4096

    auto oracle = FileDevice::open_read(raw_path);
    REQUIRE(oracle);
    REQUIRE(oracle->size() == r.size());
    // Stream both in 1 MiB pieces: the oracle is sparse, memory is not.
    std::vector<std::byte> want(MiB), got(MiB);
    uint64_t data_chunks = 0;
    for (uint64_t off = 0; off < r.size(); off += MiB) {
        REQUIRE(oracle->pread(off, want));
        std::fill(got.begin(), got.end(), std::byte{0xee});
        REQUIRE(r.pread(off, got));
        if (got != want) FAIL("virtual disk differs from qemu-img's in the MiB at " << off);
        data_chunks += !all_zero(want);
    }
    CHECK(data_chunks == 6);
    std::vector<std::byte> edge(2);
    REQUIRE(r.pread(4 * GiB - 1, edge));
    CHECK(edge == std::vector<std::byte>{std::byte{0xcd}, std::byte{0xcd}});
}

// VhdReader against QEMU, the oracle: fixed and dynamic VHD files written by qemu-img must read
// back byte for byte as `qemu-img convert -f vpc -O raw` reads them, over the whole virtual disk.
#include <fstream>
#include <string>
#include <vector>

#include "image/vhd_reader.h"
#include "support/catch.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/process.h"

using namespace wslmod;
using namespace wslmod::image;

namespace {

constexpr uint64_t MiB = 1024 * 1024;

// Fills [begin, end) of `disk` with bytes that differ per offset and per `seed`.
void fill(std::vector<std::byte>& disk, uint64_t begin, uint64_t end, uint32_t seed) {
    for (uint64_t v = begin; v < end; ++v)
        disk[v] = static_cast<std::byte>(((v * 2654435761u + seed * 40503u) >> 9) ^ seed);
}

// 24 MiB and 300 KiB, so that neither qemu's CHS rounding nor the 2 MiB dynamic blocks line up
// with the end: data at the start, across the 4 MiB block boundary at odd offsets, over a
// whole block, in one lone sector of an otherwise empty block, and up to the very end.
std::vector<std::byte> sample_disk() {
    std::vector<std::byte> disk(24 * MiB + 300 * 1024);
    fill(disk, 0, 64 * 1024, 1);
    fill(disk, 4 * MiB - 3001, 4 * MiB + 5003, 2);
    fill(disk, 10 * MiB + 123, 12 * MiB + 4567, 3);
    fill(disk, 15 * MiB + 7 * 512, 15 * MiB + 8 * 512, 4);
    fill(disk, disk.size() - 100 * 1024, disk.size(), 5);
    return disk;
}

} // namespace

TEST_CASE("VhdReader reads qemu-img's fixed and dynamic VHD as qemu-img does") {
    test::require_program("qemu-img");
    auto [subformat, force_size] = GENERATE(table<std::string, bool>({
        {"fixed", false},
        {"fixed", true},
        {"dynamic", false},
        {"dynamic", true},
    }));
    INFO(subformat << (force_size ? " force_size=on" : " (CHS-rounded size)"));
    auto dir = test::scratch_dir("vhd-reader-" + subformat + (force_size ? "-forced" : ""));
    auto disk = sample_disk();
    test::save_bytes(dir / "in.raw", disk);

    auto vhd = (dir / "x.vhd").string();
    std::string options = "subformat=" + subformat + (force_size ? ",force_size=on" : "");
    auto made = test::run_tool({"qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o", options,
                                (dir / "in.raw").string(), vhd});
    INFO(made.output);
    if (force_size && made.exit_code != 0 && made.output.find("force_size") != std::string::npos) {
        WARN("this qemu-img has no force_size option; only the CHS-rounded size is tested");
        return;
    }
    REQUIRE(made.exit_code == 0);
    auto oracle_run = test::run_tool(
        {"qemu-img", "convert", "-f", "vpc", "-O", "raw", vhd, (dir / "oracle.raw").string()});
    INFO(oracle_run.output);
    REQUIRE(oracle_run.exit_code == 0);
    auto oracle = test::load_bytes(dir / "oracle.raw");
    // The oracle itself: our data first, then (CHS rounding only) zeros.
    REQUIRE(oracle.size() >= disk.size());
    if (force_size) CHECK(oracle.size() == disk.size());
    CHECK(std::equal(disk.begin(), disk.end(), oracle.begin()));
    CHECK(std::all_of(oracle.begin() + static_cast<ptrdiff_t>(disk.size()), oracle.end(),
                      [](std::byte b) { return b == std::byte{0}; }));

    auto file = FileDevice::open_read(vhd);
    REQUIRE(file);
    auto reader = VhdReader::open(*file, vhd);
    INFO((reader ? std::string() : reader.error().message()));
    REQUIRE(reader);
    auto& r = **reader;
    CHECK(r.type() == (subformat == "fixed" ? VhdReader::Type::fixed : VhdReader::Type::dynamic));
    if (subformat == "dynamic") CHECK(r.block_size() == 2 * MiB);
    REQUIRE(r.size() == oracle.size());

    // Odd-sized reads, so that most of them start and end mid-sector and span blocks.
    std::vector<std::byte> got(r.size());
    const uint64_t chunk = MiB + 4097;
    for (uint64_t at = 0; at < got.size(); at += chunk) {
        auto n = std::min<uint64_t>(chunk, got.size() - at);
        REQUIRE(r.pread(at, std::span(got).subspan(at, n)));
    }
    CHECK(got == oracle);
}

// Writes the seed corpus for fuzz_image_readers into the directory argv[1]: small valid fixed
// and dynamic VHDs (with partial sector bitmaps and unallocated blocks), and VHDXs from
// VhdxWriter in the stretched form (stretch.h), so the fuzzer starts past every header check.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "image/vhdx_writer.h"
#include "stretch.h"
#include "support/vhd_encoding.h"

using namespace wslmod;
namespace vhdx = wslmod::image::vhdx;
using Bytes = std::vector<std::byte>;

namespace {

using test::put_be;
using test::vhd_footer;

void put_checksum(Bytes& d, size_t start, size_t length, size_t field) {
    test::put_vhd_checksum(d, start, length, field);
}

Bytes pattern(size_t n, unsigned seed) {
    Bytes d(n);
    for (size_t i = 0; i < n; ++i)
        d[i] = std::byte((i * 131 + seed * 17) >> 3);
    return d;
}

Bytes fixed_vhd(size_t size) {
    Bytes f = pattern(size, 1);
    auto footer = vhd_footer(size, 2, ~uint64_t{0});
    f.insert(f.end(), footer.begin(), footer.end());
    return f;
}

// Dynamic VHD of `blocks` blocks: block b is unallocated when b % 3 == 1, and otherwise has
// every sector written except (when b % 3 == 2) the odd ones.
Bytes dynamic_vhd(uint32_t block, size_t blocks) {
    size_t sectors = block / 512, bitmap = ((sectors + 7) / 8 + 511) / 512 * 512;
    size_t table = (blocks * 4 + 511) / 512 * 512;
    Bytes f = vhd_footer(uint64_t{block} * blocks, 3, 512);
    f.resize(1536, std::byte{0});
    std::memcpy(f.data() + 512, "cxsparse", 8);
    put_be(f, 512 + 8, ~uint64_t{0}, 8);
    put_be(f, 512 + 16, 1536, 8);
    put_be(f, 512 + 24, 0x00010000, 4);
    put_be(f, 512 + 28, blocks, 4);
    put_be(f, 512 + 32, block, 4);
    put_checksum(f, 512, 1024, 36);
    f.resize(1536 + table, std::byte{0xFF});
    for (size_t b = 0; b < blocks; ++b) {
        if (b % 3 == 1) continue;
        put_be(f, 1536 + 4 * b, f.size() / 512, 4);
        Bytes bits(bitmap);
        for (size_t s = 0; s < sectors; ++s)
            if (b % 3 == 0 || s % 2 == 0) bits[s / 8] |= std::byte(0x80 >> (s % 8));
        f.insert(f.end(), bits.begin(), bits.end());
        auto data = pattern(block, static_cast<unsigned>(b));
        f.insert(f.end(), data.begin(), data.end());
    }
    auto footer = vhd_footer(uint64_t{block} * blocks, 3, 512);
    f.insert(f.end(), footer.begin(), footer.end());
    return f;
}

// A VHDX from VhdxWriter with data in the first 128 KiB of blocks 0 and (for 1 MiB blocks, so
// that the seed stays under 1 MiB) 3, squeezed.
bool stretched_vhdx(uint64_t block_size, uint32_t physical_sector, Bytes& out) {
    image::MemoryDevice file({}, true);
    auto w = image::VhdxWriter::create(file, {8 * vhdx::MiB, block_size, physical_sector});
    if (!w) return false;
    std::vector<uint64_t> writes = {0};
    if (block_size == vhdx::MiB) writes.push_back(3 * block_size + 4096);
    for (uint64_t at : writes)
        if (!(*w)->pwrite(at, pattern(16 * 1024, static_cast<unsigned>(at)))) return false;
    Bytes digest(32, std::byte{7});
    if (!(*w)->finish(digest)) return false;
    auto squeezed = fuzz::squeeze(file.bytes());
    if (!squeezed) return false;
    out = std::move(*squeezed);
    return true;
}

bool write(const std::filesystem::path& path, const Bytes& data) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    return f.good();
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_image_seeds DIR\n");
        return 2;
    }
    std::filesystem::path dir = argv[1];
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    bool ok = write(dir / "fixed.vhd", fixed_vhd(8192)) &&
              write(dir / "dynamic-512.vhd", dynamic_vhd(512, 9)) &&
              write(dir / "dynamic-4k.vhd", dynamic_vhd(4096, 7)) &&
              write(dir / "dynamic-64k.vhd", dynamic_vhd(64 * 1024, 4));
    for (auto [block, sector] : {std::pair{vhdx::MiB, 4096u}, std::pair{2 * vhdx::MiB, 512u}}) {
        Bytes seed;
        auto name = "vhdx-" + std::to_string(block / vhdx::MiB) + "m-" + std::to_string(sector);
        if (!stretched_vhdx(block, sector, seed)) {
            std::fprintf(stderr, "fuzz_image_seeds: cannot make %s\n", name.c_str());
            return 1;
        }
        ok = ok && write(dir / (name + ".stretched"), seed);
    }
    if (!ok) std::fprintf(stderr, "fuzz_image_seeds: cannot write to %s\n", dir.c_str());
    return ok ? 0 : 1;
}

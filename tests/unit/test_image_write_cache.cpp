#include <random>
#include <vector>

#include "image/block_device.h"
#include "image/write_cache.h"
#include "support/catch.h"

using namespace wslmod::image;

namespace {

std::vector<std::byte> pattern(size_t n, unsigned seed) {
    std::vector<std::byte> v(n);
    for (size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::byte>((i * 131 + seed * 7 + 1) & 0xFF);
    return v;
}

} // namespace

TEST_CASE("WriteCache: the device holds every write once flushed, whatever the mix") {
    // A model check: the same random reads and writes on a plain MemoryDevice and through the
    // cache; every read agrees, and after flush() the two devices hold the same bytes.
    const size_t size = 1 << 20;
    for (uint64_t capacity : {uint64_t{16} << 10, uint64_t{1} << 30}) {
        MemoryDevice plain{std::vector<std::byte>(size)}, under{std::vector<std::byte>(size)};
        WriteCache cache(under, {4096, capacity, 64 << 10, 32 << 10});
        std::mt19937 rng(capacity & 0xFFFF);
        for (unsigned op = 0; op < 3000; ++op) {
            bool big = rng() % 10 == 0;
            size_t n = 1 + rng() % (big ? 200000 : 9000);
            uint64_t at = rng() % (size - n);
            if (rng() % 2) {
                auto data = pattern(n, op);
                REQUIRE(plain.pwrite(at, data));
                REQUIRE(cache.pwrite(at, data));
            } else {
                std::vector<std::byte> a(n), b(n);
                REQUIRE(plain.pread(at, a));
                REQUIRE(cache.pread(at, b));
                REQUIRE(a == b);
            }
            if (capacity < size) REQUIRE(cache.cached_bytes() <= capacity + 3 * 4096);
        }
        REQUIRE(cache.flush());
        CHECK(under.bytes() == plain.bytes());
    }
}

TEST_CASE("WriteCache: block-sized metadata updates reach the device as a few long writes") {
    MemoryDevice under{std::vector<std::byte>(32 << 20)};
    WriteCache cache(under);
    // 2,000 inode-table updates in 32 blocks, each a read-modify-write of one 4 KiB block, as
    // ext2fs_write_inode does, and 1,000 small files written one after the other.
    std::vector<std::byte> block(4096);
    for (unsigned i = 0; i < 2000; ++i) {
        uint64_t at = (i % 32) * 4096;
        REQUIRE(cache.pread(at, block));
        block[(i * 256) % 4096] = std::byte{static_cast<unsigned char>(i | 1)};
        REQUIRE(cache.pwrite(at, block));
    }
    // Files in whole blocks, as write_ext4 pads them, laid out one after the other.
    for (unsigned f = 0; f < 1000; ++f)
        REQUIRE(cache.pwrite((1 << 20) + f * 5 * 4096, pattern(5 * 4096, f)));
    CHECK(cache.device_reads() == 32);
    CHECK(cache.device_writes() == 0);
    REQUIRE(cache.flush());
    CHECK(cache.device_writes() <= 8); // one run of metadata, the files in 4 MiB runs
    std::vector<std::byte> got(5 * 4096);
    REQUIRE(under.pread((1 << 20) + 999 * 5 * 4096, got));
    CHECK(got == pattern(5 * 4096, 999));
    REQUIRE(under.pread((1999 % 32) * 4096, block)); // the last update of its block
    CHECK(block[(1999 * 256) % 4096] == std::byte{static_cast<unsigned char>(1999 | 1)});
}

TEST_CASE("WriteCache: bounds and device errors come back as errors") {
    MemoryDevice under{std::vector<std::byte>(10000)}; // not a whole number of pages
    WriteCache cache(under);
    std::vector<std::byte> four(4, std::byte{9});
    CHECK_FALSE(cache.pwrite(9998, four));
    CHECK_FALSE(cache.pread(UINT64_MAX - 1, four));
    REQUIRE(cache.pwrite(9996, four)); // in the last, partial page
    std::vector<std::byte> out(4);
    REQUIRE(cache.pread(9996, out));
    CHECK(out == four);
    REQUIRE(cache.flush());
    CHECK(std::vector<std::byte>(under.bytes().end() - 4, under.bytes().end()) == four);
}

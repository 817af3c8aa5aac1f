#include <vector>

#include "image/block_device.h"
#include "support/catch.h"

using namespace wslmod::image;

TEST_CASE("MemoryDevice reads and writes in bounds and refuses the rest") {
    MemoryDevice dev(std::vector<std::byte>(16));
    std::vector<std::byte> four(4, std::byte{7});
    REQUIRE(dev.pwrite(12, four));
    CHECK_FALSE(dev.pwrite(13, four));
    std::vector<std::byte> out(4);
    REQUIRE(dev.pread(12, out));
    CHECK(out == four);
    CHECK_FALSE(dev.pread(14, out));
    CHECK_FALSE(dev.pread(UINT64_MAX - 1, out)); // no overflow into a valid range
    CHECK_FALSE(dev.resize(32));

    MemoryDevice grow({}, true);
    REQUIRE(grow.pwrite(100, four));
    CHECK(grow.size() == 104);
    REQUIRE(grow.resize(8));
    CHECK(grow.size() == 8);
}

TEST_CASE("all_zero looks at every byte") {
    std::vector<std::byte> z(4099);
    CHECK(all_zero(z));
    for (size_t i : {size_t{0}, size_t{7}, size_t{8}, size_t{4098}}) {
        auto copy = z;
        copy[i] = std::byte{1};
        CHECK_FALSE(all_zero(copy));
    }
    CHECK(all_zero({}));
}

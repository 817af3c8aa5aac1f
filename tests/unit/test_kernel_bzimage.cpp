#include <cstring>
#include <vector>

#include "kernel/bzimage.h"
#include "support/catch.h"

using namespace wslmod::kernel;

namespace {
void put(std::vector<std::byte>& d, size_t off, uint64_t v, size_t width) {
    for (size_t i = 0; i < width; ++i)
        d[off + i] = std::byte((v >> (8 * i)) & 0xff);
}
// A minimal bzImage: boot header, version string at 0x400, payload after 5 setup sectors.
std::vector<std::byte> fake_bzimage(const char* banner, uint16_t protocol = 0x020f) {
    std::vector<std::byte> d(0x1000);
    put(d, 0x1F1, 4, 1);
    put(d, 0x1FE, 0xAA55, 2);
    std::memcpy(d.data() + 0x202, "HdrS", 4);
    put(d, 0x206, protocol, 2);
    put(d, 0x20E, 0x400 - 0x200, 2);
    std::memcpy(d.data() + 0x400, banner, std::strlen(banner) + 1);
    put(d, 0x248, 0x100, 4);
    put(d, 0x24C, 0x200, 4);
    return d;
}
} // namespace

TEST_CASE("parse_bzimage reads the release and the payload location") {
    auto img = fake_bzimage("6.12.117+deb12-amd64 (debian-kernel@lists.debian.org) #1 SMP");
    auto h = parse_bzimage(img, "vmlinuz");
    REQUIRE(h);
    CHECK(h->release == "6.12.117+deb12-amd64");
    CHECK(h->version_string.starts_with("6.12.117+deb12-amd64 (debian"));
    CHECK(h->protocol == 0x020f);
    CHECK(h->payload_offset == 5 * 512 + 0x100);
    CHECK(h->payload_length == 0x200);
}

TEST_CASE("parse_bzimage refuses files that are not a bzImage, naming the file") {
    std::vector<std::byte> small(100);
    auto r = parse_bzimage(small, "x");
    REQUIRE_FALSE(r);
    CHECK(r.error().where == "x");

    auto img = fake_bzimage("6.1.0");
    img[0x202] = std::byte{'X'};
    CHECK_FALSE(parse_bzimage(img, "x"));

    auto unterminated = fake_bzimage("6.1.0");
    std::memset(unterminated.data() + 0x400, 'a', unterminated.size() - 0x400);
    CHECK_FALSE(parse_bzimage(unterminated, "x"));

    auto past_end = fake_bzimage("6.1.0");
    put(past_end, 0x24C, 0x10000, 4);
    auto e = parse_bzimage(past_end, "x");
    REQUIRE_FALSE(e);
    CHECK(e.error().what.find("past the end") != std::string::npos);
}

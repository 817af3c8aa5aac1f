// The arm64 Image reader on images built here: the header, the banner, and export tables laid
// out as vmlinux.lds.h lays them out (arm64_image.h), then the same image mutated many ways.
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "kernel/arm64_image.h"
#include "support/catch.h"

using namespace wslmod::kernel;

namespace {

void put(std::vector<std::byte>& b, size_t at, uint64_t v, size_t width) {
    for (size_t i = 0; i < width; ++i)
        b[at + i] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
}

struct Sym {
    std::string name, ns;
    uint32_t crc;
};

struct Layout {
    size_t plain = 80, gpl = 70;
    size_t gap_before_strings =
        0; // bytes between kcrctab_gpl and the strings: 0 is the real layout
};

// An Image: header, banner, some code-like filler, ksymtab | ksymtab_gpl | kcrctab |
// kcrctab_gpl | strings, and more filler.  The symbols it holds come back in `syms`.
std::vector<std::byte> make_image(std::vector<Sym>& syms, const Layout& l = {}) {
    syms.clear();
    for (size_t i = 0; i < l.plain; ++i)
        syms.push_back({fmt::format("sym_{:04}", i), i == 5 ? "USB_STORAGE" : "",
                        static_cast<uint32_t>(0x1000 + i * 7919)});
    for (size_t i = 0; i < l.gpl; ++i)
        syms.push_back({fmt::format("gpl_{:04}", i), i == 3 ? "module:kvm" : "",
                        static_cast<uint32_t>(0xABC00 + i * 104729)});
    std::vector<std::byte> b(4096, std::byte{0x55});
    put(b, 0, 0xfa405a4d, 4); // "MZ" and a branch, as an EFI-stub Image begins
    put(b, 0x08, 0, 8);
    put(b, 0x10, 1 << 20, 8);
    put(b, 0x18, 0x0a, 8);
    put(b, 0x38, 0x644d5241, 4);
    const std::string banner =
        "Linux version 6.12.118+deb12-arm64 (debian-kernel@lists.debian.org) "
        "(aarch64-linux-gnu-gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld 2.40) #1 SMP Debian "
        "6.12.118-1~deb12u1 (2026-11-28)\n";
    for (size_t i = 0; i < 64; ++i) // a format string first, as a kernel has one
        b[256 + i] = std::byte{0};
    const std::string format = "Linux version %s (%s)";
    std::memcpy(b.data() + 256, format.data(), format.size());
    std::memcpy(b.data() + 512, banner.data(), banner.size());
    b[512 + banner.size()] = std::byte{0};
    size_t tab = b.size();
    size_t n = syms.size();
    size_t crcs = tab + n * 12, strings = crcs + n * 4 + l.gap_before_strings;
    // Strings in link order, not name order: reversed here, namespaces first.
    std::string pool;
    std::vector<size_t> name_at(n), ns_at(n, 0);
    for (size_t i = 0; i < n; ++i)
        if (!syms[i].ns.empty()) {
            ns_at[i] = strings + pool.size();
            pool += syms[i].ns + '\0';
        }
    for (size_t i = n; i-- > 0;) {
        name_at[i] = strings + pool.size();
        pool += syms[i].name + '\0';
    }
    b.resize(strings + pool.size() + 4096, std::byte{0x33});
    std::fill(b.begin() + static_cast<ptrdiff_t>(crcs + n * 4),
              b.begin() + static_cast<ptrdiff_t>(strings), std::byte{0x41});
    std::memcpy(b.data() + strings, pool.data(), pool.size());
    for (size_t i = 0; i < n; ++i) {
        size_t e = tab + i * 12;
        put(b, e, static_cast<uint32_t>(static_cast<int32_t>(100 - static_cast<int64_t>(e))), 4);
        put(b, e + 4, static_cast<uint32_t>(static_cast<int64_t>(name_at[i]) - (e + 4)), 4);
        put(b, e + 8,
            ns_at[i] ? static_cast<uint32_t>(static_cast<int64_t>(ns_at[i]) - (e + 8)) : 0, 4);
        put(b, crcs + i * 4, syms[i].crc, 4);
    }
    return b;
}

} // namespace

TEST_CASE("arm64 Image: the header and the banner's release") {
    std::vector<Sym> syms;
    auto img = make_image(syms);
    CHECK(is_arm64_image(img));
    auto h = parse_arm64_image(img, "Image");
    REQUIRE(h);
    CHECK(h->release == "6.12.118+deb12-arm64");
    CHECK(h->version_string == "6.12.118+deb12-arm64 (debian-kernel@lists.debian.org) #1 SMP "
                               "Debian 6.12.118-1~deb12u1 (2026-11-28)");
    CHECK(h->image_size == 1 << 20);
    auto bad = img;
    bad[0x38] = std::byte{0};
    CHECK_FALSE(is_arm64_image(bad));
    auto r = parse_arm64_image(bad, "Image");
    REQUIRE_FALSE(r);
    CHECK(r.error().where == "Image");
}

TEST_CASE("arm64 Image: the export tables are found by their shape") {
    std::vector<Sym> syms;
    auto img = make_image(syms);
    auto got = arm64_image_exports(img, "Image");
    REQUIRE(got);
    REQUIRE(got->size() == syms.size());
    for (size_t i = 0; i < syms.size(); ++i) {
        CHECK((*got)[i].symbol == syms[i].name);
        CHECK((*got)[i].crc == syms[i].crc);
        CHECK((*got)[i].gpl == (i >= 80));
        CHECK((*got)[i].ns == syms[i].ns);
    }
}

TEST_CASE("arm64 Image: layouts that do not fit are refused, not guessed at") {
    std::vector<Sym> syms;
    // Too few entries to tell a table from chance.
    auto r = arm64_image_exports(make_image(syms, {30, 20, 0}), "Image");
    REQUIRE_FALSE(r);
    CHECK(r.error().what.find("no table of exported symbols") != std::string::npos);
    // One sorted run: no way to tell EXPORT_SYMBOL from EXPORT_SYMBOL_GPL.
    r = arm64_image_exports(make_image(syms, {150, 0, 0}), "Image");
    REQUIRE_FALSE(r);
    CHECK(r.error().what.find("sorted in 1 runs") != std::string::npos);
    // Something between the CRCs and the strings: not the layout the method checks for.
    r = arm64_image_exports(make_image(syms, {80, 70, 64}), "Image");
    REQUIRE_FALSE(r);
    CHECK(r.error().what.find("not followed by its CRCs and strings") != std::string::npos);
    CHECK(r.error().hint.find("--symvers") != std::string::npos);
}

TEST_CASE("arm64 Image: a mutated corpus is read or refused, never crashes") {
    std::vector<Sym> syms;
    const auto good = make_image(syms);
    std::mt19937 rng(24);
    size_t read = 0, refused = 0;
    for (int round = 0; round < 3000; ++round) {
        auto img = good;
        switch (round % 5) {
        case 0: // truncated anywhere
            img.resize(rng() % img.size());
            break;
        case 1: // random bytes flipped
            for (int k = 0; k < 8; ++k)
                img[rng() % img.size()] ^= static_cast<std::byte>(1 + rng() % 255);
            break;
        case 2: // a table field overwritten with any 32-bit value
            put(img, 4096 + (rng() % (150 * 12 / 4)) * 4, rng(), 4);
            break;
        case 3: // an offset aimed at the last bytes of the file
            put(img, 4096 + (rng() % 150) * 12 + 4,
                static_cast<uint32_t>(img.size() - 4096 - (rng() % 150) * 12 - 4 - 1 - rng() % 3),
                4);
            break;
        default: // the strings' NULs removed
            for (auto& byte : img)
                if (byte == std::byte{0} && rng() % 4 == 0) byte = std::byte{'x'};
        }
        if (is_arm64_image(img)) (void)parse_arm64_image(img, "m");
        auto r = arm64_image_exports(img, "m");
        (r ? read : refused)++;
    }
    CHECK(read + refused == 3000);
    CHECK(refused > 0);
}

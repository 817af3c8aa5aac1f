// Added modules are compressed as Kbuild compresses them: readable by the same decompressor
// wslmod (and libkmod) use, deterministic, xz with the CRC32 check the kernel's own module
// decompressor expects, gzip without a timestamp.
#include <cstring>

#include "modules/compress.h"
#include "support/catch.h"
#include "util/decompress.h"

using namespace wslmod;

namespace {
std::vector<std::byte> sample() {
    std::vector<std::byte> v(200000);
    for (size_t i = 0; i < v.size(); ++i)
        v[i] = static_cast<std::byte>((i * 2654435761u) >> (i % 7 == 0 ? 3 : 24));
    std::memcpy(v.data(),
                "\x7f"
                "ELF",
                4);
    return v;
}
} // namespace

TEST_CASE("every compression round-trips through util::decompress and is deterministic") {
    auto in = sample();
    for (auto c :
         {modules::Compression::gzip, modules::Compression::xz, modules::Compression::zstd}) {
        INFO(modules::to_string(c));
        auto a = modules::compress(in, c);
        REQUIRE(a);
        CHECK(a->size() < in.size());
        CHECK(util::looks_compressed(*a));
        auto back = util::decompress(*a, "test");
        REQUIRE(back);
        CHECK(*back == in);
        auto b = modules::compress(in, c);
        REQUIRE(b);
        CHECK(*a == *b);
    }
    auto none = modules::compress(in, modules::Compression::none);
    REQUIRE(none);
    CHECK(*none == in);
}

TEST_CASE("xz uses the CRC32 check and gzip leaves the mtime field zero") {
    auto in = sample();
    auto xz = modules::compress(in, modules::Compression::xz);
    REQUIRE(xz);
    REQUIRE(xz->size() > 12);
    // Stream header: 6 magic bytes, then the stream flags (0x00, check id); CRC32 is 0x01.
    CHECK(std::to_integer<int>((*xz)[6]) == 0);
    CHECK(std::to_integer<int>((*xz)[7]) == 0x01);
    auto gz = modules::compress(in, modules::Compression::gzip);
    REQUIRE(gz);
    REQUIRE(gz->size() > 10);
    CHECK(std::to_integer<int>((*gz)[0]) == 0x1f);
    CHECK(std::to_integer<int>((*gz)[1]) == 0x8b);
    for (int i = 4; i < 8; ++i)
        CHECK(std::to_integer<int>((*gz)[i]) == 0);      // MTIME
    CHECK((std::to_integer<int>((*gz)[3]) & 0x08) == 0); // no FNAME
}

TEST_CASE("compression names and suffixes follow the kernel config spelling") {
    CHECK(modules::suffix(*modules::compression_from_string("xz")) == ".xz");
    CHECK(modules::suffix(*modules::compression_from_string("zstd")) == ".zst");
    CHECK(modules::suffix(*modules::compression_from_string("gzip")) == ".gz");
    CHECK(modules::suffix(*modules::compression_from_string("none")).empty());
    auto bad = modules::compression_from_string("lz4");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message().find("lz4") != std::string::npos);
}

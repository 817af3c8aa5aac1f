// The threaded xz reader against files liblzma's own encoder writes: one stream of many blocks
// (what `xz -T0` writes, and what the threaded decoder splits across threads), concatenated
// streams, and truncated and damaged files, which must fail naming the file.
#include <fstream>

#include <lzma.h>

#include "support/catch.h"
#include "support/prereq.h"
#include "util/xz_file.h"

using namespace wslmod;

namespace {

std::string sample(size_t size) {
    std::string s;
    s.reserve(size);
    uint32_t x = 12345;
    while (s.size() < size) { // text that compresses, but not to nothing
        x = x * 1103515245 + 12345;
        s += "line " + std::to_string(x >> 16) + "\n";
    }
    s.resize(size);
    return s;
}

// One xz stream of `data`, in blocks of `block_size` bytes.
std::string encode(const std::string& data, uint64_t block_size) {
    lzma_stream strm = LZMA_STREAM_INIT;
    lzma_mt mt{};
    mt.threads = 2;
    mt.block_size = block_size;
    mt.preset = 1;
    mt.check = LZMA_CHECK_CRC64;
    REQUIRE(lzma_stream_encoder_mt(&strm, &mt) == LZMA_OK);
    std::string out(data.size() + (1 << 16), '\0');
    strm.next_in = reinterpret_cast<const uint8_t*>(data.data());
    strm.avail_in = data.size();
    strm.next_out = reinterpret_cast<uint8_t*>(out.data());
    strm.avail_out = out.size();
    REQUIRE(lzma_code(&strm, LZMA_FINISH) == LZMA_STREAM_END);
    out.resize(out.size() - strm.avail_out);
    lzma_end(&strm);
    return out;
}

std::filesystem::path put(const std::filesystem::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
}

util::Result<std::string> decode(const std::filesystem::path& p, unsigned threads) {
    auto x = WSLMOD_TRY(util::XzFile::open(p, threads));
    std::string out;
    for (;;) {
        auto [data, size] = WSLMOD_TRY(x->next());
        if (size == 0) return out;
        out.append(reinterpret_cast<const char*>(data), size);
    }
}

} // namespace

TEST_CASE("XzFile decodes a many-block stream on one or two threads, and concatenated streams") {
    auto dir = test::scratch_dir("xz-file");
    auto data = sample(3 << 20);
    auto xz = encode(data, 256 << 10);
    auto file = put(dir / "blocks.xz", xz);
    CHECK(util::is_xz_file(file));
    for (unsigned threads : {1u, 2u}) {
        INFO(threads << " threads");
        auto out = decode(file, threads);
        INFO((out ? "" : out.error().message()));
        REQUIRE(out);
        CHECK(*out == data);
    }
    auto tail = sample(1000) + "the second stream";
    auto two = decode(put(dir / "two.xz", xz + encode(tail, 1 << 20)), 2);
    REQUIRE(two);
    CHECK(*two == data + tail);
}

TEST_CASE("XzFile refuses a truncated or damaged file, naming it") {
    auto dir = test::scratch_dir("xz-file-bad");
    auto xz = encode(sample(1 << 20), 128 << 10);
    auto truncated = put(dir / "truncated.xz", xz.substr(0, xz.size() / 2));
    auto cut = decode(truncated, 2);
    REQUIRE_FALSE(cut);
    CHECK(cut.error().where == truncated.string());
    CHECK_THAT(cut.error().message(), Catch::Contains("truncated"));

    auto damaged_bytes = xz;
    damaged_bytes[damaged_bytes.size() / 2] ^= 0x55;
    auto damaged = put(dir / "damaged.xz", damaged_bytes);
    auto bad = decode(damaged, 2);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().where == damaged.string());
    CHECK_THAT(bad.error().message(), Catch::Contains("damaged"));

    auto plain = put(dir / "plain.txt", "not xz at all");
    CHECK_FALSE(util::is_xz_file(plain));
    CHECK_FALSE(decode(plain, 1));
    auto missing = util::XzFile::open(dir / "missing.xz", 1);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().where == (dir / "missing.xz").string());
}

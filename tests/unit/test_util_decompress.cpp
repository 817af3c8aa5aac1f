#include <memory>

#include <archive.h>
#include <archive_entry.h>

#include "support/catch.h"
#include "util/decompress.h"

using namespace wslmod;

namespace {
// Compresses with libarchive's raw writer and the named filter.
std::vector<std::byte> compress(const std::string& text, int (*add_filter)(archive*)) {
    std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(),
                                                              archive_write_free);
    archive_write_set_format_raw(a.get());
    add_filter(a.get());
    archive_write_set_bytes_in_last_block(a.get(), 1);
    std::vector<std::byte> out(1 << 20);
    size_t used = 0;
    REQUIRE(archive_write_open_memory(a.get(), out.data(), out.size(), &used) == ARCHIVE_OK);
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(),
                                                                    archive_entry_free);
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_write_header(a.get(), e.get());
    archive_write_data(a.get(), text.data(), text.size());
    archive_write_close(a.get());
    out.resize(used);
    return out;
}
} // namespace

TEST_CASE("decompress reads gzip, xz and zstd, and refuses damaged or plain data") {
    std::string text(100000, 'k');
    for (int i = 0; i < 1000; ++i)
        text[static_cast<size_t>(i * 97)] = static_cast<char>('a' + i % 26);
    for (auto filter : {archive_write_add_filter_gzip, archive_write_add_filter_xz,
                        archive_write_add_filter_zstd}) {
        auto packed = compress(text, filter);
        REQUIRE(util::looks_compressed(packed));
        auto out = util::decompress(packed, "x");
        INFO((out ? "" : out.error().message()));
        REQUIRE(out);
        CHECK(std::string(reinterpret_cast<const char*>(out->data()), out->size()) == text);
        auto cut = std::vector<std::byte>(
            packed.begin(), packed.begin() + static_cast<ptrdiff_t>(packed.size() / 2));
        CHECK_FALSE(util::decompress(cut, "cut"));
    }
    std::vector<std::byte> plain(64, std::byte{'x'});
    auto r = util::decompress(plain, "plain.ko");
    REQUIRE_FALSE(r);
    CHECK(r.error().where == "plain.ko");
}

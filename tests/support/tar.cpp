#include "support/tar.h"

#include <algorithm>
#include <memory>

#include <archive.h>

#include "support/catch.h"

namespace wslmod::test {

std::filesystem::path write_tar(const std::filesystem::path& out,
                                const std::vector<TarEntry>& entries, TarFilter filter) {
    std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(),
                                                              archive_write_free);
    REQUIRE(archive_write_set_format_pax_restricted(a.get()) == ARCHIVE_OK);
    REQUIRE((filter == TarFilter::zstd ? archive_write_add_filter_zstd(a.get())
             : filter == TarFilter::xz ? archive_write_add_filter_xz(a.get())
                                       : archive_write_add_filter_gzip(a.get())) == ARCHIVE_OK);
    REQUIRE(archive_write_open_filename(a.get(), out.c_str()) == ARCHIVE_OK);
    for (const auto& e : entries) {
        INFO("tar entry " << e.path);
        std::unique_ptr<archive_entry, decltype(&archive_entry_free)> en(archive_entry_new(),
                                                                         archive_entry_free);
        archive_entry_set_pathname(en.get(), e.path.c_str());
        archive_entry_set_filetype(en.get(), e.type);
        archive_entry_set_perm(en.get(), e.type == AE_IFDIR ? 0755 : 0644);
        if (e.hardlink)
            archive_entry_set_hardlink(en.get(), e.data.c_str());
        else if (e.type == AE_IFLNK)
            archive_entry_set_symlink(en.get(), e.data.c_str());
        if (e.type == AE_IFCHR) archive_entry_set_rdev(en.get(), 0x0501);
        bool content = e.type == AE_IFREG && !e.hardlink;
        archive_entry_set_size(
            en.get(), content ? static_cast<la_int64_t>(e.zeros ? e.zeros : e.data.size()) : 0);
        REQUIRE(archive_write_header(a.get(), en.get()) == ARCHIVE_OK);
        if (!content) continue;
        if (e.zeros) {
            std::string chunk(1u << 20, '\0'); // written in chunks: a test may ask for gigabytes
            for (uint64_t left = e.zeros; left;) {
                auto n = std::min<uint64_t>(left, chunk.size());
                REQUIRE(archive_write_data(a.get(), chunk.data(), n) == static_cast<la_ssize_t>(n));
                left -= n;
            }
        } else if (!e.data.empty()) {
            REQUIRE(archive_write_data(a.get(), e.data.data(), e.data.size()) ==
                    static_cast<la_ssize_t>(e.data.size()));
        }
    }
    REQUIRE(archive_write_close(a.get()) == ARCHIVE_OK);
    return out;
}

} // namespace wslmod::test

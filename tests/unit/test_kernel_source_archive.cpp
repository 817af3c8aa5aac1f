// Hostile source archives, built in memory with libarchive, are refused, and nothing is
// written outside the destination.
#include <fstream>
#include <memory>

#include <archive.h>
#include <archive_entry.h>

#include "kernel/source_archive.h"
#include "support/catch.h"
#include "support/prereq.h"

using namespace wslmod;

namespace {

struct Entry {
    std::string path;
    unsigned type = AE_IFREG;
    std::string data;     // file content or link target
    bool hardlink = false;
};

std::filesystem::path write_tar(const std::filesystem::path& out, const std::vector<Entry>& entries) {
    std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(a.get());
    archive_write_add_filter_gzip(a.get());
    REQUIRE(archive_write_open_filename(a.get(), out.c_str()) == ARCHIVE_OK);
    for (const auto& e : entries) {
        std::unique_ptr<archive_entry, decltype(&archive_entry_free)> en(archive_entry_new(), archive_entry_free);
        archive_entry_set_pathname(en.get(), e.path.c_str());
        archive_entry_set_filetype(en.get(), e.type);
        archive_entry_set_perm(en.get(), e.type == AE_IFDIR ? 0755 : 0644);
        if (e.hardlink) archive_entry_set_hardlink(en.get(), e.data.c_str());
        else if (e.type == AE_IFLNK) archive_entry_set_symlink(en.get(), e.data.c_str());
        if (e.type == AE_IFCHR) archive_entry_set_rdev(en.get(), 0x0501);
        archive_entry_set_size(en.get(), e.type == AE_IFREG && !e.hardlink ? e.data.size() : 0);
        archive_write_header(a.get(), en.get());
        if (e.type == AE_IFREG && !e.hardlink) archive_write_data(a.get(), e.data.data(), e.data.size());
    }
    archive_write_close(a.get());
    return out;
}

} // namespace

TEST_CASE("extract_source strips the top folder of a well-formed source archive") {
    auto dir = test::scratch_dir("source-ok");
    auto tar = write_tar(dir / "linux.tar.gz", {{"linux-6.12/", AE_IFDIR}, {"linux-6.12/Makefile", AE_IFREG, "VERSION = 6\n"},
                                                {"linux-6.12/scripts/", AE_IFDIR},
                                                {"linux-6.12/scripts/link", AE_IFLNK, "../Makefile"}});
    auto stats = kernel::extract_source(tar, dir / "tree");
    INFO((stats ? "" : stats.error().message()));
    REQUIRE(stats);
    CHECK(stats->top == "linux-6.12");
    std::ifstream in(dir / "tree/Makefile");
    std::string line;
    std::getline(in, line);
    CHECK(line == "VERSION = 6");
    CHECK(std::filesystem::read_symlink(dir / "tree/scripts/link") == "../Makefile");
}

TEST_CASE("hostile source archives are refused and write nothing outside the destination") {
    auto dir = test::scratch_dir("source-hostile");
    std::vector<std::pair<std::string, std::vector<Entry>>> cases = {
        {"dotdot", {{"linux/", AE_IFDIR}, {"linux/../../escaped", AE_IFREG, "x"}}},
        {"absolute", {{"linux/", AE_IFDIR}, {"/tmp/wslmod-escaped-absolute", AE_IFREG, "x"}}},
        {"symlink-escape", {{"linux/", AE_IFDIR}, {"linux/out", AE_IFLNK, "../../.."}}},
        {"symlink-absolute", {{"linux/", AE_IFDIR}, {"linux/etc", AE_IFLNK, "/etc"}}},
        {"through-symlink", {{"linux/", AE_IFDIR}, {"linux/sub", AE_IFLNK, "."}, {"linux/sub/../../escaped", AE_IFREG, "x"}}},
        {"device", {{"linux/", AE_IFDIR}, {"linux/console", AE_IFCHR}}},
        {"fifo", {{"linux/", AE_IFDIR}, {"linux/pipe", AE_IFIFO}}},
        {"hardlink-out", {{"linux/", AE_IFDIR}, {"linux/pw", AE_IFREG, "/etc/passwd", true}}},
        {"two-tops", {{"linux/", AE_IFDIR}, {"other/file", AE_IFREG, "x"}}},
    };
    for (const auto& [name, entries] : cases) {
        INFO(name);
        auto work = dir / name;
        std::filesystem::create_directories(work);
        auto tar = write_tar(work / "src.tar.gz", entries);
        auto r = kernel::extract_source(tar, work / "tree" / "deep");
        REQUIRE_FALSE(r);
        CHECK(r.error().where == tar.string());
        CHECK(r.error().message().find('\n') == std::string::npos);
        CHECK_FALSE(std::filesystem::exists(work / "escaped"));
        CHECK_FALSE(std::filesystem::exists(work / "tree" / "escaped"));
    }
    CHECK_FALSE(std::filesystem::exists("/tmp/wslmod-escaped-absolute"));
}

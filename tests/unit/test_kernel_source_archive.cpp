// Hostile source archives, built in memory with libarchive, are refused, and nothing is
// written outside the destination.
#include <fstream>

#include <archive_entry.h>

#include "kernel/source_archive.h"
#include "support/catch.h"
#include "support/prereq.h"
#include "support/tar.h"

using namespace wslmod;

namespace {

using Entry = test::TarEntry;
using test::write_tar;

} // namespace

TEST_CASE("extract_source strips the top folder of a well-formed source archive") {
    auto dir = test::scratch_dir("source-ok");
    auto tar =
        write_tar(dir / "linux.tar.gz", {{"linux-6.12/", AE_IFDIR},
                                         {"linux-6.12/Makefile", AE_IFREG, "VERSION = 6\n"},
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
        {"through-symlink",
         {{"linux/", AE_IFDIR},
          {"linux/sub", AE_IFLNK, "."},
          {"linux/sub/../../escaped", AE_IFREG, "x"}}},
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

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

TEST_CASE("extract_source places or leaves out each entry, and reads xz archives") {
    auto dir = test::scratch_dir("source-place");
    std::vector<Entry> entries = {{"linux-6.12/", AE_IFDIR},
                                  {"linux-6.12/Makefile", AE_IFREG, "VERSION = 6\n"},
                                  {"linux-6.12/drivers/", AE_IFDIR},
                                  {"linux-6.12/drivers/a.c", AE_IFREG, "int a;\n"},
                                  {"linux-6.12/drivers/b/", AE_IFDIR},
                                  {"linux-6.12/drivers/b/b.c", AE_IFREG, "int b;\n"},
                                  {"linux-6.12/fs/x.c", AE_IFREG, "int x;\n"}};
    for (auto filter : {test::TarFilter::gzip, test::TarFilter::xz}) {
        auto name = filter == test::TarFilter::xz ? std::string("xz") : std::string("gz");
        INFO(name);
        auto tar = write_tar(dir / ("linux.tar." + name), entries, filter);
        auto out = dir / ("out-" + name);
        kernel::ExtractOptions options;
        options.threads = 2;
        options.place = [&](const std::string& rel) -> std::filesystem::path {
            if (rel == "Makefile") return out / "top" / rel;
            if (rel.starts_with("drivers/b")) return out / "b" / rel;
            return {};
        };
        auto stats = kernel::extract_source(tar, {}, options);
        INFO((stats ? "" : stats.error().message()));
        REQUIRE(stats);
        CHECK(stats->top == "linux-6.12");
        CHECK(std::filesystem::is_regular_file(out / "top/Makefile"));
        CHECK(std::filesystem::is_regular_file(out / "b/drivers/b/b.c"));
        CHECK_FALSE(std::filesystem::exists(out / "b/drivers/a.c"));
        CHECK_FALSE(std::filesystem::exists(out / "top/fs"));
        CHECK_FALSE(std::filesystem::exists(out / "b/fs"));
        CHECK(stats->bytes == std::string("VERSION = 6\nint b;\n").size());
    }
}

TEST_CASE("entries left out are still checked, and a link to one left out is refused") {
    auto dir = test::scratch_dir("source-place-hostile");
    auto keep_nothing = [](const std::string&) { return std::filesystem::path(); };
    auto hostile = write_tar(dir / "hostile.tar.gz",
                             {{"linux/", AE_IFDIR}, {"linux/../../escaped", AE_IFREG, "x"}});
    kernel::ExtractOptions none;
    none.place = keep_nothing;
    auto r = kernel::extract_source(hostile, {}, none);
    REQUIRE_FALSE(r);
    CHECK(r.error().where == hostile.string());

    auto linked =
        write_tar(dir / "linked.tar.gz", {{"linux/", AE_IFDIR},
                                          {"linux/skipped.c", AE_IFREG, "int s;\n"},
                                          {"linux/kept/", AE_IFDIR},
                                          {"linux/kept/s.c", AE_IFREG, "linux/skipped.c", true}});
    kernel::ExtractOptions kept;
    kept.place = [&](const std::string& rel) -> std::filesystem::path {
        return rel.starts_with("kept") ? dir / "out" / rel : std::filesystem::path();
    };
    auto l = kernel::extract_source(linked, {}, kept);
    REQUIRE_FALSE(l);
    CHECK(l.error().where == linked.string());
    CHECK(l.error().message().find('\n') == std::string::npos);

    auto empty = write_tar(dir / "empty.tar.gz", {{"linux/", AE_IFDIR}});
    CHECK_FALSE(kernel::extract_source(empty, dir / "empty-out"));
}

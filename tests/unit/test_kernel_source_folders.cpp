// The folders a subset tree leaves out come from the tree's source archive on first use, are
// found again in the cache (also inside a folder extracted earlier), and are refused when the
// archive changed or never had them.
#include <fstream>

#include <archive_entry.h>

#include "kernel/source_folders.h"
#include "support/catch.h"
#include "support/prereq.h"
#include "support/tar.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

fs::path source_archive(const fs::path& dir) {
    return test::write_tar(dir / "linux.tar.xz",
                           {{"linux-6.12/", AE_IFDIR},
                            {"linux-6.12/Makefile", AE_IFREG, "VERSION = 6\n"},
                            {"linux-6.12/drivers/net/can/", AE_IFDIR},
                            {"linux-6.12/drivers/net/can/dev.c", AE_IFREG, "int dev;\n"},
                            {"linux-6.12/drivers/net/can/usb/", AE_IFDIR},
                            {"linux-6.12/drivers/net/can/usb/gs_usb.c", AE_IFREG, "int gs;\n"},
                            {"linux-6.12/drivers/usb/serial/", AE_IFDIR},
                            {"linux-6.12/drivers/usb/serial/ftdi_sio.c", AE_IFREG, "int f;\n"}},
                           test::TarFilter::xz);
}

std::string read(const fs::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), {}};
}

} // namespace

TEST_CASE("source_folders extracts missing folders once and finds nested ones in the cache") {
    auto dir = test::scratch_dir("source-folders");
    auto archive = source_archive(dir);
    auto digest = kernel::input_digest(archive);
    REQUIRE(digest);
    kernel::TreeSource source{archive, *digest, true};
    auto cache = dir / "cache";

    auto first = kernel::source_folders(
        dir / "tree", source, {"drivers/net/can", "drivers/net/can/usb/", "drivers/usb/serial"},
        cache);
    INFO((first ? "" : first.error().message()));
    REQUIRE(first);
    REQUIRE(first->size() == 3);
    CHECK(read(first->at("drivers/net/can") / "dev.c") == "int dev;\n");
    CHECK(read(first->at("drivers/net/can/usb/") / "gs_usb.c") == "int gs;\n");
    CHECK(read(first->at("drivers/usb/serial") / "ftdi_sio.c") == "int f;\n");
    // Only the two outer folders were extracted; the nested one is inside the first.
    size_t entries = 0;
    for (const auto& e : fs::directory_iterator(cache / "source-folders" / digest->substr(0, 32))) {
        CHECK(fs::exists(e.path() / ".complete"));
        ++entries;
    }
    CHECK(entries == 2);
    CHECK_FALSE(fs::exists(first->at("drivers/usb/serial").parent_path().parent_path() / "net"));

    // Found again with the archive gone: nothing is read from it.
    fs::rename(archive, dir / "moved.tar.xz");
    auto again = kernel::source_folders(dir / "tree", source, {"drivers/net/can/usb"}, cache);
    INFO((again ? "" : again.error().message()));
    REQUIRE(again);
    CHECK(again->at("drivers/net/can/usb") == first->at("drivers/net/can/usb/"));
}

TEST_CASE("source_folders refuses a changed archive and a folder the source lacks") {
    auto dir = test::scratch_dir("source-folders-bad");
    auto archive = source_archive(dir);
    auto digest = kernel::input_digest(archive);
    REQUIRE(digest);
    auto cache = dir / "cache";

    kernel::TreeSource changed{archive, std::string(64, '0'), true};
    auto c = kernel::source_folders(dir / "tree", changed, {"drivers/usb/serial"}, cache);
    REQUIRE_FALSE(c);
    CHECK(c.error().where == archive.string());
    CHECK_THAT(c.error().message(), Catch::Contains("gone or changed"));
    auto zeros = cache / "source-folders" / std::string(32, '0');
    CHECK_FALSE((fs::exists(zeros) && !fs::is_empty(zeros)));

    kernel::TreeSource source{archive, *digest, true};
    auto m = kernel::source_folders(dir / "tree", source, {"drivers/nothing"}, cache);
    REQUIRE_FALSE(m);
    CHECK_THAT(m.error().message(), Catch::Contains("drivers/nothing"));
    CHECK(m.error().message().find('\n') == std::string::npos);
    // Nothing half-made is left to be found later.
    auto root = cache / "source-folders" / digest->substr(0, 32);
    if (fs::exists(root))
        for (const auto& e : fs::directory_iterator(root))
            CHECK(fs::exists(e.path() / ".complete"));

    // A tree holding its whole source reads its own folders.
    fs::create_directories(dir / "full/drivers/usb/serial");
    kernel::TreeSource whole{archive, *digest, false};
    auto w = kernel::source_folders(dir / "full", whole, {"drivers/usb/serial"}, cache);
    REQUIRE(w);
    CHECK(w->at("drivers/usb/serial") == dir / "full/drivers/usb/serial");
}

// Bundles on small files: a written bundle extracts to the same files, and what a crafted one
// may not do (a file where it made a folder, an expansion past the cap) leaves no folder behind.
#include <fstream>

#include <archive_entry.h>

#include "recipe/bundle.h"
#include "support/catch.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/tar.h"
#include "util/sha256.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

std::string sha(std::string_view data) {
    return util::to_hex(util::Sha256().update(data).finish());
}

// A zstd tar of `files` (path, contents; no folder entries) with a matching SHA256SUMS.
fs::path crafted(const fs::path& out,
                 const std::vector<std::pair<std::string, std::string>>& files) {
    std::vector<test::TarEntry> entries;
    std::string sums;
    for (const auto& [path, data] : files) {
        entries.push_back({path, AE_IFREG, data});
        sums += sha(data) + "  " + path + "\n";
    }
    entries.push_back({"SHA256SUMS", AE_IFREG, sums});
    return test::write_tar(out, entries, test::TarFilter::zstd);
}

} // namespace

TEST_CASE("a written bundle extracts to the same files, with SHA256SUMS checked and left out",
          "[recipe]") {
    auto dir = test::scratch_dir("recipe-bundle-roundtrip");
    std::ofstream(dir / "a.txt") << "alpha\n";
    std::ofstream(dir / "b.ko", std::ios::binary) << std::string(5000, '\x7f');
    auto bundle = dir / "x.wslmod.tar.zst";
    REQUIRE(recipe::write_bundle(
        bundle, {{"wslmod.toml", dir / "a.txt"}, {"modules/r/extra/b.ko", dir / "b.ko"}}));
    auto files = recipe::extract_bundle(bundle, dir / "out");
    REQUIRE(files);
    CHECK(*files == std::vector<std::string>{"modules/r/extra/b.ko", "wslmod.toml"});
    CHECK(test::read_text(dir / "out/wslmod.toml") == "alpha\n");
    CHECK(test::read_text(dir / "out/modules/r/extra/b.ko") == std::string(5000, '\x7f'));
    CHECK_FALSE(fs::exists(dir / "out/SHA256SUMS"));
    CHECK((fs::status(dir / "out/wslmod.toml").permissions() & fs::perms::others_read) !=
          fs::perms::none);
}

TEST_CASE("a crafted bundle that puts a file where it made a folder, or expands past the cap, "
          "leaves nothing",
          "[recipe]") {
    auto dir = test::scratch_dir("recipe-bundle-crafted");
    auto over = recipe::extract_bundle(crafted(dir / "over.tar.zst", {{"a/b", "x"}, {"a", "y"}}),
                                       dir / "out");
    REQUIRE_FALSE(over);
    CHECK(over.error().message().find("entry 'a' is a file where a folder is") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(dir / "out"));

    // 20 MiB of zeros compress to a few KiB: past the 16 MiB floor of the cap.
    auto bomb = recipe::extract_bundle(
        crafted(dir / "bomb.tar.zst", {{"z", std::string(20u << 20, '\0')}}), dir / "out");
    REQUIRE_FALSE(bomb);
    CHECK(bomb.error().message().find("its contents expand past 16 MiB, 20 times its own size") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(dir / "out"));
}

// AtomicDir and the checked writes: a folder appears whole with its marker or not at all, a
// second publisher of the same cache entry keeps the first one's, and a write that fails (a full
// disk, /dev/full) is an error rather than a short file that looks fine.
#include <fstream>

#include "support/catch.h"
#include "support/prereq.h"
#include "util/atomic_dir.h"
#include "util/file.h"

using namespace wslmod;
namespace fs = std::filesystem;

TEST_CASE("an AtomicDir appears whole with its marker, or leaves nothing", "[util]") {
    auto dir = test::scratch_dir("util-atomic-dir");
    {
        auto d = util::AtomicDir::create(dir / "entry");
        REQUIRE(d);
        CHECK(d->path().filename().string().starts_with(".tmp-entry."));
        REQUIRE(util::write_file(d->path() / "data", "x"));
        CHECK_FALSE(fs::exists(dir / "entry"));
        REQUIRE(d->commit(".complete"));
    }
    CHECK(fs::exists(dir / "entry/data"));
    CHECK(fs::exists(dir / "entry/.complete"));
    {
        auto abandoned = util::AtomicDir::create(dir / "other");
        REQUIRE(abandoned);
        REQUIRE(util::write_file(abandoned->path() / "half", "y"));
    }
    // Another process's entry is kept; without a marker, an existing folder is an error.
    auto late = util::AtomicDir::create(dir / "entry");
    REQUIRE(late);
    REQUIRE(util::write_file(late->path() / "data", "late"));
    REQUIRE(late->commit(".complete"));
    std::ifstream in(dir / "entry/data");
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "x");
    {
        auto clash = util::AtomicDir::create(dir / "entry");
        REQUIRE(clash);
        CHECK_FALSE(clash->commit());
    }
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir))
        left.push_back(e.path().filename().string());
    std::sort(left.begin(), left.end());
    CHECK(left == std::vector<std::string>{"entry"}); // no temporaries, no "other"
}

TEST_CASE("write_file and append_file report a full disk", "[util]") {
    auto full = util::write_file("/dev/full", std::string(10000, 'z'));
    REQUIRE_FALSE(full);
    CHECK(full.error().message().find("/dev/full: cannot write: No space left on device") == 0);
    CHECK_FALSE(util::append_file("/dev/full", "z"));
    auto dir = test::scratch_dir("util-write-file");
    REQUIRE(util::write_file(dir / "f", "one\n"));
    REQUIRE(util::append_file(dir / "f", "two\n"));
    REQUIRE(util::write_file(dir / "g", ""));
    std::ifstream in(dir / "f");
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "one\ntwo\n");
    CHECK(fs::file_size(dir / "g") == 0);
    CHECK_FALSE(util::write_file(dir / "missing/f", "x"));
}

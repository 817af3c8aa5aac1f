// URL sources through curl (file:// URLs: the only network here is the package mirror).
#include <fstream>

#include "support/catch.h"
#include "support/prereq.h"
#include "util/fetch.h"
#include "util/sha256.h"

using namespace wslmod;

TEST_CASE("fetch downloads a URL once into the cache by digest and refuses a wrong SHA-256") {
    test::require_program("curl");
    auto dir = test::scratch_dir("fetch");
    std::ofstream(dir / "linux.tar.gz") << "pretend this is a kernel tarball\n";
    auto sha = util::to_hex(*util::sha256_file(dir / "linux.tar.gz"));
    auto url = "file://" + (dir / "linux.tar.gz").string();
    util::SystemRunner runner;

    auto got = util::fetch(url, sha, dir / "cache", runner);
    INFO((got ? "" : got.error().message()));
    REQUIRE(got);
    CHECK(*got == dir / "cache/sources" / sha);
    std::filesystem::remove(dir / "linux.tar.gz"); // cached now: no download needed
    CHECK(util::fetch(url, sha, dir / "cache", runner));

    // Content-addressed: another URL pinned to a digest already cached gets the cached file, so
    // the mismatch is checked against a fresh cache.
    std::ofstream(dir / "other.tar.gz") << "something else\n";
    auto bad =
        util::fetch("file://" + (dir / "other.tar.gz").string(), sha, dir / "cache2", runner);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().what.find("SHA-256 mismatch: expected " + sha) != std::string::npos);
    CHECK(bad.error().code == util::ExitCode::usage);
    CHECK(std::distance(std::filesystem::directory_iterator(dir / "cache2/sources"), {}) ==
          0); // nothing kept

    auto missing =
        util::fetch("file://" + (dir / "absent.tar.gz").string(), "", dir / "cache", runner);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().where.find("absent.tar.gz") != std::string::npos);
    CHECK(util::fetch((dir / "other.tar.gz").string(), "", dir / "cache", runner)); // a plain path
}

#include <fstream>
#include <sys/stat.h>

#include "support/catch.h"
#include "support/files.h"
#include "support/prereq.h"
#include "util/atomic_file.h"

using namespace wslmod;

TEST_CASE("AtomicFile publishes only on commit and keeps the previous file when asked") {
    auto dir = test::scratch_dir("atomic-file");
    auto dest = dir / "out.vhdx";
    std::ofstream(dest) << "old";
    {
        auto f = util::AtomicFile::create(dest);
        REQUIRE(f);
        std::ofstream(f->temp_path()) << "half-written";
        // no commit: the destination is untouched and the temporary disappears
    }
    CHECK(test::read_text(dest) == "old");
    CHECK(std::distance(std::filesystem::directory_iterator(dir), {}) == 1);

    auto old_mask = ::umask(022);
    auto f = util::AtomicFile::create(dest);
    ::umask(old_mask);
    REQUIRE(f);
    CHECK(f->temp_path().parent_path() == dir);
    std::ofstream(f->temp_path()) << "new";
    REQUIRE(f->commit(dir / "out.vhdx.prev"));
    CHECK(test::read_text(dest) == "new");
    CHECK(test::read_text(dir / "out.vhdx.prev") == "old");
    auto perms = std::filesystem::status(dest).permissions();
    CHECK((perms & std::filesystem::perms::others_read) != std::filesystem::perms::none);

    auto missing = util::AtomicFile::create(dir / "no-such-dir" / "x");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == util::ExitCode::usage);
}

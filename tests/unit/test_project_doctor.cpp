// doctor's headers check on scratch folders standing in for /lib/modules and /usr/src.
#include <fstream>

#include "project/doctor.h"
#include "support/catch.h"
#include "support/prereq.h"

using namespace wslmod;
namespace fs = std::filesystem;

TEST_CASE("the headers check: the image's own, a link to the installed copy, or what to do") {
    auto scratch = test::scratch_dir("project-doctor-headers");
    auto mods = scratch / "lib/modules", src = scratch / "usr/src";
    fs::create_directories(mods / "r");

    auto none = project::headers_check(mods, src, "r");
    CHECK(none.status == "warn");
    CHECK(none.fix.find("wslmod build --headers") != std::string::npos);
    CHECK(none.fix.find("wslmod headers install") != std::string::npos);

    auto copy = src / "linux-headers-r";
    fs::create_directories(copy);
    std::ofstream(copy / "Makefile") << "# headers\n";
    auto unlinked = project::headers_check(mods, src, "r");
    CHECK(unlinked.status == "warn");
    CHECK(unlinked.fix.find("--kernelsourcedir " + copy.string()) != std::string::npos);

    fs::create_symlink(copy, mods / "r/build");
    auto linked = project::headers_check(mods, src, "r");
    CHECK(linked.status == "ok");
    CHECK(linked.message.find(copy.string()) != std::string::npos);

    fs::remove(mods / "r/build");
    fs::create_directories(mods / "r/build");
    std::ofstream(mods / "r/build/Makefile") << "# in the image\n";
    CHECK(project::headers_check(mods, src, "r").message.find("the image's own") !=
          std::string::npos);
}

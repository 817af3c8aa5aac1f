// The image's own record of what it adds (wslmod.added), which verify --boot and install load by
// default; an image without it says how to name the modules instead.
#include <fstream>

#include "image/file_source.h"
#include "support/catch.h"
#include "support/prereq.h"
#include "verify/boot_check.h"

using namespace wslmod;

TEST_CASE("the wslmod.added record gives the modules to load, in its order", "[verify]") {
    auto dir = test::scratch_dir("verify-record");
    std::ofstream(dir / "wslmod.added")
        << "# wslmod: the modules this image adds to the stock ones: name, path, recipe\n"
           "hello extra/hello/hello.ko.xz hello\n"
           "xr_serial extra/usbip-extra/xr_serial.ko.xz usbip-extra\n";
    auto src = image::open_file_source(dir);
    REQUIRE(src);
    auto names = verify::recorded_added(**src);
    REQUIRE(names);
    CHECK(*names == std::vector<std::string>{"hello", "xr_serial"});

    auto bare = test::scratch_dir("verify-record-none");
    auto none_src = image::open_file_source(bare);
    REQUIRE(none_src);
    auto none = verify::recorded_added(**none_src);
    REQUIRE_FALSE(none);
    CHECK(none.error().message().find("--modules") != std::string::npos);
}

TEST_CASE("verify refuses a module name that is not one before booting anything", "[verify]") {
    util::SystemRunner runner;
    verify::CheckSpec spec;
    spec.image = "/nonexistent.vhdx";
    spec.kernel = "/nonexistent";
    spec.modules = {"hello; reboot"};
    auto r = verify::check_boot(spec, runner);
    REQUIRE_FALSE(r);
    CHECK(r.error().message() ==
          "hello; reboot: not a module name (module names are letters, digits, '_' and '-')");
    CHECK(r.error().code == util::ExitCode::usage);
}

// A cross build: the arm64 stand-in (Debian's arm64 6.12 image, config and modules) prepared on
// this x86_64 machine with gcc-aarch64-linux-gnu, and hello built against it and merged with
// the arm64 stock modules.  The image's module is an aarch64 ELF with the arm64 release's
// vermagic, and depmod -E checked its CRCs against the Module.symvers recovered from the Image.
// (Loading it under qemu-system-aarch64 is not done yet: issue 24.)
#include <sys/utsname.h>

#include <nlohmann/json.hpp>

#include "support/catch.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;
namespace fs = std::filesystem;

TEST_CASE("the arm64 stand-in prepares with the cross compiler and hello builds and merges") {
    struct utsname u {};
    ::uname(&u);
    if (std::string(u.machine) != "x86_64") {
        WARN("a cross build from x86_64: this machine is " << u.machine);
        return;
    }
    test::require_program("aarch64-linux-gnu-gcc");
    const auto& k = test::debian_arm64_kernel();
    auto dir = test::scratch_dir("cross-arm64");
    auto cache = (fs::path(WSLMOD_BINARY_DIR) / "tests/cache").string();
    auto prep =
        test::run_wslmod({"--json", "kernel", "prepare", "--source", k.source.string(), "--config",
                          k.config.string(), "--stock-kernel", k.kernel.string(), "--stock-modules",
                          k.modules.string(), "--cache", cache});
    INFO(prep.output);
    REQUIRE(prep.exit_code == 0);
    auto doc = nlohmann::json::parse(prep.output.substr(prep.output.find('{')));
    auto tree = doc["tree"].get<std::string>();
    CHECK(doc["release"] == k.release);
    auto recorded = nlohmann::json::parse(test::read_text(fs::path(tree) / ".wslmod-tree.json"));
    CHECK(recorded["cc"].get<std::string>().starts_with("aarch64-linux-gnu-gcc"));
    CHECK(test::read_text(fs::path(tree) / "include/generated/utsrelease.h").find(k.release) !=
          std::string::npos);

    auto img = dir / "modules.vhdx";
    auto build = test::run_wslmod({"--json", "build", "hello", "--kernel", tree, "--stock-modules",
                                   k.modules.string(), "--cache", cache, "-o", img.string()});
    INFO(build.output);
    REQUIRE(build.exit_code == 0);
    auto b = nlohmann::json::parse(build.output.substr(build.output.find('{')));
    auto ko = b["builds"][0]["modules"][0]["file"].get<std::string>();
    auto file = test::run_ok({"file", "-b", ko});
    CHECK(file.find("ARM aarch64") != std::string::npos);
    auto vermagic = test::run_ok({"modinfo", "-F", "vermagic", ko});
    CHECK(vermagic.starts_with(k.release + " "));
    CHECK(vermagic.find("aarch64") != std::string::npos);
    CHECK(fs::file_size(img) > 0);
}

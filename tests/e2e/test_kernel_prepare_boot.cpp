// The headline: a module built against wslmod's prepared tree, with Module.symvers recovered
// from the stock kernel image, loads in that stock kernel; with one CRC corrupted, the kernel
// refuses it, which proves that the recovered CRCs are what makes it load.
#include <fstream>
#include <sstream>

#include "harness/boot.h"
#include "support/catch.h"
#include "support/debian_boot.h"
#include "support/devel_tree.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;

namespace {

harness::BootResult boot_with(const std::filesystem::path& img, const std::filesystem::path& dir) {
    auto spec = test::debian_boot_spec(dir / "boot");
    spec.disk = img;
    spec.commands = {"modprobe hello tag=prepared", "grep '^hello ' /proc/modules", "dmesg | grep -E 'wslmod-hello|hello:'"};
    return test::boot_ok(spec, 3);
}

} // namespace

TEST_CASE("a module built against the prepared tree with recovered CRCs loads in the stock kernel") {
    auto dir = test::scratch_dir("prepare-boot-good");
    auto tree = test::prepared_tree();
    auto ko = test::build_playground_module("hello", tree, dir / "hello");
    auto vermagic = test::run_ok({"modinfo", "-F", "vermagic", ko.string()});
    CHECK(vermagic.starts_with(test::debian_kernel().release + " "));
    auto result = boot_with(test::image_with({ko}, dir), dir);
    INFO(result.describe());
    CHECK(result.report.commands[0].exit_code == 0);
    CHECK(result.report.commands[1].exit_code == 0);
    CHECK(result.report.commands[2].output.find("wslmod-hello: loaded (prepared)") != std::string::npos);
}

TEST_CASE("the same module with one CRC corrupted is refused by the stock kernel") {
    auto dir = test::scratch_dir("prepare-boot-bad-crc");
    // A Module.symvers that differs from the recovered one in _printk's CRC only.
    std::ifstream in(test::prepared_tree() / "Module.symvers");
    std::stringstream bad;
    int changed = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.find("\t_printk\tvmlinux\t") != std::string::npos) {
            line.replace(2, 8, line.substr(2, 8) == "00000000" ? "00000001" : "00000000");
            ++changed;
        }
        bad << line << "\n";
    }
    REQUIRE(changed == 1);
    std::ofstream(dir / "bad.symvers") << bad.str();
    auto tree = test::prepared_tree({"--symvers", (dir / "bad.symvers").string()});
    auto ko = test::build_playground_module("hello", tree, dir / "hello");
    auto result = boot_with(test::image_with({ko}, dir), dir);
    INFO(result.describe());
    CHECK(result.report.commands[0].exit_code != 0);
    CHECK(result.report.commands[1].exit_code != 0);
    CHECK(result.report.commands[2].output.find("disagrees about version of symbol _printk") != std::string::npos);
    CHECK(result.report.commands[2].output.find("wslmod-hello: loaded") == std::string::npos);
}

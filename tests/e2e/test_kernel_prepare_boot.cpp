// The headline: a module built against wslmod's prepared tree, with Module.symvers recovered
// from the stock kernel image, loads in that stock kernel.  The converse (one CRC corrupted and
// the kernel refuses it, so the recovered CRCs are what makes it load) is in test_verify_cli,
// through `wslmod build --verify`.
#include "support/catch.h"
#include "support/debian_boot.h"
#include "support/devel_tree.h"
#include "support/prereq.h"
#include "support/run.h"
#include "verify/boot.h"

using namespace wslmod;

namespace {

verify::BootResult boot_with(const std::filesystem::path& img, const std::filesystem::path& dir) {
    auto spec = test::debian_boot_spec(dir / "boot");
    spec.disk = img;
    spec.commands = {"modprobe hello tag=prepared", "grep '^hello ' /proc/modules",
                     "dmesg | grep -E 'wslmod-hello|hello:'"};
    return test::boot_ok(spec, 3);
}

} // namespace

TEST_CASE(
    "a module built against the prepared tree with recovered CRCs loads in the stock kernel") {
    auto dir = test::scratch_dir("prepare-boot-good");
    auto tree = test::prepared_tree();
    auto ko = test::build_playground_module("hello", tree, dir / "hello");
    auto vermagic = test::run_ok({"modinfo", "-F", "vermagic", ko.string()});
    CHECK(vermagic.starts_with(test::debian_kernel().release + " "));
    auto result = boot_with(test::image_with({ko}, dir), dir);
    INFO(result.describe());
    CHECK(result.report.commands[0].exit_code == 0);
    CHECK(result.report.commands[1].exit_code == 0);
    CHECK(result.report.commands[2].output.find("wslmod-hello: loaded (prepared)") !=
          std::string::npos);
}

// A modules image packed by wslmod, mounted in the guest exactly as WSL mounts it.
#include "support/catch.h"
#include "support/debian_boot.h"
#include "support/prereq.h"
#include "support/run.h"
#include "verify/boot.h"

using namespace wslmod;

TEST_CASE("the stock modules packed by wslmod load through the WSL-style overlay") {
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("boot-wslmod-pack");
    auto img = dir / "modules.vhdx";
    auto packed = test::run_wslmod({"image", "pack", k.modules.string(), "-o", img.string()});
    INFO(packed.output);
    REQUIRE(packed.exit_code == 0);

    auto spec = test::debian_boot_spec(dir / "boot");
    spec.disk = img;
    spec.commands = {"modprobe vcan", "modprobe usbserial", "cat /proc/modules",
                     "ls /lib/modules/$(uname -r)/ | head -3"};
    auto booted = test::boot_ok(spec, 4);
    auto* result = &booted;
    INFO(result->describe());
    CHECK(result->report.commands[0].exit_code == 0);
    CHECK(result->report.commands[1].exit_code == 0);
    auto modules = "\n" + result->report.commands[2].output; // one module per line
    CHECK(modules.find("\nvcan ") != std::string::npos);
    CHECK(modules.find("\nusbserial ") != std::string::npos);
    CHECK(result->report.commands[3].output.find("kernel") != std::string::npos);
}

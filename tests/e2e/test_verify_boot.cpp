// The boot harness against the stand-in stock kernel: Debian's 6.12 modules packed the
// Microsoft way, mounted in the guest the WSL way, and real modprobe calls.
#include <chrono>

#include "support/catch.h"
#include "support/debian_boot.h"
#include "support/microsoft_image.h"
#include "support/prereq.h"
#include "verify/boot.h"

using namespace wslmod;
using namespace std::chrono_literals;

namespace {

std::filesystem::path stock_vhdx() {
    const auto& k = test::debian_kernel();
    auto out = std::filesystem::path(WSLMOD_BINARY_DIR) / "tests/fixtures" / k.version /
               "stock-modules.vhdx";
    test::pack_like_microsoft(k.modules, out);
    return out;
}

verify::BootSpec spec_for(const std::string& name, std::vector<std::string> commands) {
    auto spec = test::debian_boot_spec(test::scratch_dir(name));
    spec.commands = std::move(commands);
    return spec;
}

} // namespace

TEST_CASE("stock modules not needed at boot load from a Microsoft-style VHDX mounted the WSL way") {
    auto spec = spec_for("boot-stock", {"modprobe vcan", "modprobe usbserial",
                                        "grep -E '^(vcan|usbserial) ' /proc/modules",
                                        "grep ' /lib/modules/' /proc/mounts"});
    spec.disk = stock_vhdx();
    auto booted = test::boot_ok(spec, 4);
    auto* result = &booted;
    INFO(result->describe());
    CHECK(result->report.commands[0].exit_code == 0);
    CHECK(result->report.commands[1].exit_code == 0);
    const auto& modules = result->report.commands[2];
    CHECK(modules.exit_code == 0);
    CHECK(modules.output.find("vcan ") != std::string::npos);
    CHECK(modules.output.find("usbserial ") != std::string::npos);
    // The overlay WSL puts over /lib/modules/$(uname -r): lower = the read-only image.
    const auto& mounts = result->report.commands[3].output;
    CHECK(mounts.find("overlay /lib/modules/" + test::debian_kernel().release + " overlay") !=
          std::string::npos);
    CHECK(mounts.find("lowerdir=/modules") != std::string::npos);
}

TEST_CASE("a wrong module name fails modprobe and the harness reports it") {
    auto spec = spec_for("boot-wrong-name", {"modprobe wslmod_no_such_module", "modprobe vcan"});
    spec.disk = stock_vhdx();
    auto booted = test::boot_ok(spec, 2);
    auto* result = &booted;
    INFO(result->describe());
    CHECK(result->report.commands[0].exit_code != 0);
    CHECK(result->report.commands[0].output.find("not found") != std::string::npos);
    CHECK(result->report.commands[1].exit_code == 0);
}

TEST_CASE("without the disk, the WSL-style mount fails and no stock module loads") {
    auto spec = spec_for("boot-no-disk", {"modprobe vcan"});
    util::SystemRunner runner;
    auto result = verify::boot(spec, runner);
    REQUIRE(result);
    INFO(result->describe());
    REQUIRE(result->report.done);
    REQUIRE(result->report.setup);
    CHECK(result->report.setup->exit_code != 0);
    CHECK(result->report.setup->output.find("no disk") != std::string::npos);
    CHECK_FALSE(result->ok());
    REQUIRE(result->report.commands.size() == 1);
    CHECK(result->report.commands[0].exit_code != 0);
}

TEST_CASE("a hung guest is killed at the timeout and the console tail is kept") {
    auto spec = spec_for("boot-hang", {"echo about-to-hang", "sleep 100000"});
    spec.disk = stock_vhdx();
    spec.timeout = 25s; // a boot takes a few seconds under TCG
    util::SystemRunner runner;
    auto result = verify::boot(spec, runner);
    REQUIRE(result);
    CHECK(result->timed_out);
    CHECK_FALSE(result->report.done);
    CHECK_FALSE(result->ok());
    CHECK(result->describe().find("boot timed out") != std::string::npos);
}

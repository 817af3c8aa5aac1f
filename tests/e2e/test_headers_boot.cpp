// The headers an image carries, used with no wslmod in the loop: `wslmod build --headers
// --verify` writes the image and boots it; qemu-img and debugfs take its build/ folder out to
// another path; plain `make -C <copy> M=...` builds a module there; real DKMS builds Debian's
// acpi-call-dkms against the copy `wslmod headers install` wrote (--kernelsourcedir).  Both
// modules, and the image's own added module, then load in the stand-in kernel under QEMU, from a
// disk mke2fs made of the image's files.
#include <fstream>

#include "support/catch.h"
#include "support/debian_boot.h"
#include "support/devel_tree.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

// A module of the test's own, which uses a symbol of vmlinux and one of a stock module, so
// that both kinds of CRC in Module.symvers are checked when it loads.
void write_probe(const fs::path& dir) {
    fs::create_directories(dir);
    std::ofstream(dir / "Kbuild") << "obj-m := wslmod_headers_probe.o\n";
    std::ofstream(dir / "wslmod_headers_probe.c") << R"(#include <linux/module.h>
#include <linux/crc-itu-t.h>

static int __init probe_init(void)
{
	pr_info("wslmod_headers_probe: crc %u\n", crc_itu_t(0, "wslmod", 6));
	return 0;
}

static void __exit probe_exit(void)
{
}

module_init(probe_init);
module_exit(probe_exit);
MODULE_LICENSE("GPL");
)";
}

std::string vermagic(const fs::path& ko) {
    return test::run_ok({"modinfo", "-F", "vermagic", ko.string()});
}

} // namespace

TEST_CASE("an image built with --headers builds loading modules from a copy of its build/ with "
          "plain make, and DKMS builds against `headers install`") {
    test::require_program("qemu-img");
    test::require_program("debugfs");
    test::require_program("mke2fs");
    test::require_program("dkms");
    const auto& k = test::debian_kernel();
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("headers-boot");
    auto cache = (fs::path(WSLMOD_BINARY_DIR) / "tests/cache").string();
    auto img = dir / "modules.vhdx";

    // --verify boots the image itself, headers and all, and loads its added module.
    auto built =
        test::run_wslmod({"--json", "build", "hello", "--headers", "--verify", "--kernel",
                          tree.string(), "--stock-kernel", k.kernel.string(), "--stock-modules",
                          k.modules.string(), "--cache", cache, "-o", img.string()});
    INFO(built.output);
    REQUIRE(built.exit_code == 0);
    CHECK(built.output.find("\"verify\": null") == std::string::npos);
    CHECK(built.output.find("\"at\": \"/lib/modules/" + k.release + "/build\"") !=
          std::string::npos);

    // Out of the image with the oracles: the filesystem is clean, and its files go to a path
    // that has nothing to do with where the tree was prepared.
    auto raw = dir / "image.raw";
    test::run_ok({"qemu-img", "convert", "-O", "raw", img.string(), raw.string()});
    auto fsck = test::run_tool({"e2fsck", "-fn", raw.string()});
    INFO(fsck.output);
    REQUIRE(fsck.exit_code == 0);
    auto copy = dir / "elsewhere/modules";
    fs::create_directories(copy);
    test::run_ok({"debugfs", "-R", "rdump / " + copy.string(), raw.string()});
    REQUIRE(fs::exists(copy / "build/Makefile"));
    REQUIRE(fs::exists(copy / "build/Module.symvers"));

    // Plain make against the copy.
    auto probe = dir / "probe";
    write_probe(probe);
    auto made =
        test::run_tool({"make", "-C", (copy / "build").string(), "M=" + probe.string(), "modules"});
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
    auto probe_ko = probe / "wslmod_headers_probe.ko";
    REQUIRE(fs::exists(probe_ko));
    CHECK(vermagic(probe_ko).starts_with(k.release + " "));

    // Real DKMS against the folder `headers install` writes.
    auto prefix = dir / "usr/src";
    auto installed = test::run_wslmod({"--json", "headers", "install", "--kernel", tree.string(),
                                       "--cache", cache, "--prefix", prefix.string()});
    INFO(installed.output);
    REQUIRE(installed.exit_code == 0);
    auto headers = prefix / ("linux-headers-" + k.release);
    auto src = test::dkms_source("acpi-call-dkms");
    auto dkms_src = dir / "dkms-source", dkms_tree = dir / "dkms-tree";
    fs::create_directories(dkms_src);
    fs::create_directories(dkms_tree);
    test::run_ok({"cp", "-a", src.string(), dkms_src.string()});
    auto name_version = src.filename().string(); // acpi-call-1.2.2
    auto dash = name_version.rfind('-');
    auto dkms = test::run_tool({"dkms", "build", "--dkmstree", dkms_tree.string(), "--sourcetree",
                                dkms_src.string(), "-m", name_version.substr(0, dash), "-v",
                                name_version.substr(dash + 1), "-k", k.release, "--kernelsourcedir",
                                headers.string()});
    INFO(dkms.output);
    REQUIRE(dkms.exit_code == 0);
    fs::path acpi_ko;
    for (const auto& e : fs::recursive_directory_iterator(dkms_tree))
        if (e.path().filename() == "acpi_call.ko") acpi_ko = e.path();
    REQUIRE(!acpi_ko.empty());
    CHECK(vermagic(acpi_ko).starts_with(k.release + " "));

    // The image's files plus both modules, on a disk mke2fs makes, booted the WSL way.
    fs::create_directories(copy / "extra/test");
    fs::copy_file(probe_ko, copy / "extra/test" / probe_ko.filename());
    fs::copy_file(acpi_ko, copy / "extra/test" / acpi_ko.filename());
    auto depmod_root = dir / "depmod-root";
    fs::create_directories(depmod_root / "lib/modules");
    fs::create_directory_symlink(copy, depmod_root / "lib/modules" / k.release);
    test::run_ok({"depmod", "-b", depmod_root.string(), k.release});
    auto disk = dir / "disk.raw";
    test::run_ok({"mke2fs", "-q", "-t", "ext4", "-d", copy.string(), disk.string(), "400M"});

    auto spec = test::debian_boot_spec(dir / "boot");
    spec.disk = disk;
    spec.disk_format = "raw";
    spec.commands = {"modprobe wslmod_headers_probe", "modprobe acpi_call", "modprobe hello",
                     "cat /proc/modules", "test -f /lib/modules/$(uname -r)/build/Makefile"};
    auto booted = test::boot_ok(spec, 5);
    INFO(booted.describe());
    CHECK(booted.report.commands[0].exit_code == 0);
    CHECK(booted.report.commands[1].exit_code == 0);
    CHECK(booted.report.commands[2].exit_code == 0);
    auto modules = "\n" + booted.report.commands[3].output;
    CHECK(modules.find("\nwslmod_headers_probe ") != std::string::npos);
    CHECK(modules.find("\nacpi_call ") != std::string::npos);
    CHECK(booted.report.commands[4].exit_code == 0);
}

// The harness's initramfs read back by GNU cpio (the oracle), and its kmod run from the
// unpacked tree to prove that every shared library came along.
#include <fstream>

#include "support/catch.h"
#include "support/prereq.h"
#include "util/process.h"
#include "verify/initramfs.h"

using namespace wslmod;

TEST_CASE("cpio unpacks the initramfs, and kmod runs from it with only its own libraries") {
    test::require_program("cpio");
    test::require_program("kmod");
    verify::Initramfs fs;
    REQUIRE(fs.add_host_file("/bin/busybox", "/bin/busybox"));
    util::SystemRunner runner;
    REQUIRE(fs.add_dynamic_binary("/sbin/kmod", *util::find_program("kmod"), runner));
    fs.add_symlink("/sbin/modprobe", "kmod");
    fs.add_file("/etc/hello", "hi\n");
    auto bytes = fs.build();
    REQUIRE(bytes);
    auto dir = test::scratch_dir("initramfs-unpack");
    {
        std::ofstream out(dir / "initramfs.cpio", std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes->data()),
                  static_cast<std::streamsize>(bytes->size()));
    }
    util::SystemRunner r;
    auto root = dir / "root";
    std::filesystem::create_directories(root);
    auto unpack =
        r.run(util::Command({"cpio", "-idm", "--quiet", "-F", (dir / "initramfs.cpio").string()})
                  .in(root));
    REQUIRE(unpack);
    INFO(unpack->output);
    REQUIRE(unpack->exit_code == 0);
    CHECK(std::filesystem::is_symlink(root / "sbin/modprobe"));
    CHECK(std::filesystem::read_symlink(root / "sbin/modprobe") == "kmod");

    auto busybox = r.run({{(root / "bin/busybox").string(), "cat", (root / "etc/hello").string()}});
    REQUIRE(busybox);
    CHECK(busybox->output == "hi\n");

    // Run the unpacked kmod through the unpacked dynamic loader, with only the unpacked libraries.
    auto loader = root / "lib64/ld-linux-x86-64.so.2";
    REQUIRE(std::filesystem::exists(loader));
    auto kmod = r.run(
        {{loader.string(), "--inhibit-cache", "--library-path",
          (root / "lib/x86_64-linux-gnu").string(), (root / "sbin/kmod").string(), "--version"}});
    REQUIRE(kmod);
    INFO(kmod->output);
    CHECK(kmod->exit_code == 0);
    CHECK(kmod->output.find("kmod version") != std::string::npos);
}

#include <fstream>
#include <string>

#include "support/catch.h"
#include "support/fake_runner.h"
#include "support/prereq.h"
#include "verify/boot.h"
#include "verify/initramfs.h"

using namespace wslmod::verify;

namespace {
std::string as_text(const std::vector<std::byte>& b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
} // namespace

TEST_CASE("Initramfs writes a newc archive with parents before children and a trailer") {
    Initramfs fs;
    fs.add_file("/a/b/c.txt", "hello");
    fs.add_symlink("/sbin/modprobe", "kmod");
    fs.add_char_device("/dev/console", 5, 1);
    auto bytes = fs.build();
    REQUIRE(bytes);
    auto text = as_text(*bytes);
    CHECK(text.starts_with("070701"));
    auto a = text.find("a\0", 0), ab = text.find("a/b\0"), abc = text.find("a/b/c.txt");
    CHECK(a < ab);
    CHECK(ab < abc);
    CHECK(text.find("hello") != std::string::npos);
    CHECK(text.find("TRAILER!!!") != std::string::npos);
    CHECK(bytes->size() % 4 == 0);
}

TEST_CASE("init_script mounts the disk the way WSL does and prints every marker") {
    auto s = init_script(2, "abc", true);
    CHECK(s.starts_with("#!/bin/busybox sh\n"));
    CHECK(s.find("mount -t ext4 -o ro /dev/sda /modules") != std::string::npos);
    CHECK(s.find("lowerdir=/modules,upperdir=$T/rw/upper,workdir=$T/rw/work overlay $T") !=
          std::string::npos);
    for (auto m : {"@@WSLMOD-abc-SETUP-BEGIN", "@@WSLMOD-abc-SETUP-END", "@@WSLMOD-abc-BEGIN",
                   "@@WSLMOD-abc-END", "@@WSLMOD-abc-DMESG-BEGIN", "@@WSLMOD-abc-DONE"})
        CHECK(s.find(m) != std::string::npos);
    CHECK(s.find("-lt 2 ]") != std::string::npos);
    CHECK(init_script(0, "abc", false).find("while [ ! -b /dev/sda ]") == std::string::npos);
    // The batch runs before the commands; a command whose skip test holds is not run.
    CHECK(s.find("sh /cmds/batch") < s.find("sh /cmds/$i"));
    CHECK(s.find(". /cmds/skip.$i") < s.find("sh /cmds/$i"));
}

TEST_CASE("add_dynamic_binary adds every library ldd names, at ldd's paths, and skips the vDSO",
          "[verify]") {
    namespace fs = std::filesystem;
    auto dir = wslmod::test::scratch_dir("initramfs-ldd");
    for (const char* f : {"kmod", "libzstd.so.1", "ld-linux-x86-64.so.2"})
        std::ofstream(dir / f) << "bytes of " << f;
    auto lib = (dir / "libzstd.so.1").string(), loader = (dir / "ld-linux-x86-64.so.2").string();
    wslmod::test::FakeRunner runner;
    runner.on("ldd", 0,
              "\tlinux-vdso.so.1 (0x00007ffc8a5f2000)\n\tlibzstd.so.1 => " + lib +
                  " (0x00007f2c1a000000)\n\t" + loader + " (0x00007f2c1a200000)\n");
    Initramfs ramfs;
    REQUIRE(ramfs.add_dynamic_binary("/sbin/kmod", dir / "kmod", runner));
    auto calls = runner.calls();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].argv == std::vector<std::string>{"ldd", (dir / "kmod").string()});
    auto bytes = ramfs.build();
    REQUIRE(bytes);
    auto text = as_text(*bytes);
    CHECK(text.find("sbin/kmod") != std::string::npos);
    CHECK(text.find(lib.substr(1) + std::string(1, '\0')) != std::string::npos); // at its own path
    CHECK(text.find("bytes of libzstd.so.1") != std::string::npos);
    CHECK(text.find("bytes of ld-linux-x86-64.so.2") != std::string::npos);
    CHECK(text.find("linux-vdso") == std::string::npos);

    wslmod::test::FakeRunner failing;
    failing.on("ldd", 1, "\tnot a dynamic executable\n");
    Initramfs other;
    auto r = other.add_dynamic_binary("/sbin/kmod", dir / "kmod", failing);
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("ldd failed") != std::string::npos);
}

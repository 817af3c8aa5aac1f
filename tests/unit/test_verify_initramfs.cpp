#include <string>

#include "verify/boot.h"
#include "verify/initramfs.h"
#include "support/catch.h"

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
}

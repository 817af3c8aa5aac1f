// make_headers on a small fake prepared tree: the cut copied whole, nothing outside it, no
// absolute path of the tree left in any file (ELF files stripped, anything else refused), and
// the entry reused.
#include <fstream>
#include <set>

#include "kernel/headers.h"
#include "kernel/headers_cut.h"
#include "support/catch.h"
#include "support/fake_runner.h"
#include "support/prereq.h"
#include "util/file.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

void put(const fs::path& root, const std::string& rel, const std::string& text) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel, std::ios::binary) << text;
}

// A prepared tree as prepare_tree leaves it, in miniature.  Its objtool holds the folder the
// tree was built in, in its debug info, as the real one does.
kernel::PreparedTree fake_tree(const fs::path& scratch) {
    kernel::PreparedTree t;
    t.key = "0123456789abcdef0123456789abcdef";
    t.dir = scratch / "trees" / t.key;
    t.release = "6.12.118+deb12-amd64";
    auto built_in = (scratch / "trees" / (".tmp-" + t.key + ".0-1")).string();
    for (const char* rel : {"Makefile",
                            "Module.symvers",
                            "localversion-wslmod",
                            "include/linux/module.h",
                            "include/generated/utsrelease.h",
                            "include/config/auto.conf",
                            "include/config/kernel.release",
                            "include/config/USB_SUPPORT",
                            "arch/x86/Makefile",
                            "arch/x86/include/asm/page.h",
                            "arch/x86/kernel/setup.c",
                            "arch/arm64/include/asm/x.h",
                            "scripts/Makefile.build",
                            "scripts/module-common.c",
                            "scripts/mod/modpost.c",
                            "scripts/mod/modpost.o",
                            "scripts/basic/.fixdep.cmd",
                            "scripts/kconfig/conf",
                            "drivers/usb/core/usb.c",
                            "drivers/usb/core/Makefile",
                            "Kconfig",
                            "tools/objtool/check.c"})
        put(t.dir, rel, std::string("text of ") + rel + "\n");
    put(t.dir, ".config", "CONFIG_X86=y\nCONFIG_X86_64=y\nCONFIG_OBJTOOL=y\n");
    put(t.dir, "scripts/basic/fixdep",
        "\x7f"
        "ELF host program\n");
    put(t.dir, "scripts/basic/.fixdep.cmd", "cmd_scripts/basic/fixdep := gcc " + built_in + "\n");
    put(t.dir, "tools/objtool/objtool",
        "\x7f"
        "ELF objtool DW_AT_comp_dir " +
            built_in + "/tools\n");
    fs::create_symlink("../uapi/linux/input.h", t.dir / "include/linux/input.h");
    put(t.dir, "include/uapi/linux/input.h", "uapi\n");
    fs::create_symlink("/etc/hostname", t.dir / "include/linux/outside.h");
    return t;
}

// `strip --strip-debug F`, as far as the test needs: the debug text goes.
void strips(test::FakeRunner& runner) {
    runner.on("strip", 0, "", [](const util::Command& c) {
        std::ofstream(c.argv.back(), std::ios::binary | std::ios::trunc) << "\x7f"
                                                                            "ELF objtool\n";
    });
}

std::set<std::string> listing(const fs::path& root) {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (!e.is_directory() || e.is_symlink())
            out.insert(e.path().lexically_relative(root).generic_string());
    return out;
}

} // namespace

TEST_CASE("make_headers copies exactly the cut, strips the tree's path out of ELF files, and "
          "reuses the entry") {
    auto scratch = test::scratch_dir("kernel-headers-cut");
    auto tree = fake_tree(scratch);
    test::FakeRunner runner;
    strips(runner);
    auto h = kernel::make_headers(tree, scratch / "cache", runner);
    INFO((h ? "" : h.error().message()));
    REQUIRE(h);
    CHECK_FALSE(h->cache_hit);
    CHECK(h->release == tree.release);
    CHECK(h->srcarch == "x86");
    auto files = listing(h->dir);
    CHECK(files == std::set<std::string>{".config", "Makefile", "Module.symvers",
                                         "localversion-wslmod", "arch/x86/Makefile",
                                         "arch/x86/include/asm/page.h", "include/config/auto.conf",
                                         "include/config/kernel.release",
                                         "include/generated/utsrelease.h", "include/linux/input.h",
                                         "include/linux/module.h", "include/uapi/linux/input.h",
                                         "scripts/Makefile.build", "scripts/basic/fixdep",
                                         "scripts/module-common.c", "tools/objtool/objtool"});
    auto cut = kernel::HeadersCut{"x86", true, false, false};
    auto needle = (scratch / "trees").string() + "/";
    for (const auto& f : files) {
        INFO(f);
        CHECK(kernel::in_headers_cut(f, cut));
        auto text = util::read_if_exists(h->dir / f);
        REQUIRE(text);
        CHECK(kernel::find_path_reference(*text, needle) == std::string::npos);
    }
    CHECK(fs::read_symlink(h->dir / "include/linux/input.h") == "../uapi/linux/input.h");
    // The fake tree's kernel.release is not the release, as in a KERNELRELEASE=-pinned tree.
    CHECK(util::read_if_exists(h->dir / "include/config/kernel.release") == tree.release + "\n");
    CHECK(h->stripped == std::vector<std::string>{"tools/objtool/objtool"});
    CHECK(h->files == files.size() - 1); // and one symlink
    CHECK(h->symlinks == 1);

    auto again = kernel::make_headers(tree, scratch / "cache", runner);
    REQUIRE(again);
    CHECK(again->cache_hit);
    CHECK(again->dir == h->dir);
    CHECK(again->files == h->files);
    CHECK(runner.count([](const util::Command& c) { return c.argv[0] == "strip"; }) == 1);
}

TEST_CASE("make_headers refuses a text file that holds the tree's path, and leaves no entry") {
    auto scratch = test::scratch_dir("kernel-headers-path");
    auto tree = fake_tree(scratch);
    put(tree.dir, "include/generated/bad.h",
        "#include \"" + (scratch / "trees" / tree.key).string() + "/include/x.h\"\n");
    test::FakeRunner runner;
    strips(runner);
    auto h = kernel::make_headers(tree, scratch / "cache", runner);
    REQUIRE_FALSE(h);
    CHECK(h.error().message().find("include/generated/bad.h") != std::string::npos);
    CHECK(h.error().message().find("absolute path") != std::string::npos);
    std::error_code ec;
    CHECK(fs::is_empty(scratch / "cache/headers", ec));
}

TEST_CASE("a tree for an architecture wslmod cuts no headers for is an error naming its .config") {
    auto scratch = test::scratch_dir("kernel-headers-arch");
    auto tree = fake_tree(scratch);
    put(tree.dir, ".config", "CONFIG_RISCV=y\n");
    test::FakeRunner runner;
    strips(runner);
    auto h = kernel::make_headers(tree, scratch / "cache", runner);
    REQUIRE_FALSE(h);
    CHECK(h.error().where == (tree.dir / ".config").string());
}

TEST_CASE("distro_headers_dir and find_path_reference") {
    CHECK(kernel::distro_headers_dir("6.6.87.2-microsoft-standard-WSL2") ==
          "/usr/src/linux-headers-6.6.87.2-microsoft-standard-WSL2");
    CHECK(kernel::distro_headers_dir("r", "/opt") == "/opt/linux-headers-r");
    CHECK(kernel::find_path_reference("abc/home/x/.cache/wslmod/trees/def",
                                      "/home/x/.cache/wslmod/trees/") == 3);
    CHECK(kernel::find_path_reference("nothing here", "/home/x/") == std::string::npos);
    CHECK(kernel::find_path_reference("x", "") == std::string::npos);
}

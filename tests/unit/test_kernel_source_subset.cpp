// The subset of a kernel source that a prepared tree holds: what Kconfig, modules_prepare and
// an external module build read stays in, driver and filesystem sources stay out.
#include "kernel/source_subset.h"
#include "support/catch.h"

using namespace wslmod;

TEST_CASE("the source subset keeps what Kbuild reads and leaves out driver sources") {
    kernel::SourceSubset x86{"x86", "arch/x86/configs/config-wsl"};
    for (const char* kept : {"Makefile",
                             "Kconfig",
                             "localversion-wsl",
                             "include/linux/module.h",
                             "scripts/mod/modpost.c",
                             "scripts/Makefile.build",
                             "kernel/bounds.c",
                             "kernel/time/timeconst.bc",
                             "certs/Makefile",
                             "usr/include/Makefile",
                             "arch/x86/Makefile",
                             "arch/x86/tools/relocs.c",
                             "arch/x86/configs/config-wsl",
                             "drivers/usb/serial/Kconfig",
                             "drivers/net/can/Makefile",
                             "fs/ext4/Kbuild",
                             "security/selinux/include/classmap.h",
                             "tools/Makefile",
                             "tools/objtool/check.c",
                             "tools/bpf/resolve_btfids/main.c",
                             "tools/lib/subcmd/exec-cmd.c",
                             "tools/include/linux/types.h",
                             "tools/arch/x86/include/asm/orc_types.h",
                             "tools/build/Makefile.build",
                             "tools/scripts/Makefile.include"}) {
        INFO(kept);
        CHECK(kernel::in_source_subset(kept, x86));
    }
    for (const char* left :
         {"", "drivers/usb/serial/ftdi_sio.c", "fs/ext4/inode.c", "net/core/dev.c",
          "sound/core/pcm.c", "Documentation/index.rst", "arch/arm64/kernel/head.S", "arch/x86.c",
          "includes/x.h", "tools/perf/builtin-top.c", "tools/testing/selftests/bpf/test.c",
          "tools/arch/arm64/include/asm/x.h", "security/selinux/hooks.c"}) {
        INFO(left);
        CHECK_FALSE(kernel::in_source_subset(left, x86));
    }
    kernel::SourceSubset arm{"arm64", ""};
    CHECK(kernel::in_source_subset("arch/arm64/kernel/head.S", arm));
    CHECK_FALSE(kernel::in_source_subset("arch/x86/kernel/head_64.S", arm));
    CHECK(kernel::in_source_subset("arch/x86/Kconfig", arm)); // Kconfig files anywhere
}

TEST_CASE("the subset's architecture comes from the config, or from its path in the source") {
    auto x86 = kernel::parse_config("CONFIG_X86=y\nCONFIG_X86_64=y\n", "test");
    auto arm = kernel::parse_config("CONFIG_ARM64=y\n", "test");
    auto riscv = kernel::parse_config("CONFIG_RISCV=y\n", "test");
    REQUIRE(x86);
    REQUIRE(arm);
    REQUIRE(riscv);
    CHECK(kernel::subset_srcarch(&*x86, "") == "x86");
    CHECK(kernel::subset_srcarch(&*arm, "") == "arm64");
    CHECK(kernel::subset_srcarch(&*riscv, "") == std::nullopt);
    CHECK(kernel::subset_srcarch(nullptr, "arch/x86/configs/config-wsl") == "x86");
    CHECK(kernel::subset_srcarch(nullptr, "arch/arm64/configs/config-wsl-arm64") == "arm64");
    CHECK(kernel::subset_srcarch(nullptr, "arch/riscv/configs/defconfig") == std::nullopt);
    CHECK(kernel::subset_srcarch(nullptr, "") == std::nullopt);
}

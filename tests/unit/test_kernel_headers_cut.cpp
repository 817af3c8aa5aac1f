// The headers cut, on names: what `make -C <headers> M=...` reads is in, sources and objects
// are out.
#include "kernel/headers_cut.h"
#include "support/catch.h"

using namespace wslmod;
using namespace wslmod::kernel;

TEST_CASE("the headers cut keeps what a module build reads and nothing from the .c sources") {
    HeadersCut cut{"x86", true, true, false};
    for (const char* in : {"Makefile",
                           ".config",
                           "Module.symvers",
                           "localversion-wslmod",
                           "include/linux/module.h",
                           "include/generated/utsrelease.h",
                           "include/generated/autoconf.h",
                           "include/config/auto.conf",
                           "include/config/kernel.release",
                           "arch/x86/Makefile",
                           "arch/x86/Makefile_32.cpu",
                           "arch/x86/include/asm/page.h",
                           "arch/x86/include/generated/asm/orc_hash.h",
                           "arch/x86/include/uapi/asm/types.h",
                           "arch/x86/um/shared/sysdep/include/x.h",
                           "scripts/Makefile.build",
                           "scripts/module.lds",
                           "scripts/basic/fixdep",
                           "scripts/mod/modpost",
                           "scripts/genksyms/genksyms",
                           "scripts/module-common.c",
                           "scripts/Kbuild.include",
                           "scripts/gcc-plugins/Makefile",
                           "tools/objtool/objtool",
                           "tools/bpf/resolve_btfids/resolve_btfids"}) {
        INFO(in);
        CHECK(in_headers_cut(in, cut));
    }
    for (const char* out : {"Kconfig",
                            "README",
                            "vmlinux.o",
                            "include/config/auto.conf.cmd",
                            "include/config/USB_SUPPORT",
                            "arch/x86/Kconfig",
                            "arch/x86/kernel/head_64.S",
                            "arch/x86/kernel/setup.c",
                            "arch/x86/boot/compressed/Makefile",
                            "arch/arm64/include/asm/page.h",
                            "arch/arm64/Makefile",
                            "drivers/usb/core/Makefile",
                            "drivers/usb/core/usb.h",
                            "scripts/mod/modpost.c",
                            "scripts/mod/modpost.o",
                            "scripts/basic/.fixdep.cmd",
                            "scripts/kconfig/conf",
                            "scripts/kconfig/Makefile",
                            "scripts/dtc/dtc",
                            "scripts/package/builddeb",
                            "scripts/atomic/gen-atomics.sh",
                            "scripts/unifdef",
                            "scripts/mod/mk_elfconfig",
                            "scripts/gcc-plugins/latent.so",
                            "tools/objtool/check.c",
                            "tools/objtool/objtool.o",
                            "tools/perf/perf",
                            "include/linux/.module.h.cmd",
                            "source"}) {
        INFO(out);
        CHECK_FALSE(in_headers_cut(out, cut));
    }
}

TEST_CASE("the headers cut follows the config: objtool, BTF for modules, GCC plugins") {
    HeadersCut none{"x86", false, false, false};
    CHECK_FALSE(in_headers_cut("tools/objtool/objtool", none));
    CHECK_FALSE(in_headers_cut("tools/bpf/resolve_btfids/resolve_btfids", none));
    HeadersCut plugins{"x86", false, false, true};
    CHECK(in_headers_cut("scripts/gcc-plugins/latent_entropy_plugin.so", plugins));
    HeadersCut arm{"arm64", false, false, false};
    CHECK(in_headers_cut("arch/arm64/include/asm/page.h", arm));
    CHECK(in_headers_cut("arch/arm64/Makefile", arm));
    CHECK_FALSE(in_headers_cut("arch/x86/include/asm/page.h", arm));
}

TEST_CASE("headers_cut_for reads the architecture and the options from the config") {
    auto x86 = parse_config("CONFIG_X86=y\nCONFIG_X86_64=y\nCONFIG_OBJTOOL=y\n"
                            "CONFIG_DEBUG_INFO_BTF_MODULES=y\nCONFIG_GCC_PLUGINS=y\n",
                            "x86.config");
    REQUIRE(x86);
    auto cut = headers_cut_for(*x86, "x86.config");
    REQUIRE(cut);
    CHECK(cut->srcarch == "x86");
    CHECK(cut->objtool);
    CHECK(cut->btf_modules);
    CHECK(cut->gcc_plugins);
    auto arm = parse_config("CONFIG_ARM64=y\n", "arm.config");
    REQUIRE(arm);
    CHECK(headers_cut_for(*arm, "arm.config")->srcarch == "arm64");
    auto riscv = parse_config("CONFIG_RISCV=y\n", "riscv.config");
    REQUIRE(riscv);
    auto refused = headers_cut_for(*riscv, "riscv.config");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().where == "riscv.config");
}

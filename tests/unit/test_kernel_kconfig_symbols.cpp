// kernel::kconfig_index reads the config and menuconfig entries of every Kconfig file, and what
// each one depends on.
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "kernel/kconfig_symbols.h"
#include "support/catch.h"

namespace fs = std::filesystem;
using wslmod::kernel::KconfigIndex;

TEST_CASE("kconfig_index finds config and menuconfig entries in Kconfig files only") {
    auto dir = fs::temp_directory_path() / ("wslmod-kconfig-" + std::to_string(::getpid()));
    fs::create_directories(dir / "drivers/usb");
    std::ofstream(dir / "Kconfig")
        << "mainmenu \"Linux\"\nsource \"drivers/usb/Kconfig\"\n"
           "config MODULES\n\tbool \"modules\"\n"
           "menuconfig USB_SUPPORT\n\tbool \"USB\"\n"
           "\thelp\n\t  A config FOO line in help text is not an entry.\n";
    std::ofstream(dir / "drivers/usb/Kconfig.debug") << "  config USB_DEBUG \n\tdepends on USB\n";
    std::ofstream(dir / "drivers/usb/Makefile") << "config NOT_KCONFIG\n";
    auto index = wslmod::kernel::kconfig_index(dir);
    CHECK(index.defined == std::set<std::string>{"MODULES", "USB_SUPPORT", "USB_DEBUG"});
    CHECK(index.depends_on["USB_DEBUG"] == std::set<std::string>{"USB"});
    fs::remove_all(dir);
}

// The shape of lib/Kconfig.debug's BTF entries (6.12), with the if block and menu around them.
TEST_CASE("depends on lines, if blocks and menu dependencies all count, help text and macros not") {
    KconfigIndex index;
    wslmod::kernel::add_kconfig_text(index, R"(menu "Compile-time checks"
	depends on DEBUG_KERNEL

config DEBUG_INFO_BTF
	bool "Generate BTF type information"
	depends on !DEBUG_INFO_SPLIT && !DEBUG_INFO_REDUCED
	depends on BPF_SYSCALL
	depends on PAHOLE_VERSION >= 116 || \
		   DEBUG_INFO_DWARF4
	depends on $(success,test -e $(srctree)/NOT_A_SYMBOL) # a comment SYMBOL_IN_COMMENT
	help
	  Generate deduplicated BTF type information; config HELP_ENTRY
	  depends on HELP_DEP is help text too.

	  Even after a blank line.

if DEBUG_INFO_BTF
config DEBUG_INFO_BTF_MODULES
	def_bool y
	depends on MODULES && PAHOLE_HAS_SPLIT_BTF && "x" != "QUOTED"
endif

config MODULE_ALLOW_BTF_MISMATCH
	bool "Allow loading modules with non-matching BTF type info"
	depends on DEBUG_INFO_BTF_MODULES
	default n
endmenu

config AFTER
	bool
)");
    CHECK(index.defined == std::set<std::string>{"DEBUG_INFO_BTF", "DEBUG_INFO_BTF_MODULES",
                                                 "MODULE_ALLOW_BTF_MISMATCH", "AFTER"});
    CHECK(index.depends_on["DEBUG_INFO_BTF"] ==
          std::set<std::string>{"DEBUG_KERNEL", "DEBUG_INFO_SPLIT", "DEBUG_INFO_REDUCED",
                                "BPF_SYSCALL", "PAHOLE_VERSION", "DEBUG_INFO_DWARF4"});
    CHECK(
        index.depends_on["DEBUG_INFO_BTF_MODULES"] ==
        std::set<std::string>{"DEBUG_KERNEL", "DEBUG_INFO_BTF", "MODULES", "PAHOLE_HAS_SPLIT_BTF"});
    CHECK(index.depends_on["MODULE_ALLOW_BTF_MISMATCH"] ==
          std::set<std::string>{"DEBUG_KERNEL", "DEBUG_INFO_BTF_MODULES"});
    CHECK(index.depends_on["AFTER"].empty());
}

// drivers/hid/Kconfig (6.12) indents help text like the `help` line itself; a help line that
// starts "if ..." once opened a block that swallowed every later entry's dependencies.
TEST_CASE("help text indented like its help line is still help text") {
    KconfigIndex index;
    wslmod::kernel::add_kconfig_text(index, "config HID_XINMO\n"
                                            "\ttristate \"Xin-Mo joystick\"\n"
                                            "\thelp\n"
                                            "\tSay Y here\n"
                                            "\tif you have a Xin-Mo Dual Arcade controller.\n"
                                            "\n"
                                            "config HID_MCP2221\n"
                                            "\ttristate \"MCP2221\"\n"
                                            "\tdepends on USB_HID && I2C\n"
                                            "\thelp\n"
                                            "\t  Deeper help.\n"
                                            "\tdepends on NOT_HELP_IS_SHALLOWER\n"
                                            "\n"
                                            "config NEXT\n"
                                            "\tbool\n");
    CHECK(index.defined == std::set<std::string>{"HID_XINMO", "HID_MCP2221", "NEXT"});
    CHECK(index.depends_on["HID_MCP2221"] ==
          std::set<std::string>{"USB_HID", "I2C", "NOT_HELP_IS_SHALLOWER"});
    CHECK(index.depends_on["NEXT"].empty());
}

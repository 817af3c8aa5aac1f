// kernel::kconfig_symbols reads the config and menuconfig entries of every Kconfig file.
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "kernel/kconfig_symbols.h"
#include "support/catch.h"

namespace fs = std::filesystem;

TEST_CASE("kconfig_symbols finds config and menuconfig entries in Kconfig files only") {
    auto dir = fs::temp_directory_path() / ("wslmod-kconfig-" + std::to_string(::getpid()));
    fs::create_directories(dir / "drivers/usb");
    std::ofstream(dir / "Kconfig")
        << "mainmenu \"Linux\"\nsource \"drivers/usb/Kconfig\"\n"
           "config MODULES\n\tbool \"modules\"\n"
           "menuconfig USB_SUPPORT\n\tbool \"USB\"\n"
           "\thelp\n\t  A config FOO line in help text is not an entry.\n";
    std::ofstream(dir / "drivers/usb/Kconfig.debug") << "  config USB_DEBUG \n\tdepends on USB\n";
    std::ofstream(dir / "drivers/usb/Makefile") << "config NOT_KCONFIG\n";
    auto syms = wslmod::kernel::kconfig_symbols(dir);
    CHECK(syms == std::set<std::string>{"MODULES", "USB_SUPPORT", "USB_DEBUG"});
    fs::remove_all(dir);
}

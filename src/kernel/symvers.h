// Module.symvers recovered without building the kernel: vmlinux's exports from the stock
// bzImage, and every stock module's exports from the modules themselves.
//
// Module.symvers, one line per exported symbol (what Kbuild's modpost writes and reads):
//   0x<crc, 8 hex digits>\t<symbol>\t<module>\t<EXPORT_SYMBOL|EXPORT_SYMBOL_GPL>\t<namespace>
// <module> is "vmlinux" or the module's path below kernel/ without its suffix
// ("drivers/usb/serial/usbserial"); <namespace> is empty when the symbol has none (the line
// then ends in a tab).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "image/file_source.h"
#include "kernel/ksymtab.h"

namespace wslmod::kernel {

struct SymversLine {
    uint32_t crc = 0;
    std::string symbol, module, ns;
    bool gpl = false;
};

// The vmlinux lines from a kernel image: an x86 bzImage (boot header -> compressed payload ->
// ELF -> ksymtab sections, ksymtab.h) or an arm64 Image (its export tables found by their
// shape, arm64_image.h), told apart by their headers.
util::Result<std::vector<SymversLine>> symvers_from_kernel_image(std::span<const std::byte> image,
                                                                 const std::string& origin);

// The module lines from a stock modules tree (folder or image) with depmod indexes.  Only the
// modules that modules.symbols names as exporters are read (all of them without that index);
// decompression and parsing run on `jobs` threads.
util::Result<std::vector<SymversLine>> symvers_from_modules(image::FileSource& modules,
                                                            unsigned jobs);

// The file text, vmlinux lines first, each group sorted by module and symbol.
std::string format_symvers(std::vector<SymversLine> lines);

// A recovered Module.symvers: its text and how many of its lines came from each side.
struct RecoveredSymvers {
    std::string text; // format_symvers of all the lines
    size_t vmlinux_symbols = 0, module_symbols = 0;
};

// Module.symvers for a stock kernel: the vmlinux lines of `bzimage` (its bytes, read from
// `origin`, which errors name) and, unless `stock_modules` is null, the lines of those stock
// modules, read on `jobs` threads (at least one).  Both are taken as already read and opened,
// so that a caller that has checked their release recovers from exactly what it checked.
util::Result<RecoveredSymvers> recover_symvers(std::span<const std::byte> bzimage,
                                               const std::string& origin,
                                               image::FileSource* stock_modules, unsigned jobs);

} // namespace wslmod::kernel

#include "verify/boot_kernel.h"

#include "kernel/bzimage.h"
#include "kernel/pvh.h"
#include "util/atomic_file.h"
#include "util/file.h"
#include "util/sha256.h"

namespace wslmod::verify {

BootKernel boot_kernel(const std::filesystem::path& bzimage, const std::filesystem::path& store) {
    BootKernel as_is{bzimage, "bzImage"};
    auto bytes = util::read_bytes(bzimage);
    if (!bytes || store.empty()) return as_is;
    auto key = util::to_hex(util::Sha256().update(*bytes).finish()).substr(0, 32);
    auto elf_path = store / ("vmlinux-" + key + ".elf");
    auto none_path = store / ("vmlinux-" + key + ".none");
    std::error_code ec;
    if (std::filesystem::exists(elf_path, ec)) return {elf_path, "pvh"};
    if (std::filesystem::exists(none_path, ec)) return as_is;
    std::filesystem::create_directories(store, ec);
    auto elf = kernel::bzimage_vmlinux(*bytes, bzimage.string());
    if (!elf) return as_is; // not remembered: another wslmod may read this payload
    if (!kernel::has_pvh_entry(*elf)) {
        (void)util::write_file_atomically(none_path, "");
        return as_is;
    }
    auto written = util::write_file_atomically(
        elf_path, std::string_view(reinterpret_cast<const char*>(elf->data()), elf->size()));
    return written ? BootKernel{elf_path, "pvh"} : as_is;
}

} // namespace wslmod::verify

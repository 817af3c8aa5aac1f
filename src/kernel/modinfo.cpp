#include "kernel/modinfo.h"

#include <cstring>
#include <memory>

#include <gelf.h>
#include <libelf.h>

#include "image/file_source.h"
#include "util/decompress.h"

namespace wslmod::kernel {

util::Result<std::optional<std::string>>
modinfo_value(std::span<const std::byte> bytes, const std::string& key, const std::string& origin) {
    elf_version(EV_CURRENT);
    // elf_memory only reads in ELF_C_READ mode, although its parameter is not const.
    std::unique_ptr<Elf, decltype(&elf_end)> elf(
        elf_memory(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())), bytes.size()),
        elf_end);
    size_t shstrndx = 0;
    if (!elf || elf_kind(elf.get()) != ELF_K_ELF || elf_getshdrstrndx(elf.get(), &shstrndx) != 0)
        return util::bad_input("not an ELF kernel module", origin);
    for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf.get(), scn));) {
        GElf_Shdr sh{};
        if (!gelf_getshdr(scn, &sh)) continue;
        const char* name = elf_strptr(elf.get(), shstrndx, sh.sh_name);
        if (!name || std::strcmp(name, ".modinfo") != 0) continue;
        if (sh.sh_offset > bytes.size() || sh.sh_size > bytes.size() - sh.sh_offset)
            return util::bad_input(".modinfo lies outside the file", origin);
        std::string_view info(reinterpret_cast<const char*>(bytes.data()) + sh.sh_offset,
                              sh.sh_size);
        const std::string prefix = key + "=";
        while (!info.empty()) {
            auto nul = info.find('\0');
            auto item = info.substr(0, nul);
            if (item.starts_with(prefix))
                return std::optional<std::string>(std::string(item.substr(prefix.size())));
            if (nul == std::string_view::npos) break;
            info.remove_prefix(nul + 1);
        }
        return std::optional<std::string>();
    }
    return util::bad_input("no .modinfo section: not a kernel module", origin);
}

std::string vermagic_release(const std::string& vermagic) {
    return vermagic.substr(0, vermagic.find(' '));
}

// The release the stock modules were built for, from one module's vermagic.
util::Result<std::string> modules_release(image::FileSource& src) {
    if (!src.exists("modules.dep"))
        return util::bad_input("no modules.dep in the stock modules", src.describe());
    auto dep = WSLMOD_TRY(src.read("modules.dep"));
    auto path = dep.substr(0, dep.find(':'));
    if (path.empty() || path.find('\n') != std::string::npos)
        return util::bad_input("modules.dep names no module", src.describe());
    auto bytes = WSLMOD_TRY(src.read(path));
    auto elf = WSLMOD_TRY(util::plain_bytes(bytes, src.describe() + ":" + path));
    auto vermagic = WSLMOD_TRY(modinfo_value(elf, "vermagic", src.describe() + ":" + path));
    if (!vermagic)
        return util::bad_input("a stock module has no vermagic", src.describe() + ":" + path);
    return vermagic_release(*vermagic);
}

} // namespace wslmod::kernel

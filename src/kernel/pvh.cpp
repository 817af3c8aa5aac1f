#include "kernel/pvh.h"

#include <cstring>
#include <memory>

#include <gelf.h>
#include <libelf.h>

namespace wslmod::kernel {
namespace {

constexpr uint32_t xen_elfnote_phys32_entry = 18;

struct ElfCloser {
    void operator()(Elf* e) const { elf_end(e); }
};

} // namespace

bool has_pvh_entry(std::span<const std::byte> bytes) {
    elf_version(EV_CURRENT);
    // elf_memory only reads in ELF_C_READ mode, although its parameter is not const.
    std::unique_ptr<Elf, ElfCloser> elf(
        elf_memory(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())), bytes.size()));
    GElf_Ehdr eh{};
    if (!elf || elf_kind(elf.get()) != ELF_K_ELF || !gelf_getehdr(elf.get(), &eh)) return false;
    if (eh.e_machine != EM_X86_64 || eh.e_type != ET_EXEC) return false;
    size_t count = 0;
    if (elf_getphdrnum(elf.get(), &count) != 0) return false;
    for (size_t i = 0; i < count; ++i) {
        GElf_Phdr ph{};
        if (!gelf_getphdr(elf.get(), static_cast<int>(i), &ph) || ph.p_type != PT_NOTE) continue;
        Elf_Data* data = elf_getdata_rawchunk(elf.get(), static_cast<int64_t>(ph.p_offset),
                                              ph.p_filesz, ELF_T_NHDR);
        if (!data) continue;
        GElf_Nhdr note{};
        size_t name_at = 0, desc_at = 0;
        for (size_t at = 0; (at = gelf_getnote(data, at, &note, &name_at, &desc_at)) != 0;) {
            if (note.n_type == xen_elfnote_phys32_entry && note.n_namesz == 4 &&
                note.n_descsz >= 4 &&
                std::memcmp(static_cast<const char*>(data->d_buf) + name_at, "Xen", 4) == 0)
                return true;
        }
    }
    return false;
}

} // namespace wslmod::kernel

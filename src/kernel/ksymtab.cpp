#include "kernel/ksymtab.h"

#include <cstring>
#include <map>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>

namespace wslmod::kernel {
namespace {

constexpr size_t entry_size = 12;

struct ElfCloser {
    void operator()(Elf* e) const { elf_end(e); }
};
using ElfPtr = std::unique_ptr<Elf, ElfCloser>;

struct Section {
    size_t index = 0;
    GElf_Shdr header{};
    std::span<const std::byte> data;
};

class Image {
  public:
    static util::Result<Image> open(std::span<const std::byte> bytes, const std::string& origin,
                                    int want_type) {
        elf_version(EV_CURRENT);
        // elf_memory only reads in ELF_C_READ mode, although its parameter is not const.
        ElfPtr elf(elf_memory(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())),
                              bytes.size()));
        GElf_Ehdr eh{};
        if (!elf || elf_kind(elf.get()) != ELF_K_ELF || !gelf_getehdr(elf.get(), &eh))
            return util::bad_input("not an ELF file", origin);
        if ((eh.e_machine != EM_X86_64 && eh.e_machine != EM_AARCH64) ||
            gelf_getclass(elf.get()) != ELFCLASS64)
            return util::bad_input("not an x86-64 or arm64 ELF file", origin,
                                   "wslmod handles x86-64 and arm64 kernels");
        if (eh.e_type != want_type)
            return util::bad_input(want_type == ET_EXEC ? "not a linked kernel (ET_EXEC)"
                                                        : "not a kernel module (ET_REL)",
                                   origin);
        Image img;
        img.origin_ = origin;
        size_t shstrndx = 0;
        if (elf_getshdrstrndx(elf.get(), &shstrndx) != 0)
            return util::bad_input("no section name table", origin);
        for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf.get(), scn));) {
            Section s;
            s.index = elf_ndxscn(scn);
            if (!gelf_getshdr(scn, &s.header)) return util::bad_input("bad section header", origin);
            const char* name = elf_strptr(elf.get(), shstrndx, s.header.sh_name);
            if (!name) continue;
            if (s.header.sh_type != SHT_NOBITS) {
                if (s.header.sh_offset > bytes.size() ||
                    s.header.sh_size > bytes.size() - s.header.sh_offset)
                    return util::bad_input(fmt::format("section {} lies outside the file", name),
                                           origin);
                s.data = bytes.subspan(s.header.sh_offset, s.header.sh_size);
            }
            img.by_name_[name] = s;
            img.by_index_[s.index] = s;
        }
        img.elf_ = std::move(elf);
        return img;
    }
    const Section* find(const std::string& name) const {
        auto it = by_name_.find(name);
        return it == by_name_.end() ? nullptr : &it->second;
    }
    const Section* at(size_t index) const {
        auto it = by_index_.find(index);
        return it == by_index_.end() ? nullptr : &it->second;
    }
    Elf* elf() const { return elf_.get(); }
    const std::string& origin() const { return origin_; }

  private:
    ElfPtr elf_;
    std::string origin_;
    std::map<std::string, Section> by_name_;
    std::map<size_t, Section> by_index_;
};

int32_t s32(std::span<const std::byte> d, size_t off) {
    uint32_t v = 0;
    std::memcpy(&v, d.data() + off, 4);
    return static_cast<int32_t>(v);
}

uint32_t u32(std::span<const std::byte> d, size_t off) {
    return static_cast<uint32_t>(s32(d, off));
}

// The NUL-terminated string at `offset` in `strings`, or nothing when it runs off the end.
std::optional<std::string> string_at(const Section& strings, uint64_t offset) {
    if (offset >= strings.data.size()) return std::nullopt;
    auto* begin = reinterpret_cast<const char*>(strings.data.data()) + offset;
    auto* nul = static_cast<const char*>(std::memchr(begin, 0, strings.data.size() - offset));
    if (!nul) return std::nullopt;
    return std::string(begin, nul);
}

util::Result<void> check_layout(const Image& img, const Section* tab, const Section* crc,
                                const std::string& which) {
    if (img.find("__kflagstab"))
        return util::bad_input(
            "unsupported ksymtab layout: __kflagstab (export flags table)", img.origin(),
            "this kernel is newer than wslmod's symvers recovery; pass --symvers FILE");
    if (!tab) return {};
    if (tab->header.sh_size % entry_size != 0)
        return util::bad_input(
            fmt::format("unsupported ksymtab layout: {} is {} bytes, not a multiple of {}", which,
                        tab->header.sh_size, entry_size),
            img.origin(), "pass --symvers FILE");
    if (crc && crc->header.sh_size != tab->header.sh_size / entry_size * 4)
        return util::bad_input(
            fmt::format("unsupported ksymtab layout: {} has {} entries but its CRC table {}", which,
                        tab->header.sh_size / entry_size, crc->header.sh_size / 4),
            img.origin(), "pass --symvers FILE");
    return {};
}

util::Result<void> linked_table(const Image& img, const std::string& tab_name,
                                const std::string& crc_name, bool gpl, std::vector<Export>& out) {
    const Section* tab = img.find(tab_name);
    const Section* crc = img.find(crc_name);
    WSLMOD_CHECK(check_layout(img, tab, crc, tab_name));
    if (!tab) return {};
    const Section* strings = img.find("__ksymtab_strings");
    if (!strings) return util::bad_input("no __ksymtab_strings section", img.origin());
    uint64_t base = tab->header.sh_addr, strbase = strings->header.sh_addr;
    for (size_t i = 0; i < tab->data.size() / entry_size; ++i) {
        uint64_t field = base + i * entry_size;
        auto resolve = [&](size_t at) -> std::optional<std::string> {
            int32_t rel = s32(tab->data, i * entry_size + at);
            if (at == 8 && rel == 0) return std::string{};
            uint64_t addr = field + at + static_cast<int64_t>(rel);
            if (addr < strbase) return std::nullopt;
            return string_at(*strings, addr - strbase);
        };
        auto name = resolve(4), ns = resolve(8);
        if (!name || name->empty() || !ns)
            return util::bad_input(
                fmt::format("{} entry {} points outside __ksymtab_strings", tab_name, i),
                img.origin());
        out.push_back({*name, crc ? u32(crc->data, i * 4) : 0, gpl, *ns});
    }
    return {};
}

// The relocation section that applies to section `target`.
const Section* relocations_for(const Image& img, size_t target) {
    for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(img.elf(), scn));) {
        const Section* s = img.at(elf_ndxscn(scn));
        if (s && s->header.sh_type == SHT_RELA && s->header.sh_info == target) return s;
    }
    return nullptr;
}

util::Result<void> module_table(const Image& img, const std::string& tab_name,
                                const std::string& crc_name, bool gpl, std::vector<Export>& out) {
    const Section* tab = img.find(tab_name);
    const Section* crc = img.find(crc_name);
    WSLMOD_CHECK(check_layout(img, tab, crc, tab_name));
    if (!tab || tab->data.empty()) return {};
    const Section* strings = img.find("__ksymtab_strings");
    const Section* symtab = img.find(".symtab");
    const Section* rela = relocations_for(img, tab->index);
    if (!strings || !symtab || !rela)
        return util::bad_input(
            fmt::format("{} without __ksymtab_strings, .symtab or its relocations", tab_name),
            img.origin());
    Elf_Data* symdata = elf_getdata(elf_getscn(img.elf(), symtab->index), nullptr);
    Elf_Data* reldata = elf_getdata(elf_getscn(img.elf(), rela->index), nullptr);
    if (!symdata || !reldata)
        return util::bad_input("unreadable symbol or relocation table", img.origin());
    size_t count = tab->data.size() / entry_size;
    std::vector<std::optional<std::string>> names(count), spaces(count, std::string{});
    size_t nrel = rela->header.sh_entsize ? rela->header.sh_size / rela->header.sh_entsize : 0;
    for (size_t r = 0; r < nrel; ++r) {
        GElf_Rela rel{};
        GElf_Sym sym{};
        if (!gelf_getrela(reldata, static_cast<int>(r), &rel) ||
            !gelf_getsym(symdata, static_cast<int>(GELF_R_SYM(rel.r_info)), &sym))
            return util::bad_input("unreadable relocation", img.origin());
        size_t entry = rel.r_offset / entry_size, field = rel.r_offset % entry_size;
        if (entry >= count || field == 0) continue; // the value field: not needed
        if (sym.st_shndx != strings->index) continue;
        auto text = string_at(*strings, sym.st_value + static_cast<uint64_t>(rel.r_addend));
        if (!text)
            return util::bad_input(
                fmt::format("{} relocation points outside __ksymtab_strings", tab_name),
                img.origin());
        (field == 4 ? names : spaces)[entry] = *text;
    }
    // CRCs: literal values, or relocations against absolute __crc_<name> symbols (older kernels).
    std::vector<uint32_t> crcs(count, 0);
    if (crc) {
        for (size_t i = 0; i < count; ++i)
            crcs[i] = u32(crc->data, i * 4);
        if (const Section* crel = relocations_for(img, crc->index)) {
            Elf_Data* cdata = elf_getdata(elf_getscn(img.elf(), crel->index), nullptr);
            size_t n = crel->header.sh_entsize ? crel->header.sh_size / crel->header.sh_entsize : 0;
            for (size_t r = 0; cdata && r < n; ++r) {
                GElf_Rela rel{};
                GElf_Sym sym{};
                if (!gelf_getrela(cdata, static_cast<int>(r), &rel) ||
                    !gelf_getsym(symdata, static_cast<int>(GELF_R_SYM(rel.r_info)), &sym))
                    return util::bad_input("unreadable CRC relocation", img.origin());
                if (rel.r_offset / 4 < count)
                    crcs[rel.r_offset / 4] = static_cast<uint32_t>(sym.st_value + rel.r_addend);
            }
        }
    }
    for (size_t i = 0; i < count; ++i) {
        if (!names[i] || names[i]->empty())
            return util::bad_input(fmt::format("{} entry {} has no name relocation", tab_name, i),
                                   img.origin());
        out.push_back({*names[i], crcs[i], gpl, *spaces[i]});
    }
    return {};
}

} // namespace

util::Result<std::vector<Export>> vmlinux_exports(std::span<const std::byte> elf,
                                                  const std::string& origin) {
    auto img = WSLMOD_TRY(Image::open(elf, origin, ET_EXEC));
    if (!img.find("__ksymtab") && !img.find("__ksymtab_gpl"))
        return util::bad_input("no __ksymtab sections: not a kernel with loadable-module exports",
                               origin);
    std::vector<Export> out;
    WSLMOD_CHECK(linked_table(img, "__ksymtab", "__kcrctab", false, out));
    WSLMOD_CHECK(linked_table(img, "__ksymtab_gpl", "__kcrctab_gpl", true, out));
    return out;
}

util::Result<std::vector<Export>> module_exports(std::span<const std::byte> elf,
                                                 const std::string& origin) {
    auto img = WSLMOD_TRY(Image::open(elf, origin, ET_REL));
    std::vector<Export> out;
    WSLMOD_CHECK(module_table(img, "__ksymtab", "__kcrctab", false, out));
    WSLMOD_CHECK(module_table(img, "__ksymtab_gpl", "__kcrctab_gpl", true, out));
    return out;
}

} // namespace wslmod::kernel

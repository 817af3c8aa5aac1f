#include "support/elf_builder.h"

#include <cstring>

namespace wslmod::test {

void put32(std::vector<std::byte>& v, uint32_t x) {
    for (int i = 0; i < 4; ++i)
        v.push_back(std::byte((x >> (8 * i)) & 0xff));
}
void put64(std::vector<std::byte>& v, uint64_t x) {
    for (int i = 0; i < 8; ++i)
        v.push_back(std::byte((x >> (8 * i)) & 0xff));
}
static void put16(std::vector<std::byte>& v, uint16_t x) {
    v.push_back(std::byte(x & 0xff));
    v.push_back(std::byte(x >> 8));
}

std::vector<std::byte> bytes_of(const std::string& s) {
    std::vector<std::byte> v(s.size());
    std::memcpy(v.data(), s.data(), s.size());
    return v;
}

void add_symbol(std::vector<std::byte>& t, uint32_t name, uint8_t info, uint16_t shndx,
                uint64_t value) {
    put32(t, name);
    t.push_back(std::byte(info));
    t.push_back(std::byte(0));
    put16(t, shndx);
    put64(t, value);
    put64(t, 0);
}

void add_rela(std::vector<std::byte>& r, uint64_t offset, uint32_t sym, uint32_t type,
              int64_t addend) {
    put64(r, offset);
    put64(r, (uint64_t{sym} << 32) | type);
    put64(r, static_cast<uint64_t>(addend));
}

std::vector<std::byte> build_elf(uint16_t type, const std::vector<ElfSection>& in) {
    auto sections = in;
    ElfSection shstr{".shstrtab", 3};
    std::vector<uint32_t> name_off;
    shstr.data.push_back(std::byte{0});
    for (const auto& s : sections) {
        name_off.push_back(static_cast<uint32_t>(shstr.data.size()));
        auto b = bytes_of(s.name);
        shstr.data.insert(shstr.data.end(), b.begin(), b.end());
        shstr.data.push_back(std::byte{0});
    }
    name_off.push_back(static_cast<uint32_t>(shstr.data.size()));
    auto b = bytes_of(shstr.name);
    shstr.data.insert(shstr.data.end(), b.begin(), b.end());
    shstr.data.push_back(std::byte{0});
    sections.push_back(shstr);

    std::vector<std::byte> out(64);
    std::vector<uint64_t> offsets;
    for (const auto& s : sections) {
        while (out.size() % 8)
            out.push_back(std::byte{0});
        offsets.push_back(out.size());
        out.insert(out.end(), s.data.begin(), s.data.end());
    }
    while (out.size() % 8)
        out.push_back(std::byte{0});
    uint64_t shoff = out.size();
    std::vector<std::byte> sh(64, std::byte{0}); // section 0
    for (size_t i = 0; i < sections.size(); ++i) {
        const auto& s = sections[i];
        put32(sh, name_off[i]);
        put32(sh, s.type);
        put64(sh, 2); // SHF_ALLOC
        put64(sh, s.addr);
        put64(sh, offsets[i]);
        put64(sh, s.data.size());
        put32(sh, s.link);
        put32(sh, s.info);
        put64(sh, 4);
        put64(sh, s.entsize);
    }
    out.insert(out.end(), sh.begin(), sh.end());

    std::vector<std::byte> h;
    for (char c : std::string("\x7f"
                              "ELF"))
        h.push_back(std::byte(c));
    h.push_back(std::byte{2}); // ELFCLASS64
    h.push_back(std::byte{1}); // little-endian
    h.push_back(std::byte{1}); // version
    h.resize(16, std::byte{0});
    put16(h, type);
    put16(h, 62); // EM_X86_64
    put32(h, 1);
    put64(h, 0);     // entry
    put64(h, 0);     // phoff
    put64(h, shoff); // shoff
    put32(h, 0);     // flags
    put16(h, 64);    // ehsize
    put16(h, 0);
    put16(h, 0);
    put16(h, 64); // shentsize
    put16(h, static_cast<uint16_t>(sections.size() + 1));
    put16(h, static_cast<uint16_t>(sections.size())); // shstrndx: the last one
    std::copy(h.begin(), h.end(), out.begin());
    return out;
}

} // namespace wslmod::test

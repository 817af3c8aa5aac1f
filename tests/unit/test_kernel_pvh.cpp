#include <cstring>
#include <vector>

#include "kernel/pvh.h"
#include "support/catch.h"

using namespace wslmod::kernel;

namespace {

void put(std::vector<std::byte>& b, size_t at, uint64_t v, size_t width) {
    for (size_t i = 0; i < width; ++i)
        b[at + i] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
}

// A minimal x86-64 ELF executable: the header, one PT_NOTE program header, one note (support/
// elf_builder writes sections only; PVH notes are found through program headers).
std::vector<std::byte> elf_with_note(const char* name, uint32_t type, uint16_t machine = 62) {
    std::vector<std::byte> b(140);
    const unsigned char ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    std::memcpy(b.data(), ident, sizeof ident);
    put(b, 16, 2, 2);       // e_type ET_EXEC
    put(b, 18, machine, 2); // e_machine
    put(b, 20, 1, 4);       // e_version
    put(b, 32, 64, 8);      // e_phoff
    put(b, 52, 64, 2);      // e_ehsize
    put(b, 54, 56, 2);      // e_phentsize
    put(b, 56, 1, 2);       // e_phnum
    put(b, 58, 64, 2);      // e_shentsize
    put(b, 64, 4, 4);       // p_type PT_NOTE
    put(b, 64 + 8, 120, 8); // p_offset
    put(b, 64 + 32, 20, 8); // p_filesz
    put(b, 64 + 40, 20, 8); // p_memsz
    put(b, 64 + 48, 4, 8);  // p_align
    put(b, 120, 4, 4);      // n_namesz
    put(b, 124, 4, 4);      // n_descsz
    put(b, 128, type, 4);   // n_type
    std::memcpy(b.data() + 132, name, 4);
    put(b, 136, 0x1000000, 4); // the entry address
    return b;
}

} // namespace

TEST_CASE("has_pvh_entry finds Xen's PHYS32_ENTRY note and nothing else") {
    CHECK(has_pvh_entry(elf_with_note("Xen", 18)));
    CHECK_FALSE(has_pvh_entry(elf_with_note("Xen", 17)));      // another Xen note
    CHECK_FALSE(has_pvh_entry(elf_with_note("GNU", 18)));      // another owner's type 18
    CHECK_FALSE(has_pvh_entry(elf_with_note("Xen", 18, 183))); // an arm64 ELF
    auto truncated = elf_with_note("Xen", 18);
    truncated.resize(128);
    CHECK_FALSE(has_pvh_entry(truncated));
    CHECK_FALSE(has_pvh_entry({}));
    std::vector<std::byte> junk(4096, std::byte{0x7f});
    CHECK_FALSE(has_pvh_entry(junk));
}

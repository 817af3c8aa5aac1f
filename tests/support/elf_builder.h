// A minimal ELF64 (x86-64) writer for unit tests of the ksymtab readers: named sections with
// contents, laid out one after another, and a section header table.  Only what the readers
// look at is filled in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wslmod::test {

struct ElfSection {
    std::string name;
    uint32_t type = 1; // SHT_PROGBITS
    uint64_t addr = 0;
    std::vector<std::byte> data;
    uint32_t link = 0, info = 0;
    uint64_t entsize = 0;
};

// Section i of `sections` gets index i + 1; a .shstrtab is appended.  `type`: ET_EXEC or ET_REL.
std::vector<std::byte> build_elf(uint16_t type, const std::vector<ElfSection>& sections);

// Little-endian packing helpers.
void put32(std::vector<std::byte>& v, uint32_t x);
void put64(std::vector<std::byte>& v, uint64_t x);
std::vector<std::byte> bytes_of(const std::string& s); // including embedded NULs

// One Elf64_Sym and one Elf64_Rela, appended to a section's data.
void add_symbol(std::vector<std::byte>& symtab, uint32_t name, uint8_t info, uint16_t shndx,
                uint64_t value);
void add_rela(std::vector<std::byte>& rela, uint64_t offset, uint32_t sym, uint32_t type,
              int64_t addend);

} // namespace wslmod::test

// The ksymtab readers on synthetic ELF images built in memory.
#include "kernel/ksymtab.h"
#include "support/catch.h"
#include "support/elf_builder.h"

using namespace wslmod;
using namespace wslmod::test;

namespace {

constexpr uint32_t SHT_SYMTAB_ = 2, SHT_STRTAB_ = 3, SHT_RELA_ = 4;
constexpr uint16_t ET_REL_ = 1, ET_EXEC_ = 2;

// One linked kernel_symbol entry at `at` (address of the entry) naming strings at the given
// addresses; namespace address 0 means none.
void linked_entry(std::vector<std::byte>& tab, uint64_t at, uint64_t name, uint64_t ns) {
    put32(tab, 0);
    put32(tab, static_cast<uint32_t>(static_cast<int64_t>(name) - static_cast<int64_t>(at + 4)));
    put32(tab,
          ns ? static_cast<uint32_t>(static_cast<int64_t>(ns) - static_cast<int64_t>(at + 8)) : 0);
}

std::vector<std::byte> crcs(std::initializer_list<uint32_t> values) {
    std::vector<std::byte> v;
    for (auto c : values)
        put32(v, c);
    return v;
}

std::vector<ElfSection> vmlinux_sections() {
    // strings at 0x3000: "printk\0usb_thing\0USB_NS\0"
    std::vector<std::byte> tab, gpl;
    linked_entry(tab, 0x1000, 0x3000, 0);
    linked_entry(gpl, 0x2000, 0x3007, 0x3011);
    return {
        {"__ksymtab", 1, 0x1000, tab},
        {"__ksymtab_gpl", 1, 0x2000, gpl},
        {"__kcrctab", 1, 0x2800, crcs({0xdeadbeef})},
        {"__kcrctab_gpl", 1, 0x2900, crcs({0x12345678})},
        {"__ksymtab_strings", 1, 0x3000, bytes_of(std::string("printk\0usb_thing\0USB_NS\0", 24))}};
}

} // namespace

TEST_CASE("vmlinux_exports resolves PREL32 names and namespaces and pairs CRCs by index") {
    auto elf = build_elf(ET_EXEC_, vmlinux_sections());
    auto ex = kernel::vmlinux_exports(elf, "vmlinux");
    INFO((ex ? "" : ex.error().message()));
    REQUIRE(ex);
    REQUIRE(ex->size() == 2);
    CHECK((*ex)[0].symbol == "printk");
    CHECK((*ex)[0].crc == 0xdeadbeef);
    CHECK_FALSE((*ex)[0].gpl);
    CHECK((*ex)[0].ns.empty());
    CHECK((*ex)[1].symbol == "usb_thing");
    CHECK((*ex)[1].crc == 0x12345678);
    CHECK((*ex)[1].gpl);
    CHECK((*ex)[1].ns == "USB_NS");
}

TEST_CASE("vmlinux_exports refuses layouts it does not know instead of guessing") {
    auto with_flags = vmlinux_sections();
    with_flags.push_back({"__kflagstab", 1, 0x4000, {std::byte{1}}});
    auto r1 = kernel::vmlinux_exports(build_elf(ET_EXEC_, with_flags), "vmlinux");
    REQUIRE_FALSE(r1);
    CHECK(r1.error().what.find("__kflagstab") != std::string::npos);

    auto wide = vmlinux_sections();
    wide[0].data.resize(24); // 24-byte (absolute-pointer) entries
    auto r2 = kernel::vmlinux_exports(build_elf(ET_EXEC_, wide), "vmlinux");
    REQUIRE_FALSE(r2);
    CHECK(r2.error().what.find("unsupported ksymtab layout") != std::string::npos);

    auto short_crc = vmlinux_sections();
    short_crc[3].data.clear();
    CHECK_FALSE(kernel::vmlinux_exports(build_elf(ET_EXEC_, short_crc), "vmlinux"));

    auto outside = vmlinux_sections();
    outside[0].data.clear();
    linked_entry(outside[0].data, 0x1000, 0x9000, 0); // name past the strings
    CHECK_FALSE(kernel::vmlinux_exports(build_elf(ET_EXEC_, outside), "vmlinux"));

    CHECK_FALSE(kernel::vmlinux_exports(build_elf(ET_REL_, vmlinux_sections()), "module.ko"));
    std::vector<std::byte> junk(100, std::byte{7});
    auto r3 = kernel::vmlinux_exports(junk, "junk");
    REQUIRE_FALSE(r3);
    CHECK(r3.error().what == "not an ELF file");
}

TEST_CASE("module_exports follows PC32 relocations into __ksymtab_strings") {
    // Sections: 1 __ksymtab, 2 .rela__ksymtab, 3 __kcrctab, 4 __ksymtab_strings, 5 .symtab, 6
    // .strtab
    std::vector<std::byte> tab(24), rela, symtab, strtab{std::byte{0}};
    add_symbol(symtab, 0, 0, 0, 0);                 // null symbol
    add_symbol(symtab, 0, 3 /*STT_SECTION*/, 4, 0); // the strings section
    add_symbol(symtab, 0, 0, 4, 9);                 // a symbol at "NS"
    add_rela(rela, 4, 1, 2 /*R_X86_64_PC32*/, 0);   // entry 0 name -> "foo"
    add_rela(rela, 8, 1, 2, 4);                     // entry 0 namespace -> ""
    add_rela(rela, 16, 1, 2, 5);                    // entry 1 name -> "bar"
    add_rela(rela, 20, 2, 2, 0);                    // entry 1 namespace -> "NS"
    auto elf = build_elf(
        ET_REL_, {{"__ksymtab", 1, 0, tab},
                  {".rela__ksymtab", SHT_RELA_, 0, rela, 5, 1, 24},
                  {"__kcrctab", 1, 0, crcs({0x11111111, 0x22222222})},
                  {"__ksymtab_strings", 1, 0, bytes_of(std::string("foo\0\0bar\0NS\0", 12))},
                  {".symtab", SHT_SYMTAB_, 0, symtab, 6, 0, 24},
                  {".strtab", SHT_STRTAB_, 0, strtab}});
    auto ex = kernel::module_exports(elf, "m.ko");
    INFO((ex ? "" : ex.error().message()));
    REQUIRE(ex);
    REQUIRE(ex->size() == 2);
    CHECK((*ex)[0].symbol == "foo");
    CHECK((*ex)[0].crc == 0x11111111);
    CHECK((*ex)[0].ns.empty());
    CHECK((*ex)[1].symbol == "bar");
    CHECK((*ex)[1].crc == 0x22222222);
    CHECK((*ex)[1].ns == "NS");

    // A module that exports nothing has no __ksymtab at all.
    auto none = kernel::module_exports(
        build_elf(ET_REL_, {{".symtab", SHT_SYMTAB_, 0, symtab, 0, 0, 24}}), "n.ko");
    REQUIRE(none);
    CHECK(none->empty());
}

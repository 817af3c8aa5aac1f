#include "kernel/drift.h"
#include "support/catch.h"

using namespace wslmod::kernel;

namespace {
KernelConfig cfg(const std::string& text) {
    return *parse_config(text, "c");
}
} // namespace

TEST_CASE("Debian's olddefconfig drift is all notes, and a dropped BTF is fatal naming dwarves") {
    auto published =
        cfg("CONFIG_CC_VERSION_TEXT=\"x86_64-linux-gnu-gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0\"\n"
            "CONFIG_RUSTC_VERSION=0\nCONFIG_DEBUG_INFO_BTF=y\nCONFIG_DEBUG_INFO_BTF_MODULES=y\n"
            "CONFIG_USB=m\n");
    auto notes_only =
        cfg("CONFIG_CC_VERSION_TEXT=\"gcc (Debian 12.2.0-14+deb12u1) "
            "12.2.0\"\nCONFIG_RUSTC_VERSION=109500\n"
            "CONFIG_RUSTC_HAS_UNNECESSARY_TRANSMUTES=y\nCONFIG_BUILD_SALT=\"\"\nCONFIG_MODULE_SIG_"
            "ALL=y\n"
            "CONFIG_MODULE_SIG_KEY=\"certs/signing_key.pem\"\nCONFIG_SYSTEM_TRUSTED_KEYS=\"\"\n"
            "CONFIG_DEBUG_INFO_BTF=y\nCONFIG_DEBUG_INFO_BTF_MODULES=y\nCONFIG_USB=m\n");
    auto r = check_drift(published, notes_only);
    CHECK_FALSE(r.fatal());
    CHECK(r.items.size() == 7);
    for (const auto& i : r.items) {
        INFO(i.symbol);
        CHECK((i.kind == DriftClass::toolchain || i.kind == DriftClass::abi_neutral));
        CHECK_FALSE(i.note.empty());
    }

    auto no_pahole =
        cfg("CONFIG_CC_VERSION_TEXT=\"x86_64-linux-gnu-gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0\"\n"
            "CONFIG_RUSTC_VERSION=0\nCONFIG_USB=m\n");
    auto bad = check_drift(published, no_pahole);
    REQUIRE(bad.fatal());
    auto summary = bad.fatal_summary();
    CHECK(summary.find("CONFIG_DEBUG_INFO_BTF: published y, now unset") != std::string::npos);
    CHECK(summary.find("dwarves") != std::string::npos);
    CHECK(check_drift(published, no_pahole, {"DEBUG_INFO_BTF", "DEBUG_INFO_BTF_MODULES"}).fatal() ==
          false);
}

TEST_CASE("classify names the fix for plugin and layout-changing options") {
    CHECK(classify("GCC_PLUGINS").first == DriftClass::fatal);
    CHECK(classify("GCC_PLUGINS").second.find("plugin-dev") != std::string::npos);
    CHECK(classify("X86_KERNEL_IBT").first == DriftClass::fatal);
    CHECK(classify("CC_HAS_IBT").first == DriftClass::toolchain);
    CHECK(classify("PAHOLE_VERSION").first == DriftClass::toolchain);
    CHECK(classify("LD_VERSION").first == DriftClass::toolchain);
    CHECK(classify("MODULE_SIG_KEY").first == DriftClass::abi_neutral);
    CHECK(classify("USB_SERIAL").first == DriftClass::fatal);
}

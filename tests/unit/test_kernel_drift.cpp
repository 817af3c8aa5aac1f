#include <algorithm>

#include <nlohmann/json.hpp>

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

TEST_CASE("GCC_PLUGINS dropped with no plugin option on is abi-neutral, as in WSL's configs") {
    // WSL's 6.6 and 6.18 configs: GCC_PLUGINS=y, every GCC_PLUGIN_* option "is not set".
    auto published = cfg("CONFIG_CC_VERSION_TEXT=\"gcc (GCC) 11.2.0\"\nCONFIG_HAVE_GCC_PLUGINS=y\n"
                         "CONFIG_GCC_PLUGINS=y\n# CONFIG_GCC_PLUGIN_LATENT_ENTROPY is not set\n"
                         "# CONFIG_GCC_PLUGIN_STACKLEAK is not set\nCONFIG_RANDSTRUCT_NONE=y\n");
    auto no_headers = cfg("CONFIG_CC_VERSION_TEXT=\"gcc (Debian 12.2.0-14) 12.2.0\"\n"
                          "CONFIG_HAVE_GCC_PLUGINS=y\nCONFIG_RANDSTRUCT_NONE=y\n");
    auto r = check_drift(published, no_headers);
    CHECK_FALSE(r.fatal());
    bool seen = false;
    for (const auto& i : r.items)
        if (i.symbol == "GCC_PLUGINS") {
            seen = true;
            CHECK(i.kind == DriftClass::abi_neutral);
            CHECK(i.note.find("no gcc plugin option") != std::string::npos);
        }
    CHECK(seen);
}

TEST_CASE("an enabled plugin makes the drop fatal, naming the plugin-dev of the building gcc") {
    auto published = cfg("CONFIG_CC_VERSION_TEXT=\"gcc (GCC) 13.2.0\"\nCONFIG_GCC_PLUGINS=y\n"
                         "CONFIG_GCC_PLUGIN_LATENT_ENTROPY=y\n");
    auto dropped = cfg("CONFIG_CC_VERSION_TEXT=\"gcc (Ubuntu 13.3.0-6ubuntu2) 13.3.0\"\n");
    auto r = check_drift(published, dropped);
    REQUIRE(r.fatal());
    auto summary = r.fatal_summary();
    INFO(summary);
    CHECK(summary.find("CONFIG_GCC_PLUGINS: published y, now unset (GCC_PLUGIN_LATENT_ENTROPY is "
                       "enabled") != std::string::npos);
    CHECK(summary.find("gcc-13-plugin-dev") != std::string::npos);
    CHECK(summary.find("CONFIG_GCC_PLUGIN_LATENT_ENTROPY: published y") != std::string::npos);
    CHECK(summary.find("gcc-N-") == std::string::npos);
}

TEST_CASE("options the source does not define are one refusal that blames the source, not a tool") {
    // An -rt kernel's config against the plain source: olddefconfig drops what only the -rt
    // patches define, and a dropped BTF (a tool) is in the same report.
    auto published =
        cfg("CONFIG_PREEMPT_RT=y\nCONFIG_PREEMPT_LAZY=y\nCONFIG_RT_A=y\nCONFIG_RT_B=y\n"
            "CONFIG_RT_C=y\nCONFIG_RT_D=y\nCONFIG_DEBUG_INFO_BTF=y\nCONFIG_USB=m\n");
    auto actual = cfg("CONFIG_USB=m\n");
    auto r = check_drift(published, actual);
    mark_not_in_source(r, {"USB", "DEBUG_INFO_BTF", "PREEMPT_LAZY"});
    CHECK(r.fatal());
    CHECK(r.not_in_source() ==
          std::vector<std::string>{"PREEMPT_RT", "RT_A", "RT_B", "RT_C", "RT_D"});
    auto e = drift_refusal(r, "config-rt");
    INFO(e.message());
    CHECK(e.where == "config-rt");
    CHECK(e.what.find("sets 5 options this source does not define (CONFIG_PREEMPT_RT, "
                      "CONFIG_RT_A, CONFIG_RT_B, CONFIG_RT_C, CONFIG_RT_D)") != std::string::npos);
    CHECK(e.what.find("lacks its patches") != std::string::npos);
    CHECK(e.hint.find("PREEMPT_RT kernel") != std::string::npos);
    auto message = e.message();
    for (const char* tool : {"compiler", "gcc", "dwarves", "toolchain"}) {
        INFO(tool);
        CHECK(message.find(tool) == std::string::npos);
    }
    CHECK(std::count(message.begin(), message.end(), '\n') == 0);
    // Every item is still in the report (--json prints it).
    CHECK(r.items.size() == 7);
}

TEST_CASE("Debian's 6.1 rt config on the plain 6.1 source is named a PREEMPT_RT kernel") {
    // What `kernel prepare` reports for linux-headers-6.1.0-57-rt-amd64's .config against
    // linux-source-6.1: plain 6.1 defines PREEMPT_RT but x86 cannot select it yet, so it is a
    // dropped option of this source; the patch set's own symbols are foreign.
    auto published = cfg("CONFIG_PREEMPT_RT=y\nCONFIG_HAVE_ATOMIC_CONSOLE=y\n"
                         "CONFIG_HAVE_PREEMPT_LAZY=y\nCONFIG_PREEMPT_LAZY=y\nCONFIG_USB=m\n");
    auto r = check_drift(published, cfg("CONFIG_USB=m\n"));
    mark_not_in_source(r, {"USB", "PREEMPT_RT"});
    CHECK(r.not_in_source() ==
          std::vector<std::string>{"HAVE_ATOMIC_CONSOLE", "HAVE_PREEMPT_LAZY", "PREEMPT_LAZY"});
    auto e = drift_refusal(r, "config-6.1-rt");
    INFO(e.message());
    CHECK(e.hint.find("PREEMPT_RT kernel") != std::string::npos);
    CHECK(e.message().find("compiler") == std::string::npos);
    // A vendor tree that is not -rt gets the general hint, in one pair of parentheses.
    auto vendor = check_drift(cfg("CONFIG_VENDOR_X=y\n"), cfg(""));
    mark_not_in_source(vendor, {});
    auto v = drift_refusal(vendor, "c");
    CHECK(v.hint.find("PREEMPT_RT") == std::string::npos);
    CHECK(v.hint.find('(') == std::string::npos);
}

TEST_CASE("without foreign options the refusal names each fatal item and its fix") {
    auto r = check_drift(cfg("CONFIG_DEBUG_INFO_BTF=y\n"), cfg(""));
    mark_not_in_source(r, {"DEBUG_INFO_BTF"});
    CHECK(r.not_in_source().empty());
    auto e = drift_refusal(r, "c");
    CHECK(e.what.find("CONFIG_DEBUG_INFO_BTF: published y, now unset") != std::string::npos);
    CHECK(e.what.find("dwarves") != std::string::npos);
}

namespace {
// lib/Kconfig.debug's BTF chain (6.12) and an unrelated layout option.
const std::map<std::string, std::set<std::string>> btf_deps = {
    {"DEBUG_INFO_BTF", {"BPF_SYSCALL", "PAHOLE_VERSION"}},
    {"DEBUG_INFO_BTF_MODULES", {"DEBUG_INFO_BTF", "MODULES", "PAHOLE_HAS_SPLIT_BTF"}},
    {"MODULE_ALLOW_BTF_MISMATCH", {"DEBUG_INFO_BTF_MODULES"}},
    {"X86_KERNEL_IBT", {"CC_HAS_IBT"}},
};
} // namespace

TEST_CASE("a dropped option that depends on another dropped option is told under that cause") {
    auto published = cfg("CONFIG_PAHOLE_VERSION=125\nCONFIG_DEBUG_INFO_BTF=y\n"
                         "CONFIG_DEBUG_INFO_BTF_MODULES=y\nCONFIG_MODULE_ALLOW_BTF_MISMATCH=y\n"
                         "CONFIG_X86_KERNEL_IBT=y\nCONFIG_USB=m\n");
    auto r = check_drift(published, cfg("CONFIG_PAHOLE_VERSION=0\nCONFIG_USB=m\n"));
    attribute_roots(r, btf_deps);
    auto root_of = [&](const std::string& sym) {
        for (const auto& i : r.items)
            if (i.symbol == sym) return i.root;
        FAIL("no item " << sym);
        return std::string();
    };
    // The chain is followed to its top, and a toolchain symbol (PAHOLE_VERSION) is no cause.
    CHECK(root_of("DEBUG_INFO_BTF").empty());
    CHECK(root_of("DEBUG_INFO_BTF_MODULES") == "DEBUG_INFO_BTF");
    CHECK(root_of("MODULE_ALLOW_BTF_MISMATCH") == "DEBUG_INFO_BTF");
    CHECK(root_of("X86_KERNEL_IBT").empty());
    auto summary = r.fatal_summary();
    INFO(summary);
    CHECK(summary.find("CONFIG_DEBUG_INFO_BTF: published y, now unset, and with it "
                       "CONFIG_DEBUG_INFO_BTF_MODULES, CONFIG_MODULE_ALLOW_BTF_MISMATCH (install "
                       "pahole") != std::string::npos);
    CHECK(summary.find("CONFIG_X86_KERNEL_IBT: published y, now unset (") != std::string::npos);
    // Each consequence is no line of its own, but --json keeps it, with its root.
    CHECK(summary.find("CONFIG_DEBUG_INFO_BTF_MODULES:") == std::string::npos);
    auto json = to_json(r);
    CHECK(json.size() == r.items.size());
    auto back = drift_from_json(json);
    for (size_t i = 0; i < r.items.size(); ++i)
        CHECK(back.items[i].root == r.items[i].root);
}

TEST_CASE("accepting a dropped option accepts what fell with it, and cycles end the walk") {
    auto published = cfg("CONFIG_DEBUG_INFO_BTF=y\nCONFIG_DEBUG_INFO_BTF_MODULES=y\n"
                         "CONFIG_MODULE_ALLOW_BTF_MISMATCH=y\n");
    auto r = check_drift(published, cfg(""), {"DEBUG_INFO_BTF"});
    CHECK(r.fatal());
    attribute_roots(r, btf_deps);
    CHECK_FALSE(r.fatal());
    for (const auto& i : r.items)
        if (i.symbol != "DEBUG_INFO_BTF")
            CHECK(i.note ==
                  "accepted with --allow-drift CONFIG_DEBUG_INFO_BTF, which it depends on");

    auto loop = check_drift(cfg("CONFIG_A=y\nCONFIG_B=y\n"), cfg(""));
    attribute_roots(loop, {{"A", {"B"}}, {"B", {"A"}}});
    // Each names the other; neither walk runs forever, and the report still refuses.
    CHECK(loop.fatal());
    CHECK_FALSE(loop.fatal_summary().empty());
}

TEST_CASE("a refusal with many causes spells out eight and counts the rest") {
    std::string text;
    for (int n = 0; n < 11; ++n)
        text += "CONFIG_LAYOUT_" + std::to_string(n) + "=y\n";
    auto r = check_drift(cfg(text), cfg(""));
    attribute_roots(r, {});
    auto summary = r.fatal_summary();
    CHECK(std::count(summary.begin(), summary.end(), ';') == 8);
    CHECK(summary.find("and 3 more (--json lists every item)") != std::string::npos);
}

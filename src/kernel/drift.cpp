#include "kernel/drift.h"

#include "kernel/facts.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace wslmod::kernel {
namespace {

// Symbols that never change what a module is built against, each with the reason.  Reviewed
// list: add an entry only with a reason that holds for every architecture and release.
const std::map<std::string, std::string>& abi_neutral() {
    static const std::map<std::string, std::string> list = {
        {"BUILD_SALT", "only salts the build ID note"},
        {"MODULE_SIG_ALL", "only says whether modules_install signs modules"},
        {"MODULE_SIG_KEY", "the path of a signing key; signing does not change code or layouts"},
        {"MODULE_SIG_KEY_TYPE_RSA", "the type of a signing key"},
        {"MODULE_SIG_KEY_TYPE_ECDSA", "the type of a signing key"},
        {"SYSTEM_TRUSTED_KEYS", "certificates built into vmlinux; modules do not see them"},
        {"SYSTEM_REVOCATION_KEYS", "certificates built into vmlinux; modules do not see them"},
        {"SYSTEM_EXTRA_CERTIFICATE_SIZE", "space reserved in vmlinux for a certificate"},
        // Top-level Makefile only: -ftrivial-auto-var-init for each file, which gcc 12 has
        // and gcc 11 (WSL 6.6's compiler) lacks.  A module built without it zeroes less of
        // its own stack; no layout, symbol or CRC changes.
        {"INIT_STACK_ALL_ZERO", "only sets how the module's own stack variables start"},
        {"INIT_STACK_ALL_PATTERN", "only sets how the module's own stack variables start"},
        {"INIT_STACK_NONE", "only sets how the module's own stack variables start"},
    };
    return list;
}

bool starts(const std::string& s, const char* p) {
    return s.rfind(p, 0) == 0;
}
bool ends(const std::string& s, const char* p) {
    std::string_view sv(s), pv(p);
    return sv.size() >= pv.size() && sv.substr(sv.size() - pv.size()) == pv;
}

// The likely fix when a symbol dropped or appeared.
std::string fix_for(const std::string& sym) {
    if (starts(sym, "DEBUG_INFO_BTF") || starts(sym, "PAHOLE"))
        return "install pahole (Debian/Ubuntu package: dwarves), then prepare again";
    if (starts(sym, "GCC_PLUGIN"))
        return "install the gcc plugin headers for the compiler that builds the modules "
               "(Debian/Ubuntu: gcc-N-plugin-dev), then prepare again";
    if (starts(sym, "RUST"))
        return "install rustc, bindgen and the Rust standard library sources at the versions the "
               "kernel wants, or pass --allow-drift";
    if (starts(sym, "DEBUG_INFO"))
        return "install dwarves and a compiler that emits the requested DWARF version";
    if (sym == "OBJTOOL" || sym == "STACK_VALIDATION")
        return "install libelf-dev so that objtool can be built";
    return "the local compiler or tools could not satisfy it: use the compiler named in "
           "CONFIG_CC_VERSION_TEXT, or accept it with --allow-drift " +
           sym;
}

// The plugin headers for the compiler that ran olddefconfig (the one that builds the modules).
std::string plugin_fix(const KernelConfig& actual) {
    auto major = gcc_major(actual.string_value("CC_VERSION_TEXT"));
    return fmt::format("install the gcc plugin headers for the compiler that builds the modules "
                       "(Debian/Ubuntu: gcc-{}-plugin-dev), then prepare again",
                       major.empty() ? "N" : major);
}

// The plugin options a published config enables.  GCC_PLUGINS only lets them be chosen: with
// none on, scripts/Makefile.gcc-plugins adds no -fplugin flag, so no module code changes.
std::vector<std::string> enabled_plugins(const KernelConfig& published) {
    std::vector<std::string> out;
    for (const auto& [k, v] : published.values)
        if (starts(k, "GCC_PLUGIN_") && v == "y") out.push_back(k);
    return out;
}

std::string show(const std::optional<std::string>& v) {
    return v ? *v : "unset";
}

} // namespace

std::pair<DriftClass, std::string> classify(const std::string& sym) {
    if (auto it = abi_neutral().find(sym); it != abi_neutral().end())
        return {DriftClass::abi_neutral, it->second};
    static const char* prefixes[] = {
        "CC_HAS_",          "CC_CAN_",  "CC_IS_",        "CC_HAVE_", "AS_HAS_",
        "AS_IS_",           "AS_WRUSS", "AS_TPAUSE",     "AS_GFNI",  "AS_AVX",
        "AS_SHA",           "AS_VAES",  "AS_VPCLMULQDQ", "LD_",      "TOOLCHAIN_HAS_",
        "TOOLCHAIN_NEEDS_", "RUSTC_",   "PAHOLE_HAS_",   "GCC_ASM_", "CLANG_",
        "BINDGEN_"};
    for (auto* p : prefixes)
        if (starts(sym, p)) return {DriftClass::toolchain, "derived from the local toolchain"};
    if (sym == "CC_VERSION_TEXT" || sym == "GCC_VERSION" || sym == "RUST_IS_AVAILABLE" ||
        ends(sym, "_VERSION"))
        return {DriftClass::toolchain, "derived from the local toolchain"};
    return {DriftClass::fatal, fix_for(sym)};
}

std::string to_string(DriftClass kind) {
    switch (kind) {
    case DriftClass::toolchain:
        return "toolchain";
    case DriftClass::abi_neutral:
        return "abi-neutral";
    case DriftClass::fatal:
        return "fatal";
    case DriftClass::not_in_source:
        return "not-in-source";
    case DriftClass::allowed:
        break;
    }
    return "allowed";
}

nlohmann::json to_json(const DriftReport& report) {
    auto out = nlohmann::json::array();
    for (const auto& i : report.items)
        out.push_back(
            {{"symbol", "CONFIG_" + i.symbol},
             {"published", show(i.published)},
             {"actual", show(i.actual)},
             {"class", to_string(i.kind)},
             {"note", i.note},
             {"root", i.root.empty() ? nlohmann::json() : nlohmann::json("CONFIG_" + i.root)}});
    return out;
}

DriftReport drift_from_json(const nlohmann::json& items) {
    DriftReport report;
    for (const auto& j : items) {
        DriftItem i;
        auto sym = j.value("symbol", "");
        i.symbol = sym.starts_with("CONFIG_") ? sym.substr(7) : sym;
        if (auto v = j.value("published", "unset"); v != "unset") i.published = v;
        if (auto v = j.value("actual", "unset"); v != "unset") i.actual = v;
        auto cls = j.value("class", "");
        for (auto k : {DriftClass::toolchain, DriftClass::abi_neutral, DriftClass::fatal,
                       DriftClass::allowed, DriftClass::not_in_source})
            if (to_string(k) == cls) i.kind = k;
        i.note = j.value("note", "");
        if (auto r = j.find("root"); r != j.end() && r->is_string()) {
            auto root = r->get<std::string>();
            i.root = root.starts_with("CONFIG_") ? root.substr(7) : root;
        }
        report.items.push_back(i);
    }
    return report;
}

bool DriftReport::fatal() const {
    return std::any_of(items.begin(), items.end(), [](const DriftItem& i) {
        return i.kind == DriftClass::fatal || i.kind == DriftClass::not_in_source;
    });
}

std::vector<std::string> DriftReport::not_in_source() const {
    std::vector<std::string> out;
    for (const auto& i : items)
        if (i.kind == DriftClass::not_in_source) out.push_back(i.symbol);
    return out;
}

void mark_not_in_source(DriftReport& report, const std::set<std::string>& defined) {
    for (auto& i : report.items)
        if (i.kind == DriftClass::fatal && i.published && !defined.count(i.symbol)) {
            i.kind = DriftClass::not_in_source;
            i.note = "no Kconfig of this source defines it";
        }
}

util::Error drift_refusal(const DriftReport& report, const std::string& config) {
    auto foreign = report.not_in_source();
    if (foreign.empty())
        return util::Error{
            "olddefconfig changed options that modules depend on: " + report.fatal_summary(),
            config, "fix the toolchain as named, or accept a symbol with --allow-drift SYMBOL",
            util::ExitCode::failed};
    // Debian's 6.1 rt flavour shows it as PREEMPT_RT=y dropped (mainline x86 did not support RT
    // before 6.12) next to the patch set's own symbols, PREEMPT_LAZY among them.
    bool rt = std::any_of(report.items.begin(), report.items.end(), [](const DriftItem& i) {
        return (i.symbol == "PREEMPT_RT" && i.published == "y") ||
               (i.kind == DriftClass::not_in_source &&
                (i.symbol.find("PREEMPT_RT") != std::string::npos || i.symbol == "PREEMPT_LAZY"));
    });
    std::vector<std::string> shown;
    for (size_t i = 0; i < foreign.size() && i < 5; ++i)
        shown.push_back("CONFIG_" + foreign[i]);
    auto what = fmt::format(
        "the published config sets {} option{} this source does not define ({}{}): the kernel "
        "was built from a patched tree, and this source lacks its patches",
        foreign.size(), foreign.size() == 1 ? "" : "s", fmt::join(shown, ", "),
        foreign.size() > 5 ? ", ..." : "");
    auto hint = rt ? "this looks like a PREEMPT_RT kernel: prepare a source with the -rt patch "
                     "set applied"
                   : "prepare the source the kernel was built from: its vendor's patched tree";
    return util::Error{what, config, hint, util::ExitCode::usage};
}

void attribute_roots(DriftReport& report,
                     const std::map<std::string, std::set<std::string>>& depends_on) {
    std::map<std::string, DriftItem*> dropped; // what a fatal item can have fallen with
    for (auto& i : report.items)
        if (i.kind == DriftClass::fatal || i.kind == DriftClass::not_in_source ||
            i.kind == DriftClass::allowed)
            dropped[i.symbol] = &i;
    // The first dropped symbol `sym` depends on, in name order, or nullptr.
    auto parent = [&](const std::string& sym) -> DriftItem* {
        auto it = depends_on.find(sym);
        if (it == depends_on.end()) return nullptr;
        for (const auto& d : it->second)
            if (auto p = dropped.find(d); p != dropped.end() && d != sym) return p->second;
        return nullptr;
    };
    std::vector<std::pair<DriftItem*, DriftItem*>> found; // item, root: set after the walk
    for (auto& i : report.items) {
        if (i.kind != DriftClass::fatal) continue;
        // Up the chain to an item that depends on no dropped one.  Symbols that depend on each
        // other (Kconfig refuses that, but this scan is looser) have the first of them in name
        // order as their cause.
        std::vector<DriftItem*> path{&i};
        DriftItem* root = nullptr;
        while (auto* p = parent(path.back()->symbol)) {
            auto again = std::find(path.begin(), path.end(), p);
            if (again == path.end()) {
                path.push_back(p);
                continue;
            }
            auto first = *std::min_element(again, path.end(),
                                           [](auto* a, auto* b) { return a->symbol < b->symbol; });
            root = first == &i ? nullptr : first;
            path.clear();
            break;
        }
        if (path.size() > 1) root = path.back();
        if (root) found.emplace_back(&i, root);
    }
    for (auto [item, root] : found) {
        item->root = root->symbol;
        if (root->kind == DriftClass::allowed) {
            item->kind = DriftClass::allowed;
            item->note =
                "accepted with --allow-drift CONFIG_" + root->symbol + ", which it depends on";
        }
    }
}

std::string DriftReport::fatal_summary() const {
    std::map<std::string, std::vector<std::string>> fell; // root -> what fell with it
    for (const auto& i : items)
        if (i.kind == DriftClass::fatal && !i.root.empty())
            fell[i.root].push_back("CONFIG_" + i.symbol);
    std::vector<std::string> causes;
    for (const auto& i : items) {
        if (i.kind != DriftClass::fatal || !i.root.empty()) continue;
        std::string with;
        if (auto f = fell.find(i.symbol); f != fell.end()) {
            std::vector<std::string> shown(
                f->second.begin(), f->second.begin() + std::min<size_t>(f->second.size(), 3));
            with = fmt::format(
                ", and with it {}{}", fmt::join(shown, ", "),
                f->second.size() > 3 ? fmt::format(" and {} more", f->second.size() - 3) : "");
        }
        causes.push_back(fmt::format("CONFIG_{}: published {}, now {}{} ({})", i.symbol,
                                     show(i.published), show(i.actual), with, i.note));
    }
    constexpr size_t shown_causes = 8;
    std::string out;
    for (size_t n = 0; n < causes.size() && n < shown_causes; ++n)
        out += (n ? "; " : "") + causes[n];
    if (causes.size() > shown_causes)
        out += fmt::format("; and {} more (--json lists every item)", causes.size() - shown_causes);
    return out;
}

DriftReport check_drift(const KernelConfig& published, const KernelConfig& actual,
                        const std::set<std::string>& allowed) {
    std::set<std::string> symbols;
    for (const auto& [k, v] : published.values)
        symbols.insert(k);
    for (const auto& [k, v] : actual.values)
        symbols.insert(k);
    DriftReport report;
    for (const auto& sym : symbols) {
        auto before = published.get(sym), after = actual.get(sym);
        if (before == after) continue;
        auto [kind, note] = classify(sym);
        if (starts(sym, "GCC_PLUGIN")) {
            auto plugins = enabled_plugins(published);
            if (sym == "GCC_PLUGINS" && plugins.empty()) {
                kind = DriftClass::abi_neutral;
                note = "no gcc plugin option is enabled, so it adds no compiler flag";
            } else {
                note = plugin_fix(actual);
                if (sym == "GCC_PLUGINS")
                    note = fmt::format("{} {} enabled: {}", fmt::join(plugins, ", "),
                                       plugins.size() == 1 ? "is" : "are", note);
            }
        }
        if (kind == DriftClass::fatal && allowed.count(sym)) {
            kind = DriftClass::allowed;
            note = "accepted with --allow-drift";
        }
        report.items.push_back({sym, before, after, kind, note});
    }
    return report;
}

} // namespace wslmod::kernel

// Config drift: what `make olddefconfig` changed in the published config.  olddefconfig
// silently drops options the local toolchain cannot satisfy (pahole for BTF, gcc plugin
// headers, a compiler feature), and a module built against the changed config can have other
// struct layouts than the stock kernel, which then refuses it.  Every changed symbol is put in
// one of three classes:
//   toolchain    symbols Kconfig derives from the local tools (CC_VERSION_TEXT, *_VERSION,
//                CC_HAS_*, AS_HAS_*, LD_*, RUSTC_*, PAHOLE_HAS_* ...): a note;
//   abi_neutral  symbols that never change what a module is built against (signing keys,
//                BUILD_SALT ...), from one reviewed list with a reason each, and GCC_PLUGINS
//                when no GCC_PLUGIN_* option is enabled (as in WSL's configs): a note;
//   fatal        anything else, with the likely fix, unless accepted with --allow-drift.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kernel/config.h"

namespace wslmod::kernel {

// not_in_source: a symbol the published config sets that the source's Kconfig does not define.
enum class DriftClass { toolchain, abi_neutral, fatal, allowed, not_in_source };

struct DriftItem {
    std::string symbol;                   // without CONFIG_
    std::optional<std::string> published; // nullopt: unset
    std::optional<std::string> actual;
    DriftClass kind = DriftClass::fatal;
    std::string note; // the reason (notes) or the likely fix (fatal)
    // The dropped symbol this one depends on and fell with (without CONFIG_), followed to the
    // one that depends on no other dropped symbol; empty when this item is a cause itself.
    std::string root;
};

struct DriftReport {
    std::vector<DriftItem> items; // sorted by symbol
    bool fatal() const;
    // The fatal causes (items without a root), "; "-separated, each with what fell with it:
    // "CONFIG_X: published y, now unset, and with it CONFIG_Y (install pahole: dwarves)".  At
    // most eight causes are spelled out; to_json has every item.
    std::string fatal_summary() const;
    // The symbols not in the source, when there are any.
    std::vector<std::string> not_in_source() const;
};

// Marks the fatal items whose symbol the source does not define (kernel/kconfig_symbols.h).
void mark_not_in_source(DriftReport& report, const std::set<std::string>& defined);

// Sets the root of each fatal item that depends on another fatal, foreign or accepted item
// (`depends_on` as kernel::KconfigIndex has it).  An item whose root was accepted with
// --allow-drift is accepted with it: it could not stay set once its root went.
void attribute_roots(DriftReport& report,
                     const std::map<std::string, std::set<std::string>>& depends_on);

// The refusal for a fatal report, on one screen: a config from another tree is said once (up
// to five symbols, and PREEMPT_RT by name) without blaming any tool; otherwise each fatal item
// with its fix.
util::Error drift_refusal(const DriftReport& report, const std::string& config);

// Compares the published config with the one olddefconfig produced; `allowed` symbols (without
// CONFIG_) are accepted drift.
DriftReport check_drift(const KernelConfig& published, const KernelConfig& actual,
                        const std::set<std::string>& allowed = {});

// "toolchain", "abi-neutral", "fatal", "allowed" or "not-in-source".
std::string to_string(DriftClass kind);

// The report as a JSON array of {symbol, published, actual, class, note, root}, and back; the CLI
// prints this form and prepared trees record it.
nlohmann::json to_json(const DriftReport& report);
DriftReport drift_from_json(const nlohmann::json& items);

// The class a changed `symbol` falls in, ignoring --allow-drift, and its note.
std::pair<DriftClass, std::string> classify(const std::string& symbol);

} // namespace wslmod::kernel

// Kernel .config (Kconfig output) as a value.
//
// Grammar, one item per line:
//   CONFIG_<SYM>=<value>        value: y | m | <number> | 0x<hex> | "<escaped string>"
//   # CONFIG_<SYM> is not set   an option the user (or olddefconfig) turned off
//   # <anything else>           comment; "# Linux/<arch> <version> Kernel Configuration" names
//                               the version the file was generated for
//   <empty>
// Symbols are stored without the CONFIG_ prefix.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "util/error.h"

namespace wslmod::kernel {

struct KernelConfig {
    std::map<std::string, std::string> values; // SYM -> raw value as written (strings quoted)
    std::set<std::string> unset;               // "# CONFIG_SYM is not set"
    std::string generated_for;                 // from the header comment, e.g. "6.18.20.1"

    // Raw value of SYM (without CONFIG_), or nullopt when unset or absent.
    std::optional<std::string> get(std::string_view sym) const;
    // True when SYM is y or m.
    bool enabled(std::string_view sym) const;
    // True when SYM is exactly y.
    bool builtin(std::string_view sym) const;
    // String value of SYM with quotes and escapes removed; empty when absent.
    std::string string_value(std::string_view sym) const;
};

// Parses .config text; `origin` names the file in error messages ("<origin>:<line>: ...").
util::Result<KernelConfig> parse_config(std::string_view text, std::string_view origin);

} // namespace wslmod::kernel

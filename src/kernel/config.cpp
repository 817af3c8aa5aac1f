#include "kernel/config.h"

#include <cctype>

#include <fmt/format.h>

namespace wslmod::kernel {
namespace {

constexpr std::string_view prefix = "CONFIG_";

bool valid_symbol(std::string_view sym) {
    if (sym.empty()) return false;
    for (char c : sym)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    return true;
}

std::string unquote(std::string_view raw) {
    if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return std::string(raw);
    std::string out;
    for (size_t i = 1; i + 1 < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 2 < raw.size()) ++i;
        out += raw[i];
    }
    return out;
}

} // namespace

std::optional<std::string> KernelConfig::get(std::string_view sym) const {
    auto it = values.find(std::string(sym));
    if (it == values.end()) return std::nullopt;
    return it->second;
}

bool KernelConfig::enabled(std::string_view sym) const {
    auto v = get(sym);
    return v && (*v == "y" || *v == "m");
}

bool KernelConfig::builtin(std::string_view sym) const {
    auto v = get(sym);
    return v && *v == "y";
}

std::string KernelConfig::string_value(std::string_view sym) const {
    auto v = get(sym);
    return v ? unquote(*v) : std::string{};
}

util::Result<KernelConfig> parse_config(std::string_view text, std::string_view origin) {
    KernelConfig cfg;
    size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        auto where = fmt::format("{}:{}", origin, line_no);
        if (line.empty()) continue;
        if (line.front() == '#') {
            constexpr std::string_view off_prefix = "# CONFIG_", off_suffix = " is not set";
            if (line.starts_with(off_prefix) && line.ends_with(off_suffix)) {
                auto sym = line.substr(off_prefix.size(),
                                       line.size() - off_prefix.size() - off_suffix.size());
                if (valid_symbol(sym)) cfg.unset.insert(std::string(sym));
                continue;
            }
            constexpr std::string_view header = "# Linux/";
            if (line.starts_with(header) && line.ends_with(" Kernel Configuration")) {
                auto rest = line.substr(header.size());
                auto sp = rest.find(' ');
                if (sp != std::string_view::npos) {
                    auto ver = rest.substr(sp + 1);
                    cfg.generated_for = std::string(ver.substr(0, ver.find(' ')));
                }
            }
            continue;
        }
        auto eq = line.find('=');
        if (!line.starts_with(prefix) || eq == std::string_view::npos)
            return util::bad_input(fmt::format("not a kernel config line: '{}'", line), where,
                                   "pass a .config produced by Kconfig");
        auto sym = line.substr(prefix.size(), eq - prefix.size());
        auto value = line.substr(eq + 1);
        if (!valid_symbol(sym))
            return util::bad_input(fmt::format("invalid symbol name '{}'", sym), where);
        if (value.empty() || (value.front() == '"' && (value.size() < 2 || value.back() != '"')))
            return util::bad_input(fmt::format("malformed value for CONFIG_{}", sym), where);
        cfg.values[std::string(sym)] = std::string(value);
        cfg.unset.erase(std::string(sym));
    }
    return cfg;
}

} // namespace wslmod::kernel

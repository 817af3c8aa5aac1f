// The README's catalog table; catalog_table.h has the columns.
#include "recipe/catalog_table.h"

#include <memory>

#include <fmt/format.h>

#include "kernel/config.h"
#include "recipe/catalog.h"
#include "util/file.h"

namespace wslmod::recipe {
namespace {

const std::string begin_marker = "<!-- catalog:begin -->\n";
const std::string end_marker = "<!-- catalog:end -->\n";

std::string cell(std::string s) {
    for (size_t at = s.find('|'); at != std::string::npos; at = s.find('|', at + 2))
        s.replace(at, 1, "\\|");
    return s;
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

std::string gaps(const Recipe& r, const StockColumn& c) {
    if (r.source != SourceKind::kernel_tree) return "not in the kernel tree";
    std::vector<std::string> unset;
    for (const auto& [sym, value] : r.kconfig)
        if (!c.enabled(sym)) unset.push_back(sym);
    if (unset.empty()) return "none: all stock";
    if (unset.size() == r.kconfig.size())
        return unset.size() == 1 ? unset[0] : fmt::format("all {}", unset.size());
    return joined(unset);
}

} // namespace

std::string catalog_table(const std::vector<Recipe>& recipes,
                          const std::vector<StockColumn>& columns) {
    std::string head = "| recipe | what it is for | modules |", rule = "|---|---|---|";
    for (const auto& c : columns) {
        head += fmt::format(" left unset by {} |", c.label);
        rule += "---|";
    }
    std::string out = head + " source |\n" + rule + "---|\n";
    for (const auto& r : recipes) {
        std::vector<std::string> modules;
        for (const auto& m : r.modules)
            modules.push_back(m.name);
        std::string row = fmt::format("| `{}` | {}{} | {} |", r.name, cell(r.summary),
                                      r.firmware.empty() ? "" : " (needs firmware from the distro)",
                                      modules.empty() ? "from its dkms.conf" : joined(modules));
        for (const auto& c : columns)
            row += " " + gaps(r, c) + " |";
        std::string source = to_string(r.source);
        if (!r.deb.empty()) source += " `" + r.deb + "`";
        out += row + " " + source + " |\n";
    }
    return out;
}

util::Result<std::string> with_catalog(std::string_view readme, const std::string& table) {
    auto b = readme.find(begin_marker);
    auto e = b == std::string_view::npos ? b : readme.find(end_marker, b);
    if (e == std::string_view::npos)
        return util::bad_input("the README has no catalog markers", "README.md",
                               "add the lines <!-- catalog:begin --> and <!-- catalog:end -->");
    return std::string(readme.substr(0, b + begin_marker.size())) + table +
           std::string(readme.substr(e));
}

util::Result<std::string> readme_with_catalog(const std::filesystem::path& readme,
                                              const std::filesystem::path& recipes,
                                              const std::vector<std::filesystem::path>& configs) {
    auto all = WSLMOD_TRY(list_recipes({recipes}));
    std::vector<StockColumn> columns;
    for (const auto& file : configs) {
        auto text = util::read_if_exists(file);
        if (!text) return util::bad_input("cannot read the config", file.string());
        auto config = std::make_shared<kernel::KernelConfig>(
            WSLMOD_TRY(kernel::parse_config(*text, file.string())));
        auto version = config->generated_for;
        // "6.6.87.1" -> "6.6": the series is what a reader compares.
        auto dot = version.find('.');
        if (dot != std::string::npos) version = version.substr(0, version.find('.', dot + 1));
        columns.push_back({"stock " + (version.empty() ? file.filename().string() : version),
                           [config](const std::string& sym) { return config->enabled(sym); }});
    }
    auto text = util::read_if_exists(readme);
    if (!text) return util::bad_input("cannot read the README", readme.string());
    return with_catalog(*text, catalog_table(all, columns));
}

} // namespace wslmod::recipe

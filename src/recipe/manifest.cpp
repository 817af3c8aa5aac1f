#include "recipe/manifest.h"

#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "recipe/deb_source.h"
#include "recipe/recipe.h"
#include "recipe/toml_reader.h"
#include "util/file.h"

namespace wslmod::recipe {
namespace fs = std::filesystem;
namespace {

bool is_url(const std::string& s) {
    return s.find("://") != std::string::npos;
}

// Lines of `text`, each with its line ending.
std::vector<std::string> lines_of(std::string_view text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < text.size()) {
        auto nl = text.find('\n', start);
        auto end = nl == std::string_view::npos ? text.size() : nl + 1;
        out.emplace_back(text.substr(start, end - start));
        start = end;
    }
    return out;
}

// The table a header line opens ("recipes" for "[recipes]  # x"), or nullopt.
std::optional<std::string> header_of(const std::string& line) {
    static const std::regex header(R"(^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?\r?\n?$)");
    std::smatch m;
    if (std::regex_match(line, m, header)) return m[1].str();
    return std::nullopt;
}

// The bare or quoted key a "key = value" line sets, or "".
std::string key_of(const std::string& line) {
    static const std::regex kv(R"re(^\s*("([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=)re");
    std::smatch m;
    if (!std::regex_search(line, m, kv)) return "";
    return m[2].matched ? m[2].str() : m[3].matched ? m[3].str() : m[4].str();
}

std::string toml_key(const std::string& name) {
    static const std::regex bare("^[A-Za-z0-9_-]+$");
    return std::regex_match(name, bare) ? name : "\"" + name + "\"";
}

} // namespace

util::Result<Manifest> parse_manifest(std::string_view text, const fs::path& file) {
    TomlReader r(file);
    toml::table doc;
    try {
        doc = toml::parse(text, file.string());
    } catch (const toml::parse_error& e) {
        return util::bad_input(std::string(e.description()), r.at(e.source()),
                               "fix the TOML syntax");
    }
    WSLMOD_CHECK(r.only(doc, {"kernel", "recipes", "output"}, ""));
    Manifest m;
    m.file = file;
    m.dir = file.parent_path();
    m.output = m.dir / "modules.vhdx";
    auto path_of = [&](const std::string& v) {
        return v.empty() || is_url(v) ? v : (m.dir / v).lexically_normal().string();
    };

    if (auto* k = doc["kernel"].node()) {
        auto* t = k->as_table();
        if (!t) return util::bad_input("[kernel] must be a table", r.at(*k));
        WSLMOD_CHECK(
            r.only(*t,
                   {"profile", "series", "source", "source-sha256", "config", "stock-kernel",
                    "stock-modules", "symvers", "release", "allow-drift", "cc"},
                   " in [kernel]"));
        struct Field {
            const char* key;
            std::string* out;
            bool path;
        };
        for (auto f :
             {Field{"profile", &m.profile, false}, Field{"series", &m.series, false},
              Field{"source", &m.source, true}, Field{"source-sha256", &m.source_sha256, false},
              Field{"config", &m.config, true}, Field{"stock-kernel", &m.stock_kernel, true},
              Field{"stock-modules", &m.stock_modules, true}, Field{"symvers", &m.symvers, true},
              Field{"release", &m.release, false}, Field{"cc", &m.cc, false}}) {
            if (auto* n = t->get(f.key)) {
                auto v = WSLMOD_TRY(r.string(*n, f.key));
                *f.out = f.path ? path_of(v) : v;
            }
        }
        if (auto* n = t->get("allow-drift"))
            m.allow_drift = WSLMOD_TRY(r.strings(*n, "allow-drift"));
        if (m.profile != "wsl" && m.profile != "debian" && m.profile != "custom")
            return util::bad_input(fmt::format("unknown profile '{}'", m.profile),
                                   r.at(*t->get("profile")),
                                   "use profile = \"wsl\", \"debian\" or \"custom\"");
        // A flavour may follow, for a series Debian builds in several ("6.1-cloud").
        static const std::regex series(R"(^\d+\.\d+(-[a-z0-9]+)?$)");
        if (!std::regex_match(m.series, series))
            return util::bad_input(fmt::format("series '{}' is not a kernel series", m.series),
                                   t->get("series") ? r.at(*t->get("series")) : file.string(),
                                   "write series = \"6.12\", or with a flavour, \"6.1-cloud\"");
        if (m.profile == "custom" && m.source.empty())
            return util::bad_input(
                "profile \"custom\" needs source, config and stock-kernel", r.at(*t),
                "add source = \"...\" (and config, stock-kernel, stock-modules) to [kernel]");
    }
    if (auto* n = doc["recipes"].node()) {
        auto* t = n->as_table();
        if (!t)
            return util::bad_input("[recipes] must be a table", r.at(*n),
                                   "write [recipes] and one line per recipe: hello = \"*\"");
        for (auto&& [k, v] : *t) {
            if (auto* inline_table = v.as_table()) {
                WSLMOD_CHECK(check_recipe_name(k.str(), r.at(k.source())));
                WSLMOD_CHECK(r.only(*inline_table, {"deb", "version"},
                                    fmt::format(" in recipe {}", k.str())));
                auto deb = inline_table->get("deb");
                if (!deb || !deb->value<std::string>())
                    return util::bad_input(
                        fmt::format("recipe '{}' as a table needs deb = \"<package>\"", k.str()),
                        r.at(k.source()),
                        fmt::format("write {} = {{ deb = \"{}\" }}", toml_key(std::string(k.str())),
                                    dkms_package_for(std::string(k.str()))));
                ManifestRecipe mr{std::string(k.str()), "*",
                                  static_cast<int>(k.source().begin.line)};
                mr.deb = *deb->value<std::string>();
                if (auto* ver = inline_table->get("version")) {
                    if (!ver->value<std::string>())
                        return util::bad_input("the deb version must be a string", r.at(*ver));
                    mr.deb_version = *ver->value<std::string>();
                }
                m.recipes.push_back(std::move(mr));
                continue;
            }
            auto version = v.value<std::string>();
            if (!version)
                return util::bad_input(
                    fmt::format("recipe '{}' must be set to a version string", k.str()),
                    r.at(k.source()),
                    fmt::format("write {} = \"*\" (any version) or a version such as \"1.0\"",
                                toml_key(std::string(k.str()))));
            WSLMOD_CHECK(check_recipe_name(k.str(), r.at(k.source())));
            m.recipes.push_back(
                {std::string(k.str()), *version, static_cast<int>(k.source().begin.line)});
        }
        std::sort(m.recipes.begin(), m.recipes.end(),
                  [](const auto& a, const auto& b) { return a.line < b.line; });
    }
    if (auto* n = doc["output"].node()) {
        auto* t = n->as_table();
        if (!t) return util::bad_input("[output] must be a table", r.at(*n));
        WSLMOD_CHECK(r.only(*t, {"path", "layout", "headers"}, " in [output]"));
        if (auto* h = t->get("headers")) m.headers = WSLMOD_TRY(r.boolean(*h, "headers"));
        if (auto* p = t->get("path")) {
            auto v = WSLMOD_TRY(r.string(*p, "path"));
            if (v.empty())
                return util::bad_input("path is empty", r.at(*p), "write path = \"modules.vhdx\"");
            m.output = (m.dir / v).lexically_normal();
        }
        if (auto* l = t->get("layout")) {
            m.layout = WSLMOD_TRY(r.string(*l, "layout"));
            if (m.layout != "flat" && m.layout != "artifacts")
                return util::bad_input(fmt::format("unknown layout '{}'", m.layout), r.at(*l),
                                       "use \"flat\" or \"artifacts\"");
        }
    }
    return m;
}

util::Result<Manifest> load_manifest(const fs::path& file) {
    std::error_code ec;
    if (!fs::exists(file, ec))
        return util::bad_input("no wslmod.toml here", file.string(),
                               "run `wslmod init` first, or pass the kernel with flags");
    auto text = WSLMOD_TRY(util::read_text_decompressed(file));
    return parse_manifest(text, fs::absolute(file));
}

std::string manifest_text(const std::string& profile, const std::string& series) {
    std::string kernel;
    if (profile == "debian")
        kernel = fmt::format("# The Debian {} kernel packages (linux-source, linux-image, "
                             "linux-headers at one version)\n"
                             "# stand in for a stock kernel; scripts/setup fetches them.\n"
                             "profile = \"debian\"\nseries = \"{}\"\n",
                             series, series);
    else if (profile == "wsl")
        kernel =
            "# The kernel WSL runs: its release from tools\\kernel, the source from the tag\n"
            "# linux-msft-wsl-<version> of microsoft/WSL2-Linux-Kernel (pinned in wslmod.lock), "
            "the config\n"
            "# from that source, the stock modules from tools\\modules.vhd.\nprofile = \"wsl\"\n"
            "# release = \"6.6.87.2-microsoft-standard-WSL2\"  # another published WSL kernel "
            "(name its\n"
            "#                                                 # stock-kernel and stock-modules "
            "too)\n"
            "# source = \"linux-msft-wsl-6.6.87.2.tar.gz\"     # offline: the tag archive, not "
            "fetched\n"
            "# config = \"config-wsl\"                         # offline: instead of the source's "
            "own\n";
    else
        kernel = "profile = \"custom\"\nsource = \"linux.tar.xz\"          # the source of the "
                 "stock kernel's release\n"
                 "config = \"config\"                 # its published config\n"
                 "stock-kernel = \"bzImage\"          # the stock kernel image\n"
                 "stock-modules = \"modules.vhd\"     # its modules: folder or VHD/VHDX image\n";
    return "# wslmod project manifest: `wslmod add NAME` adds a recipe and rebuilds the "
           "image.\n\n[kernel]\n" +
           kernel +
           "\n# Recipes in the image, from recipes/, ~/.config/wslmod/recipes, then the shipped "
           "ones.\n"
           "# \"*\" takes any version; a version pins it.\n[recipes]\n\n"
           "[output]\npath = \"modules.vhdx\"\nlayout = \"flat\"              # \"artifacts\" for "
           "<release>/modules/\n"
           "headers = false              # true: the image carries the kernel headers "
           "(/lib/modules/<release>/build)\n";
}

std::string add_recipes(std::string_view text, const std::vector<std::string>& names) {
    std::vector<std::pair<std::string, std::string>> entries;
    for (const auto& n : names)
        entries.emplace_back(n, "\"*\"");
    return add_recipe_entries(text, entries);
}

std::string add_recipe_entries(std::string_view text,
                               const std::vector<std::pair<std::string, std::string>>& entries) {
    auto lines = lines_of(text);
    // The [recipes] table: its header and the last line that belongs to it.
    std::optional<size_t> header, last;
    std::vector<std::string> present;
    std::optional<std::string> table;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (auto h = header_of(lines[i])) {
            table = *h;
            if (*h == "recipes") header = last = i;
            continue;
        }
        if (table == "recipes") {
            auto k = key_of(lines[i]);
            if (!k.empty()) {
                present.push_back(k);
                last = i;
            }
        }
    }
    std::string added;
    for (const auto& [n, value] : entries)
        if (std::find(present.begin(), present.end(), n) == present.end() &&
            added.find("\n" + toml_key(n) + " =") == std::string::npos) {
            added += toml_key(n) + " = " + value + "\n";
            present.push_back(n);
        }
    if (added.empty()) return std::string(text);
    if (!header) {
        std::string out(text);
        if (!out.empty() && out.back() != '\n') out += '\n';
        return out + "\n[recipes]\n" + added;
    }
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
        out += lines[i];
        if (i == *last) {
            if (!out.empty() && out.back() != '\n') out += '\n';
            out += added;
        }
    }
    return out;
}

util::Result<std::string> remove_recipes(std::string_view text, const fs::path& file,
                                         const std::vector<std::string>& names) {
    auto lines = lines_of(text);
    std::vector<bool> drop(lines.size(), false);
    for (const auto& n : names) {
        bool found = false;
        std::optional<std::string> table;
        for (size_t i = 0; i < lines.size(); ++i) {
            if (auto h = header_of(lines[i])) {
                table = *h;
                continue;
            }
            if (table == "recipes" && key_of(lines[i]) == n) drop[i] = found = true;
        }
        if (!found)
            return util::bad_input(fmt::format("recipe {} is not in the manifest", n),
                                   file.string(),
                                   "the [recipes] table of wslmod.toml lists the recipes it has");
    }
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i)
        if (!drop[i]) out += lines[i];
    return out;
}

} // namespace wslmod::recipe

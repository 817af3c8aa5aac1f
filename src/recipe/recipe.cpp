#include "recipe/recipe.h"

#include <cctype>
#include <charconv>
#include <regex>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "recipe/toml_reader.h"
#include "util/beneath.h"
#include "util/file.h"

namespace wslmod::recipe {
namespace {

class Parser : public TomlReader {
  public:
    explicit Parser(std::filesystem::path file) : TomlReader(std::move(file)) {}

    // A path inside the recipe folder that exists.
    util::Result<std::filesystem::path> inside(const toml::node& n, const std::string& key) {
        auto rel = WSLMOD_TRY(string(n, key));
        auto p = std::filesystem::path(rel);
        auto normal = p.lexically_normal();
        if (rel.empty() || p.is_absolute() || (!normal.empty() && *normal.begin() == ".."))
            return util::bad_input(fmt::format("'{}' = \"{}\" leaves the recipe folder", key, rel),
                                   at(n), "use a path relative to the recipe, such as \"files\"");
        auto full = file_.parent_path() / normal;
        std::error_code ec;
        if (!std::filesystem::exists(full, ec))
            return util::bad_input(fmt::format("'{}' = \"{}\" does not exist", key, rel), at(n),
                                   fmt::format("create {} or fix the path", full.string()));
        // Through symlinks too: the real file must be inside the real recipe folder.
        auto real = std::filesystem::weakly_canonical(full, ec);
        auto root = std::filesystem::weakly_canonical(file_.parent_path(), ec);
        auto from_root = real.lexically_relative(root);
        if (from_root.empty() || *from_root.begin() == "..")
            return util::bad_input(
                fmt::format("'{}' = \"{}\" is a link that leaves the recipe folder (to {})", key,
                            rel, real.string()),
                at(n), "copy the files into the recipe folder");
        return full;
    }

    util::Result<void> source(const toml::node& n, Recipe& r) {
        auto* t = n.as_table();
        if (!t) return util::bad_input("[source] must be a table", at(n));
        WSLMOD_CHECK(only(*t, {"kernel-tree", "path", "url", "sha256", "dkms", "deb", "version"},
                          " in [source]"));
        int kinds = 0;
        if (auto* v = t->get("kernel-tree")) {
            ++kinds;
            r.source = SourceKind::kernel_tree;
            if (v->is_array())
                r.kernel_tree = WSLMOD_TRY(strings(*v, "kernel-tree"));
            else
                r.kernel_tree.push_back(WSLMOD_TRY(string(*v, "kernel-tree")));
            if (r.kernel_tree.empty())
                return util::bad_input("kernel-tree lists no folder", at(*v),
                                       "write kernel-tree = \"drivers/usb/serial\"");
            for (const auto& folder : r.kernel_tree) {
                auto normal = std::filesystem::path(folder).lexically_normal();
                if (folder.empty() || normal.is_absolute() || *normal.begin() == ".." ||
                    normal == ".")
                    return util::bad_input(
                        fmt::format("kernel-tree = \"{}\" is not a folder of the kernel source",
                                    folder),
                        at(*v), "write a relative folder such as \"drivers/usb/serial\"");
            }
        }
        if (auto* v = t->get("path"))
            ++kinds, r.source = SourceKind::path, r.path = WSLMOD_TRY(inside(*v, "path"));
        if (auto* v = t->get("dkms")) {
            ++kinds;
            r.source = SourceKind::dkms;
            r.dkms = WSLMOD_TRY(inside(*v, "dkms"));
            if (!std::filesystem::exists(r.dkms / "dkms.conf"))
                return util::bad_input("the dkms folder has no dkms.conf", at(*v),
                                       "point dkms at the folder holding dkms.conf");
        }
        if (auto* v = t->get("deb")) {
            ++kinds;
            r.source = SourceKind::deb;
            r.deb = WSLMOD_TRY(string(*v, "deb"));
            static const std::regex package("[a-z0-9][a-z0-9.+-]+");
            if (!std::regex_match(r.deb, package))
                return util::bad_input(
                    fmt::format("deb = \"{}\" is not a Debian package name", r.deb), at(*v),
                    "write the binary package, such as \"v4l2loopback-dkms\"");
            if (auto* ver = t->get("version")) {
                r.deb_version = WSLMOD_TRY(string(*ver, "version"));
                static const std::regex debver("([0-9]+:)?[0-9][A-Za-z0-9.+~-]*");
                if (!std::regex_match(r.deb_version, debver))
                    return util::bad_input(
                        fmt::format("version = \"{}\" is not a Debian version", r.deb_version),
                        at(*ver), "write it as apt-cache policy shows it, such as \"0.12.7-2\"");
            }
        } else if (auto* ver = t->get("version")) {
            return util::bad_input(
                "version in [source] without deb", at(*ver),
                "version pins a deb source; the recipe's own version is top-level");
        }
        if (auto* v = t->get("url")) {
            ++kinds;
            r.source = SourceKind::url;
            r.url = WSLMOD_TRY(string(*v, "url"));
            auto* sha = t->get("sha256");
            if (!sha)
                return util::bad_input("a url source needs its sha256", at(*v),
                                       "add sha256 = \"<64 hex digits>\"");
            r.sha256 = WSLMOD_TRY(string(*sha, "sha256"));
            static const std::regex hex("[0-9a-f]{64}");
            if (!std::regex_match(r.sha256, hex))
                return util::bad_input("sha256 must be 64 lower-case hex digits", at(*sha),
                                       "copy it from `sha256sum`");
        } else if (auto* sha = t->get("sha256")) {
            return util::bad_input("sha256 without url", at(*sha), "sha256 pins a url source");
        }
        if (kinds != 1)
            return util::bad_input(
                fmt::format(
                    "[source] needs exactly one of kernel-tree, path, url, dkms, deb (found {})",
                    kinds),
                at(n), "keep one");
        return {};
    }

    util::Result<void> build(const toml::node& n, Recipe& r) {
        auto* t = n.as_table();
        if (!t) return util::bad_input("[build] must be a table", at(n));
        WSLMOD_CHECK(only(*t, {"make-args", "env", "command", "pre-build", "post-build", "modules"},
                          " in [build]"));
        if (auto* v = t->get("command")) r.command = WSLMOD_TRY(string(*v, "command"));
        if (auto* v = t->get("pre-build")) r.pre_build = WSLMOD_TRY(string(*v, "pre-build"));
        if (auto* v = t->get("post-build")) r.post_build = WSLMOD_TRY(string(*v, "post-build"));
        if (auto* v = t->get("make-args")) r.make_args = WSLMOD_TRY(strings(*v, "make-args"));
        if (auto* v = t->get("env")) {
            auto* env = v->as_table();
            if (!env)
                return util::bad_input("'env' must be a table of strings", at(*v),
                                       "write env = { KEY = \"value\" }");
            for (auto&& [k, val] : *env)
                r.make_env[std::string(k.str())] = WSLMOD_TRY(string(val, std::string(k.str())));
        }
        auto* mods = t->get("modules");
        if (!mods && (r.source == SourceKind::dkms || r.source == SourceKind::deb))
            return {}; // dkms.conf names them
        if (!mods || !mods->as_array() || mods->as_array()->empty())
            return util::bad_input("[build] needs a non-empty 'modules' list",
                                   mods ? at(*mods) : at(n),
                                   "list the .ko names the build produces: modules = [\"hello\"]");
        static const std::regex module_name("[A-Za-z0-9_-]+");
        for (auto&& m : *mods->as_array()) {
            ModuleSpec spec;
            if (auto s = m.value<std::string>())
                spec.name = *s;
            else if (auto* mt = m.as_table()) {
                WSLMOD_CHECK(only(*mt, {"name", "dest", "location", "strip"}, " in a module"));
                if (auto* st = mt->get("strip")) {
                    if (!st->value<bool>())
                        return util::bad_input("strip must be true or false", at(*st));
                    spec.strip = *st->value<bool>();
                }
                if (auto* nm = mt->get("name")) spec.name = WSLMOD_TRY(string(*nm, "name"));
                if (auto* d = mt->get("dest")) spec.dest = WSLMOD_TRY(string(*d, "dest"));
                if (auto* l = mt->get("location"))
                    spec.location = WSLMOD_TRY(string(*l, "location"));
            } else {
                return util::bad_input("a module is a name or { name = ..., dest = ... }", at(m));
            }
            if (!std::regex_match(spec.name, module_name))
                return util::bad_input(fmt::format("'{}' is not a module name", spec.name), at(m),
                                       "write the .ko file's name without .ko");
            auto dest = std::filesystem::path(spec.dest).lexically_normal();
            if (!spec.dest.empty() && (dest.is_absolute() || *dest.begin() == ".."))
                return util::bad_input(
                    fmt::format("dest = \"{}\" leaves lib/modules/<release>", spec.dest), at(m));
            auto location = std::filesystem::path(spec.location).lexically_normal();
            if (!spec.location.empty() && (location.is_absolute() || *location.begin() == ".."))
                return util::bad_input(
                    fmt::format("location = \"{}\" leaves the build folder", spec.location), at(m),
                    "write a folder relative to the build folder");
            if (spec.dest.empty()) spec.dest = "extra/" + r.name;
            for (const auto& seen : r.modules)
                if (seen.name == spec.name)
                    return util::bad_input(fmt::format("module '{}' is listed twice", spec.name),
                                           at(m), "list each module once");
            r.modules.push_back(spec);
        }
        return {};
    }

    util::Result<void> requires_(const toml::node& n, Recipe& r) {
        auto* t = n.as_table();
        if (!t) return util::bad_input("[requires] must be a table", at(n));
        WSLMOD_CHECK(only(*t, {"kernel", "kernel-match", "arch", "config"}, " in [requires]"));
        if (auto* v = t->get("kernel-match")) {
            r.kernel_match = WSLMOD_TRY(string(*v, "kernel-match"));
            try {
                std::regex check(r.kernel_match);
            } catch (const std::regex_error& e) {
                return util::bad_input(
                    fmt::format("kernel-match = \"{}\" is not a regular expression: {}",
                                r.kernel_match, e.what()),
                    at(*v), "write an ECMAScript regex such as \"^6\\\\.12\\\\.\"");
            }
        }
        if (auto* v = t->get("arch")) {
            r.arch = WSLMOD_TRY(strings(*v, "arch"));
            for (const auto& a : r.arch) {
                try {
                    std::regex check(a);
                } catch (const std::regex_error& e) {
                    return util::bad_input(
                        fmt::format("arch \"{}\" is not a regular expression: {}", a, e.what()),
                        at(*v), "write an architecture such as \"x86_64\"");
                }
            }
        }
        if (auto* v = t->get("kernel")) {
            auto text = WSLMOD_TRY(string(*v, "kernel"));
            static const std::regex bound(R"(\s*(>=|<=|==|>|<)\s*([0-9]+(\.[0-9]+)*)\s*)");
            size_t start = 0;
            while (start <= text.size()) {
                auto comma = text.find(',', start);
                auto part = text.substr(start, comma == std::string::npos ? std::string::npos
                                                                          : comma - start);
                std::smatch m;
                if (!std::regex_match(part, m, bound))
                    return util::bad_input(fmt::format("'{}' is not a release bound", part), at(*v),
                                           "write kernel = \">=6.1, <6.19\"");
                r.kernel.push_back({m[1].str(), m[2].str()});
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
        }
        if (auto* v = t->get("config")) {
            static const std::regex cond(R"(CONFIG_([A-Za-z0-9_]+)=((y|m|n)(\|(y|m|n))*))");
            for (const auto& c : WSLMOD_TRY(strings(*v, "config"))) {
                std::smatch m;
                if (!std::regex_match(c, m, cond))
                    return util::bad_input(fmt::format("'{}' is not a config condition", c), at(*v),
                                           "write \"CONFIG_USB=y|m\"");
                ConfigCondition cc{m[1].str(), {}};
                std::string values = m[2].str();
                for (size_t i = 0; i < values.size(); i += 2)
                    cc.values.insert(values.substr(i, 1));
                r.config.push_back(cc);
            }
        }
        return {};
    }

    util::Result<Recipe> parse(std::string_view text) {
        toml::table doc;
        try {
            doc = toml::parse(text, file_.string());
        } catch (const toml::parse_error& e) {
            return util::bad_input(std::string(e.description()), at(e.source()),
                                   "fix the TOML syntax");
        }
        WSLMOD_CHECK(
            only(doc,
                 {"name", "version", "summary", "license", "homepage", "firmware", "depends",
                  "replaces", "patches", "source", "kconfig", "build", "requires"},
                 ""));
        Recipe r;
        r.file = file_;
        r.dir = file_.parent_path();
        auto text_field = [&](const char* key, std::string& out,
                              bool required) -> util::Result<void> {
            if (auto* v = doc.get(key))
                out = WSLMOD_TRY(string(*v, key));
            else if (required)
                return util::bad_input(fmt::format("'{}' is missing", key), file_.string() + ":1",
                                       fmt::format("add {} = \"...\"", key));
            return {};
        };
        WSLMOD_CHECK(text_field("name", r.name, true));
        WSLMOD_CHECK(text_field("version", r.version, true));
        WSLMOD_CHECK(text_field("summary", r.summary, true));
        WSLMOD_CHECK(text_field("license", r.license, false));
        WSLMOD_CHECK(text_field("homepage", r.homepage, false));
        WSLMOD_CHECK(text_field("firmware", r.firmware, false));
        static const std::regex version_re("[A-Za-z0-9][A-Za-z0-9.+~_-]*");
        if (!std::regex_match(r.version, version_re))
            return util::bad_input(fmt::format("'{}' is not a version", r.version),
                                   at(*doc.get("version")),
                                   "use letters, digits and . + ~ _ -, such as \"1.2.3\"");
        WSLMOD_CHECK(check_recipe_name(r.name, at(*doc.get("name"))));
        if (auto* v = doc.get("depends")) r.depends = WSLMOD_TRY(strings(*v, "depends"));
        if (auto* v = doc.get("replaces")) r.replaces = WSLMOD_TRY(strings(*v, "replaces"));
        if (auto* v = doc.get("patches")) {
            auto* arr = v->as_array();
            if (!arr) return util::bad_input("'patches' must be an array of paths", at(*v));
            for (auto&& p : *arr)
                r.patches.push_back(WSLMOD_TRY(inside(p, "patches item")));
        }
        auto* src = doc.get("source");
        if (!src)
            return util::bad_input("[source] is missing", file_.string() + ":1",
                                   "add a [source] table with path, url, kernel-tree, dkms or deb");
        WSLMOD_CHECK(source(*src, r));
        if (auto* v = doc.get("kconfig")) {
            if (r.source != SourceKind::kernel_tree)
                return util::bad_input("[kconfig] applies only to a kernel-tree source", at(*v),
                                       "remove it");
            auto* t = v->as_table();
            if (!t) return util::bad_input("[kconfig] must be a table", at(*v));
            for (auto&& [k, val] : *t) {
                auto value = WSLMOD_TRY(string(val, std::string(k.str())));
                if (value != "m")
                    return util::bad_input(
                        fmt::format("{} = \"{}\": in-tree options are built as modules", k.str(),
                                    value),
                        at(val), fmt::format("write {} = \"m\"", k.str()));
                std::string sym(k.str());
                r.kconfig[sym.starts_with("CONFIG_") ? sym.substr(7) : sym] = value;
            }
        }
        auto* b = doc.get("build");
        if (!b && (r.source == SourceKind::dkms || r.source == SourceKind::deb))
            b = nullptr; // dkms.conf says how to build
        else if (!b)
            return util::bad_input("[build] is missing", file_.string() + ":1",
                                   "add [build] with modules = [...]");
        if (b) WSLMOD_CHECK(build(*b, r));
        if (auto* v = doc.get("requires")) WSLMOD_CHECK(requires_(*v, r));
        return r;
    }
};

std::vector<long> numbers(std::string_view v) {
    std::vector<long> out;
    size_t i = 0;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
        long n = 0;
        auto [p, ec] = std::from_chars(v.data() + i, v.data() + v.size(), n);
        (void)ec;
        out.push_back(n);
        i = static_cast<size_t>(p - v.data());
        if (i < v.size() && v[i] == '.')
            ++i;
        else
            break;
    }
    return out;
}

} // namespace

std::string to_string(SourceKind k) {
    switch (k) {
    case SourceKind::kernel_tree:
        return "kernel-tree";
    case SourceKind::url:
        return "url";
    case SourceKind::dkms:
        return "dkms";
    case SourceKind::deb:
        return "deb";
    case SourceKind::path:
        break;
    }
    return "path";
}

util::Result<Recipe> parse_recipe(std::string_view text, const std::filesystem::path& file) {
    return Parser(file).parse(text);
}

util::Result<Recipe> load_recipe(const std::filesystem::path& dir) {
    auto file = dir / "recipe.toml";
    auto text = WSLMOD_TRY(util::read_text_decompressed(file));
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        return util::bad_input(
            "the recipe file is empty", file.string(),
            "write name, version, summary and a source into it, or start from `wslmod recipe new`");
    auto r = WSLMOD_TRY(parse_recipe(text, file));
    if (r.name != dir.filename().string())
        return util::bad_input(fmt::format("the recipe is named '{}' but its folder is '{}'",
                                           r.name, dir.filename().string()),
                               file.string(), "rename one of them");
    return r;
}

int compare_versions(std::string_view a, std::string_view b) {
    auto x = numbers(a), y = numbers(b);
    for (size_t i = 0; i < std::max(x.size(), y.size()); ++i) {
        long p = i < x.size() ? x[i] : 0, q = i < y.size() ? y[i] : 0;
        if (p != q) return p < q ? -1 : 1;
    }
    return 0;
}

bool release_in_range(const std::string& release, const std::vector<VersionBound>& bounds) {
    for (const auto& b : bounds) {
        int c = compare_versions(release, b.version);
        bool ok = b.op == ">="   ? c >= 0
                  : b.op == "<=" ? c <= 0
                  : b.op == ">"  ? c > 0
                  : b.op == "<"  ? c < 0
                                 : c == 0;
        if (!ok) return false;
    }
    return true;
}

bool is_recipe_name(std::string_view name) {
    static const std::regex name_re("[a-z0-9][a-z0-9._+-]*");
    return name.size() <= 200 && std::regex_match(name.begin(), name.end(), name_re);
}

util::Result<void> check_recipe_name(std::string_view name, const std::string& where) {
    if (is_recipe_name(name)) return {};
    return util::bad_input(
        fmt::format("{} is not a recipe name", util::quoted(name)), where,
        "a name starts with a lower-case letter or digit, then has only lower-case letters, "
        "digits and . _ + -");
}

} // namespace wslmod::recipe

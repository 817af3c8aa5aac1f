// dkms.conf evaluation (bash) and its mapping onto a Recipe; dkms.h has the table.
#include "recipe/dkms.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "util/bash_declare.h"

namespace wslmod::recipe {
namespace {

const char* const declare_marker = "@@wslmod-dkms: declare -p@@";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    if (from.empty()) return s;
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
    return s;
}

// The bash program that sources ./dkms.conf the way DKMS's read_conf does.  $1..$5: kernelver,
// arch, kernel_source_dir, dkms_tree, source_tree.  module and module_version are DKMS's -m/-v,
// which equal PACKAGE_NAME/VERSION: a first, throw-away sourcing finds them.
std::string evaluation_script() {
    std::string names;
    for (const auto& v : dkms_variables())
        names += " " + v;
    return fmt::format(R"(set +e
kernelver=$1 arch=$2 kernel_source_dir=$3 dkms_tree=$4 source_tree=$5
kernel_config=$kernel_source_dir/.config install_tree=/lib/modules
set --
unset{0} ${{!DKMS_DIRECTIVE@}}
{{ IFS= read -r -d '' module; IFS= read -r -d '' module_version; }} < <(. ./dkms.conf >/dev/null 2>&1; printf '%s\0%s\0' "$PACKAGE_NAME" "$PACKAGE_VERSION")
. ./dkms.conf 2>&1 >/dev/null
printf '\n%s\n' '{1}'
declare -p{0} ${{!DKMS_DIRECTIVE@}} 2>/dev/null
exit 0
)",
                       names, declare_marker);
}

// "<file>:<line>" of the first line assigning `var`, or the file.
std::string where(const std::filesystem::path& file, const std::string& var) {
    std::ifstream in(file);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        auto start = line.find_first_not_of(" \t");
        if (start != std::string::npos && line.compare(start, var.size(), var) == 0 &&
            start + var.size() < line.size() &&
            (line[start + var.size()] == '=' || line[start + var.size()] == '['))
            return fmt::format("{}:{}", file.string(), n);
    }
    return file.string();
}

// `s` normalised as a folder below another one ("" for the folder itself), or nothing when it
// leaves it.
std::optional<std::string> subfolder(const std::string& s) {
    auto p = std::filesystem::path(s).lexically_normal();
    if (p.is_absolute() || (!p.empty() && *p.begin() == "..")) return std::nullopt;
    auto out = p.string();
    while (!out.empty() && out.back() == '/')
        out.pop_back();
    return out == "." ? "" : out;
}

util::Result<std::regex> ere(const DkmsConf& c, const std::string& var, const std::string& re) {
    try {
        return std::regex(re, std::regex::extended);
    } catch (const std::regex_error& e) {
        return util::bad_input(
            fmt::format("{} = \"{}\" is not a regular expression: {}", var, re, e.what()),
            where(c.file, var), "write a POSIX extended regex, as bash's =~ takes");
    }
}

util::Result<void> map_modules(const DkmsConf& c, Recipe& r) {
    std::set<long> records;
    for (const char* v :
         {"BUILT_MODULE_NAME", "BUILT_MODULE_LOCATION", "DEST_MODULE_NAME", "DEST_MODULE_LOCATION"})
        for (const auto& [i, value] : c.items(v))
            records.insert(i);
    if (records.empty())
        return util::bad_input(
            "dkms.conf names no module (no BUILT_MODULE_NAME)", c.file.string(),
            "add BUILT_MODULE_NAME[0]=\"<module>\" and DEST_MODULE_LOCATION[0]=\"/extra\"");
    static const std::regex module_re("[A-Za-z0-9_-]+");
    for (long i : records) {
        ModuleSpec m{c.get("BUILT_MODULE_NAME", i), {}, {}};
        // DKMS: a lone record without a name builds the package's namesake.
        if (m.name.empty() && c.items("DEST_MODULE_LOCATION").size() == 1) m.name = r.name;
        if (m.name.empty())
            return util::bad_input(fmt::format("module record #{} has no BUILT_MODULE_NAME", i),
                                   c.file.string(),
                                   fmt::format("add BUILT_MODULE_NAME[{}]=\"<module>\"", i));
        if (!std::regex_match(m.name, module_re))
            return util::bad_input(
                fmt::format("BUILT_MODULE_NAME[{}] = \"{}\" is not a module name", i, m.name),
                where(c.file, "BUILT_MODULE_NAME"), "write the .ko file's name without .ko");
        auto dest_name = c.get("DEST_MODULE_NAME", i);
        if (!dest_name.empty() && dest_name != m.name)
            return util::bad_input(
                fmt::format("DEST_MODULE_NAME[{}] renames {} to {}, which wslmod does not support",
                            i, m.name, dest_name),
                where(c.file, "DEST_MODULE_NAME"),
                "drop DEST_MODULE_NAME or rename the module in its Kbuild file");
        auto location = subfolder(c.get("BUILT_MODULE_LOCATION", i));
        auto dest_raw = c.get("DEST_MODULE_LOCATION", i);
        auto dest =
            subfolder(dest_raw.substr(std::min(dest_raw.find_first_not_of('/'), dest_raw.size())));
        if (!location || !dest)
            return util::bad_input(
                fmt::format("module record #{} leaves its folder (BUILT_MODULE_LOCATION \"{}\", "
                            "DEST_MODULE_LOCATION \"{}\")",
                            i, c.get("BUILT_MODULE_LOCATION", i), dest_raw),
                c.file.string(),
                "use folders below the build folder and below /lib/modules/<release>");
        m.location = *location;
        // DKMS: STRIP[i] starting n/N keeps the debug info, y/Y or unset (then STRIP[0]) strips.
        auto strip = c.get("STRIP", i);
        if (strip.empty()) strip = c.get("STRIP", 0);
        m.strip = strip.empty() || (strip[0] != 'n' && strip[0] != 'N');
        m.dest = dest->empty() ? "extra/" + r.name : *dest;
        for (const auto& seen : r.modules)
            if (seen.name == m.name)
                return util::bad_input(fmt::format("module {} is named twice", m.name),
                                       where(c.file, "BUILT_MODULE_NAME"), "name each module once");
        r.modules.push_back(m);
    }
    return {};
}

// MAKE as DKMS picks it: MAKE[0] unless MAKE_MATCH[0] is set, overridden by the last MAKE[i] whose
// MAKE_MATCH[i] matches the release.  Without a real release, a bash `if` picks it at build time.
util::Result<std::string> make_command(const DkmsConf& c, const DkmsKernel& k) {
    auto with_release = [&](std::string cmd) {
        return cmd.starts_with("make") ? "make KERNELRELEASE=" + k.release + cmd.substr(4) : cmd;
    };
    std::string fallback = c.get("MAKE_MATCH", 0).empty() ? c.get("MAKE", 0) : "";
    std::string chosen = fallback;
    std::vector<std::pair<std::string, std::string>> matches; // (regex, command)
    for (const auto& [i, cmd] : c.items("MAKE")) {
        auto re = c.get("MAKE_MATCH", i);
        if (cmd.empty() || re.empty()) continue;
        auto compiled = WSLMOD_TRY(ere(c, "MAKE_MATCH", re));
        if (std::regex_search(k.release, compiled)) chosen = cmd;
        matches.emplace_back(re, cmd);
    }
    if (matches.empty() || !is_placeholder(k)) return chosen.empty() ? "" : with_release(chosen);
    std::string out;
    for (size_t n = 0; n < matches.size(); ++n)
        out += fmt::format("wslmod_match_{}={}\n", n, util::shell_quote({matches[n].first}));
    for (size_t n = matches.size(); n-- > 0;) // the last match wins, so it is tested first
        out += fmt::format("{}if [[ $kernelver =~ $wslmod_match_{} ]]; then\n  {}\n",
                           n + 1 == matches.size() ? "" : "el", n, with_release(matches[n].second));
    return out + fmt::format(
                     "else\n  {}\nfi",
                     fallback.empty()
                         ? "make KERNELRELEASE=${kernelver} -C ${kernel_source_dir} M=${build_dir}"
                         : with_release(fallback));
}

util::Result<void> map_patches(const DkmsConf& c, const DkmsKernel& k, Recipe& r) {
    for (const auto& [i, patch] : c.items("PATCH")) {
        auto re = c.get("PATCH_MATCH", i);
        if (patch.empty()) continue;
        if (!re.empty()) {
            if (is_placeholder(k))
                return util::bad_input(
                    fmt::format("PATCH_MATCH[{}] applies {} only to some kernels, which an import "
                                "without a kernel cannot decide",
                                i, patch),
                    where(c.file, "PATCH_MATCH"), "import against a kernel, or drop PATCH_MATCH");
            if (!std::regex_search(k.release, WSLMOD_TRY(ere(c, "PATCH_MATCH", re)))) continue;
        }
        auto path = c.file.parent_path() / "patches" / patch;
        if (!std::filesystem::is_regular_file(path))
            return util::bad_input(
                fmt::format("PATCH[{}] names {}, which does not exist", i, path.string()),
                where(c.file, "PATCH"),
                "DKMS reads patches from the patches/ folder beside dkms.conf");
        r.patches.push_back(path);
    }
    return {};
}

// PRE_BUILD/POST_BUILD: DKMS runs <build>/<script> <args>, so bash gets "./<script> <args>".
util::Result<std::string> script(const DkmsConf& c, const std::string& var) {
    auto s = c.get(var);
    if (s.empty()) return s;
    auto file = s.substr(0, s.find(' '));
    auto path = std::filesystem::path(c.file.parent_path().string() + "/" + file);
    if (!std::filesystem::is_regular_file(path))
        return util::bad_input(fmt::format("{} runs {}, which does not exist", var, path.string()),
                               where(c.file, var),
                               "DKMS runs the script from the package folder: add it there");
    if ((std::filesystem::status(path).permissions() & std::filesystem::perms::owner_exec) ==
        std::filesystem::perms::none)
        return util::bad_input(
            fmt::format("{} runs {}, which is not executable", var, path.string()),
            where(c.file, var), "chmod +x it (DKMS would skip it with a warning)");
    return s.starts_with("./") ? s : "./" + s;
}

util::Result<void> map_requires(const DkmsConf& c, Recipe& r) {
    if (auto re = c.get("BUILD_EXCLUSIVE_KERNEL"); !re.empty()) {
        try {
            std::regex check(re);
        } catch (const std::regex_error& e) {
            return util::bad_input(
                fmt::format("BUILD_EXCLUSIVE_KERNEL = \"{}\" is not a regular expression: {}", re,
                            e.what()),
                where(c.file, "BUILD_EXCLUSIVE_KERNEL"), "write a regex such as \"^6\\.\"");
        }
        r.kernel_match = re;
    }
    static const std::regex version_re("[0-9]+(\\.[0-9]+)*");
    for (auto [var, op] : {std::pair{"BUILD_EXCLUSIVE_KERNEL_MIN", ">="},
                           {"BUILD_EXCLUSIVE_KERNEL_MAX", "<="},
                           {"OBSOLETE_BY", "<"}}) {
        auto v = c.get(var);
        if (v.empty()) continue;
        if (!std::regex_match(v, version_re))
            return util::bad_input(fmt::format("{} = \"{}\" is not a release such as 6.1", var, v),
                                   where(c.file, var), "write dotted numbers only");
        r.kernel.push_back({op, v});
    }
    if (auto arch = c.get("BUILD_EXCLUSIVE_ARCH"); !arch.empty()) r.arch.push_back(arch);
    std::istringstream words(c.get("BUILD_EXCLUSIVE_CONFIG"));
    static const std::regex config_re("(!?)CONFIG_([A-Za-z0-9_]+)");
    for (std::string w; words >> w;) {
        std::smatch m;
        if (!std::regex_match(w, m, config_re))
            return util::bad_input(
                fmt::format("BUILD_EXCLUSIVE_CONFIG lists \"{}\", not CONFIG_X or !CONFIG_X", w),
                where(c.file, "BUILD_EXCLUSIVE_CONFIG"),
                "write BUILD_EXCLUSIVE_CONFIG=\"CONFIG_A !CONFIG_B\"");
        r.config.push_back({m[2].str(), m[1].length() ? std::set<std::string>{"n"}
                                                      : std::set<std::string>{"y", "m"}});
    }
    for (const auto& [i, deps] : c.items("BUILD_DEPENDS")) {
        std::istringstream names(deps);
        for (std::string d; names >> d;)
            r.depends.push_back(d);
    }
    return {};
}

// Every variable DKMS reads from a dkms.conf (DKMS 3.0's list, plus 3.1's _MIN/_MAX), with why the
// mapping ignores it, or nullptr when the mapping reads it.
const std::vector<std::pair<std::string, const char*>>& variables() {
    const char* install = "an install-time script; wslmod installs into the image itself";
    static const std::vector<std::pair<std::string, const char*>> table = {
        {"PACKAGE_NAME", nullptr},
        {"PACKAGE_VERSION", nullptr},
        {"BUILT_MODULE_NAME", nullptr},
        {"BUILT_MODULE_LOCATION", nullptr},
        {"DEST_MODULE_NAME", nullptr},
        {"DEST_MODULE_LOCATION", nullptr},
        {"MAKE", nullptr},
        {"MAKE_MATCH", nullptr},
        {"PATCH", nullptr},
        {"PATCH_MATCH", nullptr},
        {"PRE_BUILD", nullptr},
        {"POST_BUILD", nullptr},
        {"BUILD_DEPENDS", nullptr},
        {"OBSOLETE_BY", nullptr},
        {"BUILD_EXCLUSIVE_KERNEL", nullptr},
        {"BUILD_EXCLUSIVE_KERNEL_MIN", nullptr},
        {"BUILD_EXCLUSIVE_KERNEL_MAX", nullptr},
        {"BUILD_EXCLUSIVE_ARCH", nullptr},
        {"BUILD_EXCLUSIVE_CONFIG", nullptr},
        {"build_exclude", nullptr},
        {"CLEAN", "wslmod builds in a fresh copy"},
        {"AUTOINSTALL", "wslmod installs what it builds"},
        {"STRIP", nullptr},
        {"NO_WEAK_MODULES", "weak-modules is a RHEL install step"},
        {"POST_ADD", install},
        {"PRE_INSTALL", install},
        {"POST_INSTALL", install},
        {"POST_REMOVE", install},
        {"SIGN_FILE", "signing keys are not imported"},
        {"MOK_SIGNING_KEY", "signing keys are not imported"},
        {"MOK_CERTIFICATE", "signing keys are not imported"},
        {"REMAKE_INITRD", "deprecated in DKMS"},
        {"MODULES_CONF", "deprecated in DKMS"},
        {"MODULES_CONF_OBSOLETES", "deprecated in DKMS"},
        {"MODULES_CONF_ALIAS_TYPE", "deprecated in DKMS"},
        {"MODULES_CONF_OBSOLETE_ONLY", "deprecated in DKMS"},
    };
    return table;
}

} // namespace

DkmsKernel placeholder_kernel() {
    return {"${kernelver}", "${kernel_source_dir}", "${dkms_tree}"};
}

bool is_placeholder(const DkmsKernel& k) {
    return k.release == "${kernelver}";
}

std::string to_placeholders(std::string s, const DkmsKernel& k) {
    auto tree = k.dkms_tree.string();
    while (tree.size() > 1 && tree.back() == '/')
        tree.pop_back();
    // <tree>/<name>/<version>/build, ending there or at a character that cannot continue a name.
    static const std::regex tail("^/[^/\\s\"']+/[^/\\s\"']+/build(?![A-Za-z0-9_.+-])");
    for (auto pos = tree.empty() ? std::string::npos : s.find(tree); pos != std::string::npos;
         pos = s.find(tree, pos + 1)) {
        std::smatch m;
        auto rest = s.substr(pos + tree.size());
        if (std::regex_search(rest, m, tail))
            s.replace(pos, tree.size() + m.length(0), "${build_dir}");
    }
    auto source = k.source_dir.string();
    while (source.size() > 1 && source.back() == '/')
        source.pop_back();
    s = replace_all(std::move(s), source, "${kernel_source_dir}");
    return replace_all(std::move(s), k.release, "${kernelver}");
}

std::string DkmsConf::get(const std::string& name, long index) const {
    for (const auto& [i, v] : items(name))
        if (i == index) return v;
    return {};
}

const BashVar& DkmsConf::items(const std::string& name) const {
    static const BashVar none;
    auto it = vars.find(name);
    return it == vars.end() ? none : it->second;
}

const std::vector<std::string>& dkms_variables() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& [name, why] : variables())
            out.push_back(name);
        return out;
    }();
    return names;
}

util::Result<DkmsConf> evaluate_dkms(const std::filesystem::path& dir, const DkmsKernel& k,
                                     util::CommandRunner& runner) {
    DkmsConf conf;
    conf.file = std::filesystem::absolute(dir).lexically_normal() / "dkms.conf";
    if (!std::filesystem::is_regular_file(conf.file))
        return util::bad_input("no dkms.conf in this folder", dir.string(),
                               "point at the folder holding dkms.conf");
    auto cwd = conf.file.parent_path();
    auto syntax = WSLMOD_TRY(runner.run(util::Command({"bash", "-n", conf.file.string()}).in(cwd)));
    if (syntax.exit_code != 0) {
        auto first = syntax.output.substr(0, syntax.output.find('\n'));
        std::smatch m;
        static const std::regex located("^.*: line ([0-9]+): (.*)$");
        bool ok = std::regex_match(first, m, located);
        return util::bad_input(ok ? m[2].str() : first,
                               ok ? conf.file.string() + ":" + m[1].str() : conf.file.string(),
                               "fix the shell syntax; `bash -n " + conf.file.string() +
                                   "` shows it");
    }
    auto tree = k.dkms_tree.string();
    auto run = WSLMOD_TRY(
        runner.run(util::Command({"bash", "-c", evaluation_script(), "wslmod-dkms", k.release,
                                  k.arch, k.source_dir.string(), tree, cwd.parent_path().string()})
                       .in(cwd)
                       .with_timeout(std::chrono::seconds(60))));
    if (run.timed_out)
        return util::fail("sourcing dkms.conf did not finish within 60 s", conf.file.string(),
                          "look for a command that waits");
    auto marker = run.output.rfind(std::string("\n") + declare_marker + "\n");
    if (marker == std::string::npos) {
        auto said = run.output.substr(0, 300);
        while (!said.empty() && said.back() == '\n')
            said.pop_back();
        std::replace(said.begin(), said.end(), '\n', ' ');
        return util::bad_input("sourcing dkms.conf ended the shell (does it call exit?)",
                               conf.file.string(),
                               said.empty() ? "remove the exit" : "bash said: " + said);
    }
    conf.messages = run.output.substr(0, marker);
    conf.vars = WSLMOD_TRY(parse_declare_p(
        std::string_view(run.output).substr(marker + std::string(declare_marker).size() + 2)));
    return conf;
}

util::Result<Recipe> recipe_from_dkms(const DkmsConf& c, const DkmsKernel& k) {
    Recipe r;
    r.name = c.get("PACKAGE_NAME");
    r.version = c.get("PACKAGE_VERSION");
    for (auto [var, value] : {std::pair{"PACKAGE_NAME", &r.name}, {"PACKAGE_VERSION", &r.version}})
        if (value->empty())
            return util::bad_input(fmt::format("dkms.conf sets no {}", var), c.file.string(),
                                   fmt::format("add {}=\"...\"", var));
    r.summary = "imported from dkms.conf";
    r.source = SourceKind::dkms;
    r.dkms = c.file.parent_path();
    for (const auto& [name, value] : c.vars)
        if (name.starts_with("DKMS_DIRECTIVE"))
            return util::bad_input(
                fmt::format("{} sets a build environment variable, which wslmod does not import",
                            name),
                where(c.file, name), "put the variable into [build] env of the recipe instead");
    if (!c.get("build_exclude").empty())
        return util::bad_input(
            fmt::format("dkms.conf sets build_exclude: DKMS would not build it for {} ({})",
                        k.release, k.arch),
            where(c.file, "build_exclude"),
            "use BUILD_EXCLUSIVE_KERNEL or _ARCH, which wslmod imports");
    WSLMOD_CHECK(map_modules(c, r));
    r.command = WSLMOD_TRY(make_command(c, k));
    WSLMOD_CHECK(map_patches(c, k, r));
    r.pre_build = WSLMOD_TRY(script(c, "PRE_BUILD"));
    r.post_build = WSLMOD_TRY(script(c, "POST_BUILD"));
    WSLMOD_CHECK(map_requires(c, r));
    return r;
}

util::Result<Recipe> recipe_from_dkms(const std::filesystem::path& dir, const DkmsKernel& k,
                                      util::CommandRunner& runner) {
    return recipe_from_dkms(WSLMOD_TRY(evaluate_dkms(dir, k, runner)), k);
}

std::vector<std::string> ignored_dkms_variables(const DkmsConf& conf) {
    std::vector<std::string> out;
    for (const auto& [name, why] : variables())
        if (why && conf.has(name)) out.push_back(name + ": " + why);
    return out;
}

} // namespace wslmod::recipe

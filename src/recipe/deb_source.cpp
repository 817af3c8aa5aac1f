// Deb sources through apt-get download and dpkg-deb -x; deb_source.h has the formats.
#include "recipe/deb_source.h"

#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "util/atomic_dir.h"
#include "util/copy_tree.h"
#include "util/sha256.h"

namespace wslmod::recipe {
namespace fs = std::filesystem;
namespace {

std::string unescape_version(std::string v) {
    for (auto pos = v.find("%3a"); pos != std::string::npos; pos = v.find("%3a", pos))
        v.replace(pos, 3, ":");
    return v;
}

std::string last_line(std::string s) {
    while (!s.empty() && s.back() == '\n')
        s.pop_back();
    return s.substr(s.rfind('\n') == std::string::npos ? 0 : s.rfind('\n') + 1);
}

// What to do when apt cannot be run at all.
util::Error no_apt(const std::string& package, const std::string& why) {
    return util::Error{
        fmt::format("the distro package {} needs apt-get, which {}", package, why), package,
        fmt::format("run wslmod on Debian or Ubuntu, or fetch {} elsewhere and import its "
                    "usr/src/ folder with `wslmod recipe import-dkms`",
                    package),
        util::ExitCode::usage};
}

// The one folder below root/usr/src holding a dkms.conf.
util::Result<fs::path> dkms_folder(const fs::path& root, const DebUri& u) {
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root / "usr/src", ec))
        if (!e.is_symlink() && e.is_directory() && fs::is_regular_file(e.path() / "dkms.conf"))
            found.push_back(e.path());
    if (found.size() == 1) return found[0];
    return util::bad_input(
        found.empty() ? fmt::format("{} {} carries no DKMS source (no usr/src/*/dkms.conf)",
                                    u.package, u.version)
                      : fmt::format("{} {} carries {} DKMS sources below usr/src/", u.package,
                                    u.version, found.size()),
        u.file,
        found.empty() ? "name a *-dkms package; `wslmod search` lists the ones apt knows"
                      : "import the one you want with `wslmod recipe import-dkms`");
}

} // namespace

util::Result<DebUri> parse_print_uris(std::string_view output, const std::string& package) {
    static const std::regex line_re(
        R"('([^']+)' (([a-z0-9][a-z0-9.+-]*)_([A-Za-z0-9.+~%-]+)_([a-z0-9-]+)\.deb) [0-9]+ SHA256:([0-9a-f]{64}))");
    std::istringstream in{std::string(output)};
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (!std::regex_match(line, m, line_re) || m[3] != package) continue;
        return DebUri{m[1], m[2], m[3], unescape_version(m[4]), m[5], m[6]};
    }
    return util::fail(fmt::format("apt-get download --print-uris named no file for {}", package),
                      package, "check `apt-get download --print-uris " + package + "` by hand");
}

util::Result<DebSource> fetch_deb(const std::string& package, const std::string& version,
                                  const std::string& sha256, const fs::path& cache,
                                  util::CommandRunner& runner) {
    auto spec = version.empty() ? package : package + "=" + version;
    auto asked = runner.run(util::Command({"apt-get", "download", "--print-uris", spec}));
    if (!asked) return tl::unexpected(no_apt(package, "cannot be run: " + asked.error().what));
    if (asked->exit_code != 0) {
        bool no_version = asked->output.find("was not found") != std::string::npos;
        return util::bad_input(
            no_version ? fmt::format("apt has no version {} of {}", version, package)
                       : fmt::format("apt knows no package {}", package),
            spec,
            no_version
                ? fmt::format("`apt-cache policy {}` lists the versions it has; "
                              "change the version (or drop --locked and rebuild)",
                              package)
                : "run `apt-get update`, or check the name with `apt-cache search -- -dkms`");
    }
    auto uri = WSLMOD_TRY(parse_print_uris(asked->output, package));
    if (!sha256.empty() && uri.sha256 != sha256)
        return util::bad_input(
            fmt::format("{} {} is not the package the lock pins: its SHA-256 is {}, the lock's {}",
                        package, uri.version, uri.sha256.substr(0, 12), sha256.substr(0, 12)),
            spec, "the archive changed under that version; rebuild without --locked to accept it");

    DebSource out{uri, cache / "debs" / (uri.sha256 + ".deb"), cache / "debs" / uri.sha256, {}};
    std::error_code ec;
    fs::create_directories(out.deb.parent_path(), ec);
    if (!fs::is_regular_file(out.deb) ||
        util::to_hex(WSLMOD_TRY(util::sha256_file(out.deb))) != uri.sha256) {
        auto dl = WSLMOD_TRY(util::AtomicDir::create(cache / "debs" / (uri.sha256 + ".download")));
        auto got = runner.run(util::Command({"apt-get", "download", spec}).in(dl.path()));
        if (!got) return tl::unexpected(no_apt(package, "cannot be run: " + got.error().what));
        auto file = dl.path() / uri.file;
        if (got->exit_code != 0 || !fs::is_regular_file(file)) {
            auto said = last_line(got->output);
            return util::fail(fmt::format("apt-get download {} failed: {}", spec,
                                          said.empty() ? "no file" : said.substr(0, 200)),
                              uri.uri, "check the network and the mirror in sources.list");
        }
        auto digest = util::to_hex(WSLMOD_TRY(util::sha256_file(file)));
        if (digest != uri.sha256)
            return util::fail(fmt::format("{} has SHA-256 {}, but apt's index says {}", uri.file,
                                          digest, uri.sha256),
                              uri.uri, "run `apt-get update` and try again");
        fs::rename(file, out.deb, ec);
        if (ec)
            return util::fail(fmt::format("cannot keep {}: {}", uri.file, ec.message()),
                              out.deb.string());
    }
    if (!fs::exists(out.root / ".complete")) {
        auto unpacking = WSLMOD_TRY(util::AtomicDir::create(out.root));
        auto x = WSLMOD_TRY(runner.run(
            util::Command({"dpkg-deb", "-x", out.deb.string(), unpacking.path().string()})));
        if (x.exit_code != 0)
            return util::fail(fmt::format("dpkg-deb -x {} failed: {}", uri.file, x.output),
                              out.deb.string(), "delete it so that it is fetched again");
        auto links = util::links_stay_inside(unpacking.path(), uri.file, out.deb.string());
        if (!links) return util::bad_input(links.error().what, uri.file, links.error().hint);
        WSLMOD_CHECK(unpacking.commit(".complete"));
    }
    out.dkms_dir = WSLMOD_TRY(dkms_folder(out.root, uri));
    return out;
}

util::Result<Recipe> with_deb_fetched(Recipe r, const fs::path& cache, util::CommandRunner& runner,
                                      const std::string& pin_sha256) {
    if (r.source != SourceKind::deb || !r.dkms.empty()) return r;
    auto got = fetch_deb(r.deb, r.deb_version, pin_sha256, cache, runner);
    if (!got) {
        auto e = got.error();
        e.what = fmt::format("recipe {}: {}", r.name, e.what);
        return tl::unexpected(e);
    }
    r.dkms = got->dkms_dir;
    r.deb_version = got->uri.version;
    r.sha256 = got->uri.sha256;
    if (r.version == "deb") {
        r.version = got->uri.version;
        for (auto& c : r.version)
            if (c == ':') c = '+';
    }
    return r;
}

std::string dkms_package_for(const std::string& name) {
    return name.ends_with("-dkms") ? name : name + "-dkms";
}

Recipe deb_recipe(const std::string& name, const std::string& package, const std::string& version) {
    Recipe r;
    r.name = name;
    r.version = "deb";
    r.summary = "the distro package " + package;
    r.source = SourceKind::deb;
    r.deb = package;
    r.deb_version = version;
    r.file = "wslmod.toml (" + name + " = { deb = \"" + package + "\" })";
    return r;
}

bool apt_knows(const std::string& package, util::CommandRunner& runner) {
    auto out = runner.run(util::Command({"apt-cache", "show", "--no-all-versions", package}));
    return out && out->exit_code == 0 &&
           out->output.find("Package: " + package) != std::string::npos;
}

util::Result<Recipe> distro_fallback(const std::string& name, util::Error not_found,
                                     util::CommandRunner& runner) {
    auto package = dkms_package_for(name);
    if (!is_recipe_name(name) || !apt_knows(package, runner)) {
        not_found.hint += fmt::format("; apt knows no distro package {} either, and `wslmod "
                                      "search {}` lists what there is",
                                      package, name);
        return tl::unexpected(not_found);
    }
    return deb_recipe(name.ends_with("-dkms") ? name.substr(0, name.size() - 5) : name, package);
}

} // namespace wslmod::recipe

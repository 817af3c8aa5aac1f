// wslmod installed as a user gets it: `cmake --install` into a prefix, and the Debian package
// that scripts/package builds, unpacked under a scratch root (a relocated install) and, as root,
// installed and removed with apt.  Each copy runs from an unrelated folder with no WSLMOD_*
// variable, and must find its own recipes and templates, not the source tree's.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/version.h"
#include "support/catch.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/process.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

// Runs an installed wslmod in `cwd` with the data overrides cleared, so only the binary's own
// lookup can find the shipped folders.
util::CommandOutput run_installed(const fs::path& exe, std::vector<std::string> args,
                                  const fs::path& cwd) {
    args.insert(args.begin(), exe.string());
    util::SystemRunner r;
    auto out = r.run(util::Command(args)
                         .in(cwd)
                         .with_env("WSLMOD_SHIPPED_RECIPES", "")
                         .with_env("WSLMOD_TEMPLATES", "")
                         .with_env("XDG_CONFIG_HOME", (cwd / "no-user-config").string()));
    REQUIRE(out);
    return *out;
}

bool under(const fs::path& p, const fs::path& root) {
    auto rel = fs::weakly_canonical(p).lexically_relative(fs::weakly_canonical(root));
    return !rel.empty() && *rel.begin() != "..";
}

// The checks every installed copy must pass: its shipped recipes (from under `root` only), a
// recipe scaffolded from its templates, and text output ending in a newline.
void check_installed_copy(const fs::path& exe, const fs::path& root, const fs::path& cwd) {
    auto listed = run_installed(exe, {"list"}, cwd);
    INFO(listed.output);
    REQUIRE(listed.exit_code == 0);
    for (auto name : {"hello", "usbip-extra"})
        CHECK(listed.output.find(name) != std::string::npos);

    auto json = run_installed(exe, {"recipe", "list", "--json"}, cwd);
    INFO(json.output);
    REQUIRE(json.exit_code == 0);
    auto doc = nlohmann::json::parse(json.output);
    REQUIRE(doc["recipes"].size() >= 2); // hello and usbip-extra
    for (const auto& r : doc["recipes"]) {
        INFO(r["dir"]);
        CHECK(under(r["dir"].get<std::string>(), root / "share/wslmod/module-recipes"));
    }

    auto made = run_installed(exe, {"recipe", "new", "my-driver", "--template", "kbuild"}, cwd);
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
    CHECK(fs::exists(cwd / "recipes/my-driver/recipe.toml"));
    auto shown = run_installed(exe, {"recipe", "show", "my-driver"}, cwd);
    INFO(shown.output);
    CHECK(shown.exit_code == 0);
    CHECK(shown.output.find(fs::weakly_canonical(cwd / "recipes/my-driver").string()) !=
          std::string::npos);
}

// Asks bash to complete `line` (words separated by spaces; a trailing space starts a new word)
// with the completion script at `script`.
std::string complete_with(const fs::path& script, const std::string& line) {
    auto cmd = "source '" + script.string() + "'; read -ra COMP_WORDS <<< \"$LINE\"; " +
               "[[ $LINE == *' ' ]] && COMP_WORDS+=(''); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
               "_wslmod; " +
               "echo \"${COMPREPLY[*]}\"";
    util::SystemRunner r;
    auto out = r.run(util::Command({"bash", "-c", cmd}).with_env("LINE", line));
    REQUIRE(out);
    INFO(out->output);
    REQUIRE(out->exit_code == 0);
    return out->output;
}

std::set<std::string> words_of(const std::string& text) {
    std::istringstream in(text);
    return {std::istream_iterator<std::string>(in), {}};
}

} // namespace

TEST_CASE("cmake --install into a prefix gives a wslmod that runs from any folder with its "
          "recipes, templates, man page and completion") {
    test::require_program("man");
    auto dir = test::scratch_dir("cmake-install");
    auto prefix = dir / "prefix";
    test::run_ok({"cmake", "--install", WSLMOD_BINARY_DIR, "--prefix", prefix.string()});
    fs::create_directories(dir / "elsewhere");
    check_installed_copy(prefix / "bin/wslmod", prefix, dir / "elsewhere");

    // The man page renders without a groff warning and documents every command of the table.
    auto page = prefix / "share/man/man1/wslmod.1.gz";
    REQUIRE(fs::exists(page));
    util::SystemRunner r;
    auto warnings = r.run(util::Command(
        {"sh", "-c", "MANWIDTH=100 man --warnings -l \"$0\" 2>&1 >/dev/null", page.string()}));
    REQUIRE(warnings);
    CHECK(warnings->output.empty());
    auto text = test::run_ok({"sh", "-c", "MANWIDTH=200 man -l \"$0\" 2>/dev/null", page.string()});
    for (const auto& row : cli::subcommands()) {
        INFO(row.path);
        CHECK(text.find("wslmod " + row.path + "\n") != std::string::npos);
    }
    CHECK(text.find("--stock-kernel") != std::string::npos);

    // Bash completes command words, a command's own options (and the global --json after it),
    // and leaves option values to file names.
    auto script = prefix / "share/bash-completion/completions/wslmod";
    REQUIRE(fs::exists(script));
    CHECK(words_of(complete_with(script, "wslmod kernel ")) ==
          std::set<std::string>{"info", "prepare", "symvers"});
    auto opts = words_of(complete_with(script, "wslmod kernel info --"));
    CHECK(opts.count("--config"));
    CHECK(opts.count("--stock-kernel"));
    CHECK(opts.count("--json"));
    CHECK_FALSE(opts.count("--output"));
    CHECK(words_of(complete_with(script, "wslmod --json recipe n")) ==
          std::set<std::string>{"new"});
    CHECK(complete_with(script, "wslmod kernel info --config ").find_first_not_of(" \n") ==
          std::string::npos);
}

namespace {

// Builds the .deb from the build under test; its path, as scripts/package prints it.
fs::path package_under_test(const fs::path& out) {
    auto printed = test::run_ok({(fs::path(WSLMOD_SOURCE_DIR) / "scripts/package").string(),
                                 "--from", WSLMOD_BINARY_DIR, "-o", out.string()});
    auto line = printed.substr(0, printed.find_last_not_of("\n") + 1);
    line =
        line.substr(line.find_last_of('\n') + 1); // the last line; cmake's build talk comes before
    return line;
}

std::string deb_field(const fs::path& deb, const std::string& field) {
    auto v = test::run_ok({"dpkg-deb", "-f", deb.string(), field});
    return v.substr(0, v.find_last_not_of("\n") + 1);
}

} // namespace

TEST_CASE("the .deb from scripts/package has the Depends wslmod needs, passes lintian, and runs "
          "unpacked under any root") {
    test::require_program("dpkg-deb");
    test::require_program("lintian");
    auto dir = test::scratch_dir("deb-package");
    auto deb = package_under_test(dir / "out");
    auto arch = test::run_ok({"dpkg", "--print-architecture"});
    arch.erase(arch.find_last_not_of("\n") + 1);
    CHECK(deb == dir / "out" / ("wslmod_" + std::string(cli::version()) + "_" + arch + ".deb"));
    REQUIRE(fs::exists(deb));
    CHECK(deb_field(deb, "Package") == "wslmod");
    CHECK(deb_field(deb, "Version") == cli::version());
    CHECK(deb_field(deb, "Architecture") == arch);

    // Depends: every program wslmod runs, and the libraries dpkg-shlibdeps found in the binary.
    auto depends = deb_field(deb, "Depends");
    std::set<std::string> names;
    for (std::istringstream in(depends); in.good();) {
        std::string item;
        std::getline(in, item, ',');
        auto b = item.find_first_not_of(' ');
        if (b != std::string::npos) names.insert(item.substr(b, item.find_first_of(" (", b) - b));
    }
    INFO(depends);
    for (auto program : {"make", "gcc", "kmod", "bc", "flex", "bison", "dwarves", "libelf-dev",
                         "libssl-dev", "patch", "curl", "xz-utils", "zstd"})
        CHECK(names.count(program));
    for (auto library : {"libkmod2", "libarchive13", "libext2fs2", "libelf1", "libssl3", "libc6"})
        CHECK(names.count(library));
    CHECK(depends.find("libkmod2 (>= ") !=
          std::string::npos); // a version, so it came from shlibdeps
    auto recommends = deb_field(deb, "Recommends");
    for (auto r : {"qemu-system-x86", "busybox-static", "cpio"})
        CHECK(recommends.find(r) != std::string::npos);

    // lintian: no error and no warning.
    auto lint = test::run_tool({"lintian", "--tag-display-limit", "0", deb.string()});
    INFO(lint.output);
    CHECK(lint.exit_code == 0);
    CHECK(lint.output.find("E: ") == std::string::npos);
    CHECK(lint.output.find("W: ") == std::string::npos);

    // Unpacked under a scratch root, the copy finds its data relative to itself.
    auto root = dir / "root";
    test::run_ok({"dpkg-deb", "-x", deb.string(), root.string()});
    fs::create_directories(dir / "elsewhere");
    check_installed_copy(root / "usr/bin/wslmod", root / "usr", dir / "elsewhere");
    CHECK(fs::exists(root / "usr/share/man/man1/wslmod.1.gz"));
    CHECK(fs::exists(root / "usr/share/doc/wslmod/copyright"));
}

TEST_CASE("apt installs the .deb, man wslmod finds its page, and apt remove leaves none of its "
          "files behind") {
    test::require_program("apt-get");
    test::require_program("man");
    test::require(::geteuid() == 0, "installing a package needs root");
    auto status = util::SystemRunner().run(
        util::Command({"dpkg-query", "-W", "-f=${db:Status-Status}", "wslmod"}));
    REQUIRE(status);
    // Never replace a wslmod a developer installed (scripts/setup does); a CI machine is there
    // to be changed, so there the test replaces and then removes it.
    const char* ci = std::getenv("CI");
    bool in_ci = ci && *ci && std::string(ci) != "false";
    if (!in_ci && status->exit_code == 0 && status->output != "not-installed") {
        std::cout << "SKIPPED: a wslmod package is installed on this machine; this test installs "
                     "and removes its own "
                     "(run it with CI=true to let it replace that one)"
                  << std::endl;
        std::_Exit(77);
    }
    auto dir = test::scratch_dir("deb-apt");
    auto deb = package_under_test(dir / "out");

    struct Remove { // the package never outlives the test, whatever fails
        ~Remove() {
            (void)util::SystemRunner().run(
                util::Command({"apt-get", "remove", "-y", "-qq", "wslmod"}));
        }
    } remove_after;
    test::run_ok({"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq",
                  "--reinstall", "--no-install-recommends", deb.string()});
    auto files = test::run_ok({"dpkg-query", "-L", "wslmod"});
    CHECK(files.find("/usr/bin/wslmod\n") != std::string::npos);

    fs::create_directories(dir / "elsewhere");
    check_installed_copy("/usr/bin/wslmod", "/usr", dir / "elsewhere");
    auto which = test::run_ok({"sh", "-c", "command -v wslmod"}, dir / "elsewhere");
    CHECK(which == "/usr/bin/wslmod\n");
    CHECK(test::run_ok({"man", "-w", "wslmod"}) == "/usr/share/man/man1/wslmod.1.gz\n");
    CHECK(test::run_ok({"sh", "-c", "MANWIDTH=100 man wslmod 2>/dev/null"})
              .find("wslmod kernel prepare") != std::string::npos);

    test::run_ok(
        {"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "remove", "-y", "-qq", "wslmod"});
    status = util::SystemRunner().run(
        util::Command({"dpkg-query", "-W", "-f=${db:Status-Status}", "wslmod"}));
    REQUIRE(status);
    CHECK((status->exit_code != 0 || status->output == "not-installed"));
    // Every path the package owned is gone, but for the folders other packages share.
    std::istringstream in(files);
    for (std::string path; std::getline(in, path);) {
        if (path.empty() || path == "/.") continue;
        std::error_code ec;
        if (fs::is_directory(path, ec) &&
            util::SystemRunner().run(util::Command({"dpkg-query", "-S", path})).value().exit_code ==
                0)
            continue; // a folder another package owns too (/usr/bin, /usr/share/man/man1, ...)
        INFO(path);
        CHECK_FALSE(fs::exists(path, ec));
    }
    CHECK_FALSE(fs::exists("/usr/share/wslmod"));
    CHECK_FALSE(fs::exists("/usr/share/doc/wslmod"));
}

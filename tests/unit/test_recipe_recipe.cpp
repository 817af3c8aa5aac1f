// Recipe parsing: the shapes the format allows, and a corpus of bad recipes, each refused with
// the file and line and a fix.
#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

#include "recipe/recipe.h"
#include "support/catch.h"
#include "support/prereq.h"

using namespace wslmod;
using namespace wslmod::recipe;

namespace {

std::filesystem::path recipe_dir(const std::string& name) {
    // One folder per process: ctest -j runs this file's test cases side by side, and
    // scratch_dir empties the folder it names.
    auto dir = test::scratch_dir(fmt::format("recipe-{}-{}", name, ::getpid())) / name;
    std::filesystem::create_directories(dir / "files");
    std::filesystem::create_directories(dir / "patches");
    std::ofstream(dir / "patches/01-fix.patch") << "--- a\n+++ b\n";
    std::filesystem::create_directories(dir / "dkms-src");
    std::ofstream(dir / "dkms-src/dkms.conf") << "PACKAGE_NAME=x\n";
    return dir;
}

util::Result<Recipe> parse(const std::string& text, const std::string& name = "r") {
    auto dir = recipe_dir(name);
    return parse_recipe(text, dir / "recipe.toml");
}

const std::string head = "name = \"r\"\nversion = \"1\"\nsummary = \"s\"\n";

} // namespace

TEST_CASE("parse_recipe reads every field of a full recipe") {
    auto r = parse(head + R"(license = "GPL-2.0"
homepage = "https://example.org"
depends = ["base"]
replaces = ["ch341"]
patches = ["patches/01-fix.patch"]
[source]
kernel-tree = "drivers/usb/serial"
[kconfig]
CONFIG_USB_SERIAL_XR = "m"
USB_SERIAL_CYPRESS_M8 = "m"
[build]
make-args = ["V=1"]
env = { KCFLAGS = "-g" }
modules = ["xr_serial", { name = "cypress_m8", dest = "kernel/drivers/usb/serial" }]
[requires]
kernel = ">=6.1, <6.19"
config = ["CONFIG_USB_SERIAL=y|m", "CONFIG_USB=m"]
)");
    INFO((r ? "" : r.error().message()));
    REQUIRE(r);
    CHECK(r->source == SourceKind::kernel_tree);
    CHECK(r->kernel_tree == std::vector<std::string>{"drivers/usb/serial"});
    CHECK(r->kconfig.at("USB_SERIAL_XR") == "m");
    CHECK(r->kconfig.count("USB_SERIAL_CYPRESS_M8") == 1);
    REQUIRE(r->modules.size() == 2);
    CHECK(r->modules[0].dest == "extra/r");
    CHECK(r->modules[1].dest == "kernel/drivers/usb/serial");
    CHECK(r->make_env.at("KCFLAGS") == "-g");
    CHECK(r->patches.size() == 1);
    CHECK(r->depends == std::vector<std::string>{"base"});
    REQUIRE(r->config.size() == 2);
    CHECK(r->config[0].values == std::set<std::string>{"y", "m"});
    CHECK(release_in_range("6.12.117+deb12-amd64", r->kernel));
    CHECK_FALSE(release_in_range("6.19.1", r->kernel));
    CHECK_FALSE(release_in_range("5.15.167.4-microsoft-standard-WSL2", r->kernel));
}

TEST_CASE("parse_recipe reads url and dkms sources") {
    auto url = parse(head + "[source]\nurl = \"https://example.org/x.tar.gz\"\nsha256 = \"" +
                     std::string(64, 'a') + "\"\n[build]\nmodules = [\"x\"]\n");
    REQUIRE(url);
    CHECK(url->source == SourceKind::url);
    auto dkms = parse(head + "[source]\ndkms = \"dkms-src\"\n[build]\nmodules = [\"x\"]\n");
    REQUIRE(dkms);
    CHECK(dkms->dkms.filename() == "dkms-src");
}

TEST_CASE("bad recipes are refused with the file, the line and a fix") {
    const std::string src = "[source]\npath = \"files\"\n";
    const std::string build = "[build]\nmodules = [\"m\"]\n";
    struct Case {
        std::string name, text, expect;
        int line;
    };
    std::vector<Case> cases = {
        {"unknown-top-key", head + "colour = \"red\"\n" + src + build, "unknown key 'colour'", 4},
        {"unknown-source-key", head + "[source]\npath = \"files\"\nbranch = \"main\"\n" + build,
         "unknown key 'branch' in [source]", 6},
        {"unknown-build-key", head + src + "[build]\nmodules = [\"m\"]\njobs = 4\n",
         "unknown key 'jobs' in [build]", 8},
        {"name-wrong-type", "name = 3\nversion = \"1\"\nsummary = \"s\"\n" + src + build,
         "'name' must be a string", 1},
        {"modules-wrong-type", head + src + "[build]\nmodules = \"m\"\n", "non-empty 'modules'", 7},
        {"missing-source", head + build, "[source] is missing", 1},
        {"two-sources",
         head + "[source]\npath = \"files\"\nkernel-tree = \"drivers/usb\"\n" + build,
         "exactly one", 4},
        {"missing-path", head + "[source]\npath = \"nowhere\"\n" + build, "does not exist", 5},
        {"path-escapes", head + "[source]\npath = \"../../etc\"\n" + build,
         "leaves the recipe folder", 5},
        {"absolute-path", head + "[source]\npath = \"/etc\"\n" + build, "leaves the recipe folder",
         5},
        {"url-without-sha", head + "[source]\nurl = \"https://x/y.tgz\"\n" + build,
         "needs its sha256", 5},
        {"bad-sha", head + "[source]\nurl = \"https://x/y.tgz\"\nsha256 = \"abc\"\n" + build,
         "64 lower-case hex", 6},
        {"kconfig-without-tree", head + src + "[kconfig]\nUSB = \"m\"\n" + build,
         "only to a kernel-tree", 6},
        {"kconfig-y",
         head + "[source]\nkernel-tree = \"drivers/usb\"\n[kconfig]\nUSB_X = \"y\"\n" + build,
         "built as modules", 7},
        {"bad-module-name", head + src + "[build]\nmodules = [\"a/b\"]\n", "not a module name", 7},
        {"dest-escapes", head + src + "[build]\nmodules = [{ name = \"m\", dest = \"../../x\" }]\n",
         "leaves lib/modules", 7},
        {"bad-range", head + src + build + "[requires]\nkernel = \"newest\"\n",
         "not a release bound", 9},
        {"bad-condition", head + src + build + "[requires]\nconfig = [\"USB=y\"]\n",
         "not a config condition", 9},
        {"missing-patch", head + "patches = [\"patches/none.patch\"]\n" + src + build,
         "does not exist", 4},
        {"syntax", head + "[source\n", "", 4},
        {"bad-name", "name = \"Hello World\"\nversion = \"1\"\nsummary = \"s\"\n" + src + build,
         "not a recipe name", 1},
    };
    REQUIRE(cases.size() >= 15);
    for (const auto& c : cases) {
        INFO(c.name);
        auto r = parse(c.text, "bad-" + c.name);
        REQUIRE_FALSE(r);
        INFO(r.error().message());
        CHECK(r.error().what.find(c.expect) != std::string::npos);
        CHECK(r.error().where.ends_with("recipe.toml:" + std::to_string(c.line)));
        CHECK(r.error().message().find('\n') == std::string::npos);
        CHECK(r.error().code == util::ExitCode::usage);
    }
}

TEST_CASE("compare_versions orders releases numerically") {
    CHECK(compare_versions("6.12.117+deb12-amd64", "6.12") > 0);
    CHECK(compare_versions("6.6.87.2-microsoft-standard-WSL2", "6.18") < 0);
    CHECK(compare_versions("6.18.20.1", "6.18.20.1") == 0);
    CHECK(compare_versions("6.9", "6.10") < 0);
}

TEST_CASE("an empty recipe.toml says that it is empty") {
    namespace fs = std::filesystem;
    auto dir = fs::temp_directory_path() /
               ("wslmod-unit-empty-recipe-" + std::to_string(::getpid())) / "empty";
    fs::create_directories(dir);
    std::ofstream(dir / "recipe.toml").flush();
    auto r = recipe::load_recipe(dir);
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("the recipe file is empty") != std::string::npos);
    CHECK(r.error().message().find((dir / "recipe.toml").string()) != std::string::npos);
    fs::remove_all(dir.parent_path());
}

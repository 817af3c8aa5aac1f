// recipe.toml writer: every field of a recipe, of each source kind, survives to_toml and
// parse_recipe unchanged, including strings that need TOML escapes.
#include <fstream>

#include "recipe/recipe_toml.h"
#include "support/catch.h"
#include "support/prereq.h"

using namespace wslmod;
using namespace wslmod::recipe;

namespace {

// A recipe folder with the paths the recipes below refer to.
std::filesystem::path recipe_dir(const std::string& name) {
    auto dir = test::scratch_dir("recipe-toml-" + name) / name;
    std::filesystem::create_directories(dir / "files/src");
    std::filesystem::create_directories(dir / "patches");
    std::ofstream(dir / "patches/01-fix.patch") << "--- a\n+++ b\n";
    std::ofstream(dir / "patches/02 with space.patch") << "--- a\n+++ b\n";
    std::filesystem::create_directories(dir / "files/dkms-src");
    std::ofstream(dir / "files/dkms-src/dkms.conf") << "PACKAGE_NAME=x\n";
    return dir;
}

Recipe round_trip(const Recipe& r) {
    auto text = to_toml(r);
    INFO(text);
    auto back = parse_recipe(text, r.dir / "recipe.toml");
    INFO((back ? "" : back.error().message()));
    REQUIRE(back);
    return *back;
}

void check_equal(const Recipe& a, const Recipe& b) {
    CHECK(a.dir == b.dir);
    CHECK(a.file == b.file);
    CHECK(a.name == b.name);
    CHECK(a.version == b.version);
    CHECK(a.summary == b.summary);
    CHECK(a.license == b.license);
    CHECK(a.homepage == b.homepage);
    CHECK(a.source == b.source);
    CHECK(a.kernel_tree == b.kernel_tree);
    CHECK(a.kconfig == b.kconfig);
    CHECK(a.path == b.path);
    CHECK(a.url == b.url);
    CHECK(a.sha256 == b.sha256);
    CHECK(a.dkms == b.dkms);
    CHECK(a.patches == b.patches);
    CHECK(a.make_args == b.make_args);
    CHECK(a.make_env == b.make_env);
    CHECK(a.command == b.command);
    CHECK(a.pre_build == b.pre_build);
    CHECK(a.post_build == b.post_build);
    REQUIRE(a.modules.size() == b.modules.size());
    for (size_t i = 0; i < a.modules.size(); ++i) {
        CHECK(a.modules[i].name == b.modules[i].name);
        CHECK(a.modules[i].dest == b.modules[i].dest);
        CHECK(a.modules[i].location == b.modules[i].location);
    }
    CHECK(a.depends == b.depends);
    CHECK(a.replaces == b.replaces);
    REQUIRE(a.kernel.size() == b.kernel.size());
    for (size_t i = 0; i < a.kernel.size(); ++i) {
        CHECK(a.kernel[i].op == b.kernel[i].op);
        CHECK(a.kernel[i].version == b.kernel[i].version);
    }
    CHECK(a.kernel_match == b.kernel_match);
    CHECK(a.arch == b.arch);
    REQUIRE(a.config.size() == b.config.size());
    for (size_t i = 0; i < a.config.size(); ++i) {
        CHECK(a.config[i].symbol == b.config[i].symbol);
        CHECK(a.config[i].values == b.config[i].values);
    }
}

Recipe base(const std::string& name) {
    Recipe r;
    r.dir = recipe_dir(name);
    r.file = r.dir / "recipe.toml";
    r.name = name;
    r.version = "1.2.3";
    r.summary = "a \"quoted\" summary";
    return r;
}

} // namespace

TEST_CASE("to_toml writes a full path recipe that parse_recipe reads back equal") {
    auto r = base("full");
    r.license = "GPL-2.0";
    r.homepage = "https://example.org/full";
    r.source = SourceKind::path;
    r.path = r.dir / "files/src";
    r.patches = {r.dir / "patches/01-fix.patch", r.dir / "patches/02 with space.patch"};
    r.make_args = {"V=1", "EXTRA_CFLAGS=-DX=\"y\""};
    r.make_env = {{"KCFLAGS", "-g"}, {"odd.key", "tab\there"}};
    r.command =
        "make KERNELRELEASE=${kernelver} -C ${kernel_source_dir} M=${build_dir} \\\n  modules";
    r.pre_build = "./configure --kernel=${kernelver}\nif [ -x x ]; then echo \"é\"; fi";
    r.post_build = "printf \x1b[0m; echo done";
    r.modules = {{"plain", "extra/full", ""},
                 {"placed", "kernel/drivers/net", "src/net"},
                 {"located", "extra/full", "sub"}};
    r.depends = {"base"};
    r.replaces = {"stock_a", "stock_b"};
    r.kernel = {{">=", "6.1"}, {"<", "6.19"}, {"<=", "6.18.99"}};
    r.kernel_match = "^6\\.(1[0-9])\\.";
    r.arch = {"x86_64|aarch64"};
    r.config = {{"USB", {"y", "m"}}, {"LEGACY", {"n"}}};
    auto text = to_toml(r);
    CHECK(text.starts_with("name = \"full\"\nversion = \"1.2.3\"\n"));
    CHECK(text.find("path = \"files/src\"") != std::string::npos);
    CHECK(text.find("\"patches/02 with space.patch\"") != std::string::npos);
    CHECK(text.find("  \"plain\",\n") != std::string::npos);
    check_equal(r, round_trip(r));
}

TEST_CASE("to_toml writes kernel-tree, url and dkms sources") {
    auto tree = base("tree");
    tree.source = SourceKind::kernel_tree;
    tree.kernel_tree = {"drivers/usb/serial"};
    tree.kconfig = {{"USB_SERIAL_XR", "m"}};
    tree.modules = {{"xr_serial", "extra/tree", ""}};
    CHECK(to_toml(tree).find("kernel-tree = \"drivers/usb/serial\"\n") != std::string::npos);
    check_equal(tree, round_trip(tree));
    tree.kernel_tree = {"drivers/usb/serial", "drivers/net/usb"};
    check_equal(tree, round_trip(tree));

    auto url = base("url");
    url.source = SourceKind::url;
    url.url = "https://example.org/x-1.2.3.tar.gz";
    url.sha256 = std::string(64, 'a');
    url.modules = {{"x", "extra/url", ""}};
    check_equal(url, round_trip(url));

    auto dkms = base("dkms");
    dkms.source = SourceKind::dkms;
    dkms.dkms = dkms.dir / "files/dkms-src";
    CHECK(to_toml(dkms).find("dkms = \"files/dkms-src\"\n") != std::string::npos);
    check_equal(dkms, round_trip(dkms)); // modules left to dkms.conf
}

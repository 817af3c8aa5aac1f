// wslmod.toml: parsing with file:line errors, and the add/remove edits that keep every other
// byte (comments, order, spacing) as it was.
#include "recipe/manifest.h"
#include "support/catch.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {
const fs::path file = "/proj/wslmod.toml";

std::string error_of(const std::string& text) {
    auto m = recipe::parse_manifest(text, file);
    REQUIRE_FALSE(m);
    return m.error().message();
}
} // namespace

TEST_CASE("a manifest parses with paths relative to its folder and recipes in file order") {
    auto m = recipe::parse_manifest(
        "[kernel]\nprofile = \"custom\"\nsource = \"src/linux.tar.xz\"\nconfig = "
        "\"https://x/config\"\n"
        "stock-modules = \"../wsl/modules.vhd\"\nallow-drift = [\"DEBUG_INFO_BTF\"]\n"
        "[recipes]\nzeta = \"*\"\nalpha = \"1.0\"\n\"odd.name\" = \"*\"\n"
        "[output]\npath = \"out/m.vhdx\"\nlayout = \"artifacts\"\n",
        file);
    REQUIRE(m);
    CHECK(m->profile == "custom");
    CHECK(m->source == "/proj/src/linux.tar.xz");
    CHECK(m->config == "https://x/config"); // URLs stay as they are
    CHECK(m->stock_modules == "/wsl/modules.vhd");
    CHECK(m->allow_drift == std::vector<std::string>{"DEBUG_INFO_BTF"});
    REQUIRE(m->recipes.size() == 3);
    CHECK(m->recipes[0].name == "zeta");
    CHECK(m->recipes[1].version == "1.0");
    CHECK(m->recipes[2].name == "odd.name");
    CHECK(m->output == "/proj/out/m.vhdx");
    CHECK(m->layout == "artifacts");

    auto defaults = recipe::parse_manifest("", file);
    REQUIRE(defaults);
    CHECK(defaults->profile == "debian");
    CHECK(defaults->series == "6.12");
    CHECK(defaults->output == "/proj/modules.vhdx");
    for (auto profile : {"wsl", "debian", "custom"}) {
        INFO(profile);
        auto init = recipe::parse_manifest(recipe::manifest_text(profile, "6.12"), file);
        REQUIRE(init);
        CHECK(init->profile == profile);
        CHECK(init->recipes.empty());
    }
}

TEST_CASE("manifest errors name the file, the line and the fix") {
    CHECK(error_of("[kernel]\nprofile = \"debian\"\nsereis = \"6.12\"\n")
              .starts_with("/proj/wslmod.toml:3: unknown key 'sereis' in [kernel]"));
    CHECK(error_of("[kernel]\nprofile = \"fedora\"\n").find(":2: unknown profile 'fedora'") !=
          std::string::npos);
    CHECK(
        error_of("[kernel]\nseries = \"six\"\n").find(":2: series 'six' is not a kernel series") !=
        std::string::npos);
    // A Debian flavour may follow the series (the 6.1 cloud stand-in); anything else may not.
    auto cloud = recipe::parse_manifest("[kernel]\nseries = \"6.1-cloud\"\n", file);
    REQUIRE(cloud);
    CHECK(cloud->series == "6.1-cloud");
    CHECK(error_of("[kernel]\nseries = \"6.1-\"\n").find("is not a kernel series") !=
          std::string::npos);
    CHECK(error_of("[recipes]\nhello = 1\n")
              .find(":2: recipe 'hello' must be set to a version string") != std::string::npos);
    CHECK(error_of("[output]\nlayout = \"round\"\n").find(":2: unknown layout 'round'") !=
          std::string::npos);
    CHECK(error_of("[kernel]\nprofile = \"custom\"\n")
              .find("needs source, config and stock-kernel") != std::string::npos);
    CHECK(error_of("recipes = [\"hello\"]\n").find("[recipes] must be a table") !=
          std::string::npos);
    CHECK(error_of("[kernel\n").find("/proj/wslmod.toml:1:") != std::string::npos);
    CHECK(error_of("[extra]\n").find("unknown key 'extra'") != std::string::npos);
}

TEST_CASE("add and remove change only the recipe lines") {
    std::string text =
        "# top comment\r\n[kernel]\r\nprofile = \"debian\"   # odd  spacing\r\n\r\n[recipes]\r\n"
        "# mine\r\nhello = \"*\"\r\n\r\n[output]\r\npath = \"m.vhdx\"\r\n";
    auto added = recipe::add_recipes(text, {"usbip-extra", "hello", "usbip-extra", "odd.name"});
    CHECK(added ==
          "# top comment\r\n[kernel]\r\nprofile = \"debian\"   # odd  spacing\r\n\r\n[recipes]\r\n"
          "# mine\r\nhello = \"*\"\r\nusbip-extra = \"*\"\n\"odd.name\" = "
          "\"*\"\n\r\n[output]\r\npath = \"m.vhdx\"\r\n");
    auto parsed = recipe::parse_manifest(added, file);
    REQUIRE(parsed);
    REQUIRE(parsed->recipes.size() == 3);
    CHECK(parsed->recipes[2].name == "odd.name");
    CHECK(recipe::add_recipes(added, {"hello"}) == added); // nothing new: byte-identical

    auto removed = recipe::remove_recipes(added, file, {"usbip-extra", "odd.name"});
    REQUIRE(removed);
    CHECK(*removed == text);
    auto missing = recipe::remove_recipes(text, file, {"nope"});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message().find("recipe nope is not in the manifest") !=
          std::string::npos);

    // No [recipes] table yet, and no final newline.
    CHECK(recipe::add_recipes("[kernel]\nprofile = \"debian\"", {"hello"}) ==
          "[kernel]\nprofile = \"debian\"\n\n[recipes]\nhello = \"*\"\n");
    // A key named like a recipe in another table is not touched.
    std::string other = "[output]\nhello = \"x\"\n[recipes]\n";
    CHECK(recipe::add_recipes(other, {"hello"}) == other + "hello = \"*\"\n");
    REQUIRE_FALSE(recipe::remove_recipes(other, file, {"hello"}));
}

TEST_CASE("a recipe entry may name a distro DKMS package, and add writes one") {
    auto m =
        recipe::parse_manifest("[recipes]\nvpoll = { deb = \"vpoll-dkms\" }\n"
                               "cam = { deb = \"v4l2loopback-dkms\", version = \"0.12.7-2\" }\n",
                               file);
    REQUIRE(m);
    REQUIRE(m->recipes.size() == 2);
    CHECK(m->recipes[0].name == "vpoll");
    CHECK(m->recipes[0].deb == "vpoll-dkms");
    CHECK(m->recipes[0].deb_version.empty());
    CHECK(m->recipes[1].deb_version == "0.12.7-2");

    CHECK(error_of("[recipes]\nx = { version = \"1\" }\n")
              .find("recipe 'x' as a table needs deb = \"<package>\"") != std::string::npos);
    CHECK(error_of("[recipes]\nx = { deb = \"x-dkms\", url = \"u\" }\n").find("url") !=
          std::string::npos);

    auto added = recipe::add_recipe_entries("[recipes]\nhello = \"*\"\n",
                                            {{"vpoll", "{ deb = \"vpoll-dkms\" }"}});
    CHECK(added == "[recipes]\nhello = \"*\"\nvpoll = { deb = \"vpoll-dkms\" }\n");
    auto back = recipe::parse_manifest(added, file);
    REQUIRE(back);
    CHECK(back->recipes[1].deb == "vpoll-dkms");
}

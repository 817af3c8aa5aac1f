#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "recipe/catalog.h"
#include "recipe/manifest.h"
#include "support/catch.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

struct EnvGuard { // unset again at the end, whatever the test does
    std::string name;
    ~EnvGuard() { ::unsetenv(name.c_str()); }
};

fs::path self() {
    return fs::read_symlink("/proc/self/exe");
}

} // namespace

TEST_CASE("shipped data is looked for beside the binary's share/wslmod, then in the source tree it "
          "was built from") {
    EnvGuard guard{"WSLMOD_TEST_SHIPPED"};
    ::unsetenv("WSLMOD_TEST_SHIPPED");
    auto candidates = recipe::shipped_candidates("module-recipes", "WSLMOD_TEST_SHIPPED");
    REQUIRE(candidates.size() == 2); // this test binary is built with WSLMOD_FIND_SOURCE_TREE=ON
    CHECK(candidates[0] ==
          (self().parent_path().parent_path() / "share/wslmod/module-recipes").lexically_normal());
    CHECK(candidates[1] == fs::path(WSLMOD_SOURCE_DIR) / "module-recipes");
    // The build folder has no share/wslmod, so the source tree's folder is the one found.
    CHECK(recipe::shipped_dir("module-recipes", "WSLMOD_TEST_SHIPPED") ==
          fs::path(WSLMOD_SOURCE_DIR) / "module-recipes");
    CHECK(recipe::shipped_dir("no-such-folder", "WSLMOD_TEST_SHIPPED").empty());
}

TEST_CASE("the override replaces every other place, and a missing folder's error names each place "
          "searched") {
    EnvGuard guard{"WSLMOD_TEST_SHIPPED"};
    ::setenv("WSLMOD_TEST_SHIPPED", "/nonexistent/wslmod-data", 1);
    CHECK(recipe::shipped_candidates("templates", "WSLMOD_TEST_SHIPPED") ==
          std::vector<fs::path>{"/nonexistent/wslmod-data"});
    auto missing = recipe::find_shipped_dir("templates", "WSLMOD_TEST_SHIPPED");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message().find("/nonexistent/wslmod-data") != std::string::npos);
    CHECK(missing.error().message().find("WSLMOD_TEST_SHIPPED") != std::string::npos);

    ::unsetenv("WSLMOD_TEST_SHIPPED");
    auto none = recipe::find_shipped_dir("no-such-folder", "WSLMOD_TEST_SHIPPED");
    REQUIRE_FALSE(none);
    for (const auto& c : recipe::shipped_candidates("no-such-folder", "WSLMOD_TEST_SHIPPED")) {
        INFO(c);
        CHECK(none.error().message().find(c.string()) != std::string::npos);
    }
}

TEST_CASE("a recipe that is not found names every folder searched") {
    auto found = recipe::find_recipe({"/nonexistent/a", "/nonexistent/b"}, "nope");
    REQUIRE_FALSE(found);
    CHECK(found.error().message().find("/nonexistent/a, /nonexistent/b") != std::string::npos);
    CHECK(found.error().message().find("'nope'") != std::string::npos);
}

TEST_CASE("a recipe name is one safe component, wherever a name is accepted") {
    for (std::string ok : {"hello", "usbip-extra", "v4l2loopback", "rtl8812au", "r8125.dkms",
                           "gcc+plugin", "a_b", "0x"})
        CHECK(recipe::is_recipe_name(ok));
    for (const std::string& bad :
         std::vector<std::string>{"", "../x", "..", ".hidden", "-x", "Hello", "a/b", "a b",
                                  std::string("a\0b", 3), std::string(201, 'a')}) {
        INFO(bad);
        CHECK_FALSE(recipe::is_recipe_name(bad));
    }
    // find_recipe refuses before it looks at the disk: no folder outside the search path is read.
    auto escaped =
        recipe::find_recipe({WSLMOD_SOURCE_DIR "/module-recipes"}, "../module-recipes/hello");
    REQUIRE_FALSE(escaped);
    CHECK(escaped.error().message().find("is not a recipe name") != std::string::npos);
    auto manifest = recipe::parse_manifest("[recipes]\n\"../../x\" = \"*\"\n", "/p/wslmod.toml");
    REQUIRE_FALSE(manifest);
    CHECK(manifest.error().message().find("/p/wslmod.toml:2") != std::string::npos);
    CHECK(manifest.error().message().find("is not a recipe name") != std::string::npos);
}

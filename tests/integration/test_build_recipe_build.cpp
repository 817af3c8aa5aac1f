// `wslmod recipe build` against the prepared Debian tree: modules with the exact release, a
// cache that skips make, and a broken recipe reported with its log.
#include <fstream>

#include "support/catch.h"
#include "support/devel_tree.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;

TEST_CASE("recipe build makes hello with the tree's release, then serves it from the cache") {
    const auto& k = test::debian_kernel();
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("recipe-build");
    auto first = test::run_wslmod({"--json", "recipe", "build", "hello", "--kernel", tree.string(),
                                   "--cache", (dir / "cache").string()});
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    CHECK(first.output.find("\"cached\": false") != std::string::npos);
    auto ko = dir / "cache/builds";
    std::filesystem::path built;
    for (const auto& e : std::filesystem::recursive_directory_iterator(ko))
        if (e.path().filename() == "hello.ko") built = e.path();
    REQUIRE_FALSE(built.empty());
    CHECK(test::run_ok({"modinfo", "-F", "vermagic", built.string()}).starts_with(k.release + " "));
    auto second = test::run_wslmod({"--json", "recipe", "build", "hello", "--kernel", tree.string(),
                                    "--cache", (dir / "cache").string()});
    CHECK(second.exit_code == 0);
    CHECK(second.output.find("\"cached\": true") != std::string::npos); // no make ran
}

TEST_CASE("recipe build with keep-going builds what it can, names the broken recipe and its log, "
          "and exits non-zero") {
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("recipe-build-broken");
    std::filesystem::create_directories(dir / "recipes/broken/files");
    std::ofstream(dir / "recipes/broken/files/broken.c")
        << "#include <linux/module.h>\nthis is not C;\n";
    std::ofstream(dir / "recipes/broken/files/Kbuild") << "obj-m := broken.o\n";
    std::ofstream(dir / "recipes/broken/recipe.toml")
        << "name = \"broken\"\nversion = \"1\"\nsummary = \"does not compile\"\n"
           "[source]\npath = \"files\"\n[build]\nmodules = [\"broken\"]\n";
    auto r = test::run_wslmod({"recipe", "build", "broken", "hello", "--keep-going", "--kernel",
                               tree.string(), "--cache", (dir / "cache").string(), "--recipes",
                               (dir / "recipes").string()});
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("recipe broken failed: its build step exited") != std::string::npos);
    CHECK(r.output.find((dir / "cache/builds").string()) != std::string::npos); // the log path
    CHECK(r.output.find("hello.ko") != std::string::npos); // the other one built
    for (const auto& e : std::filesystem::directory_iterator(dir / "cache/builds"))
        if (e.is_directory())
            CHECK(std::filesystem::exists(e.path() / ".complete")); // only hello's entry
}

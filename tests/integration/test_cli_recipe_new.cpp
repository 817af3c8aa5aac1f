// `wslmod recipe new` scaffolds each template into a recipe that builds as it is, with the
// tree's exact release in every module's vermagic; an existing folder is never overwritten.
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/catch.h"
#include "support/devel_tree.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;
namespace fs = std::filesystem;

TEST_CASE("recipe new scaffolds kbuild, dkms and in-tree recipes that build as they are") {
    const auto& k = test::debian_kernel();
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("recipe-new");
    for (std::string kind : {"kbuild", "dkms", "in-tree"}) {
        auto name = "my-" + kind + "-driver";
        auto out = dir / "recipes" / name;
        auto made =
            test::run_wslmod({"recipe", "new", name, "--template", kind, "-o", out.string()});
        INFO(made.output);
        REQUIRE(made.exit_code == 0);
        REQUIRE(fs::exists(out / "recipe.toml"));
        auto built = test::run_wslmod({"--json", "recipe", "build", name, "--recipes",
                                       (dir / "recipes").string(), "--kernel", tree.string(),
                                       "--cache", (dir / "cache").string()});
        INFO(built.output);
        REQUIRE(built.exit_code == 0);
        auto doc = nlohmann::json::parse(built.output);
        REQUIRE(doc["builds"].size() == 1);
        for (const auto& m : doc["builds"][0]["modules"])
            CHECK(test::run_ok({"modinfo", "-F", "vermagic", m["file"].get<std::string>()})
                      .starts_with(k.release + " "));
        if (kind != "in-tree")
            CHECK(doc["builds"][0]["modules"][0]["name"] == name); // @NAME@ was replaced

        std::ofstream(out / "recipe.toml", std::ios::app) << "# edited\n";
        auto again =
            test::run_wslmod({"recipe", "new", name, "--template", kind, "-o", out.string()});
        CHECK(again.exit_code == 2);
        CHECK(again.output.find("exists already") != std::string::npos);
        std::ifstream in(out / "recipe.toml");
        std::string text((std::istreambuf_iterator<char>(in)), {});
        CHECK(text.find("# edited") != std::string::npos); // untouched
    }
}

TEST_CASE("recipe import-dkms takes any -o folder, whose name names the recipe") {
    auto dir = test::scratch_dir("recipe-import-name");
    auto src = test::dkms_source("v4l2loopback-dkms");
    auto renamed = test::run_wslmod(
        {"--json", "recipe", "import-dkms", src.string(), "-o", (dir / "v4l").string()});
    INFO(renamed.output);
    REQUIRE(renamed.exit_code == 0);
    CHECK(nlohmann::json::parse(renamed.output)["recipe"] == "v4l");
    auto shown = test::run_wslmod({"recipe", "show", "v4l", "--recipes", dir.string()});
    INFO(shown.output);
    CHECK(shown.exit_code == 0);
    CHECK(shown.output.find("the DKMS package v4l2loopback") != std::string::npos);
    // A folder name that is no recipe name is refused, naming the folder, and nothing is written.
    auto bad =
        test::run_wslmod({"recipe", "import-dkms", src.string(), "-o", (dir / "V4L").string()});
    CHECK(bad.exit_code == 2);
    CHECK(bad.output.find("'V4L' is not a recipe name") != std::string::npos);
    CHECK(bad.output.find((dir / "V4L").string()) != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "V4L"));
    // A --patch that is not a unified diff is refused before anything is written.
    std::ofstream(dir / "notes.txt") << "remember to fix the build\n";
    auto not_patch = test::run_wslmod({"recipe", "import-dkms", src.string(), "-o",
                                       (dir / "v4l2loopback").string(), "--patch",
                                       (dir / "notes.txt").string()});
    INFO(not_patch.output);
    CHECK(not_patch.exit_code == 2);
    CHECK(not_patch.output.find("not a patch") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "v4l2loopback"));
    fs::create_directories(dir / "recipes");
    auto into =
        test::run_wslmod({"recipe", "import-dkms", src.string(), "-o", (dir / "recipes").string()});
    INFO(into.output);
    CHECK(into.exit_code == 0);
    CHECK(fs::exists(dir / "recipes/v4l2loopback/recipe.toml"));
    CHECK(fs::exists(dir / "recipes/v4l2loopback/src/v4l2loopback.c"));
}

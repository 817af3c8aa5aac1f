// `wslmod recipe list|show` as a user runs them, with the shipped recipes and a project's own.
#include <fstream>

#include "support/catch.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;

TEST_CASE("recipe list and show find the shipped recipes, and a project's recipes come first") {
    auto list = test::run_wslmod({"recipe", "list"});
    INFO(list.output);
    CHECK(list.exit_code == 0);
    CHECK(list.output.find("hello") != std::string::npos);
    auto show = test::run_wslmod({"--json", "recipe", "show", "hello"});
    INFO(show.output);
    CHECK(show.exit_code == 0);
    CHECK(show.output.find("\"dest\": \"extra/hello\"") != std::string::npos);

    auto dir = test::scratch_dir("cli-recipe");
    std::filesystem::create_directories(dir / "hello/src");
    std::ofstream(dir / "hello/recipe.toml")
        << "name = \"hello\"\nversion = \"9.9\"\nsummary = \"mine\"\n"
           "[source]\npath = \"src\"\n[build]\nmodules = [\"hello\"]\n";
    auto mine = test::run_wslmod({"recipe", "show", "hello", "--recipes", dir.string()});
    CHECK(mine.output.find("hello 9.9") != std::string::npos);

    std::filesystem::create_directories(dir / "broken");
    std::ofstream(dir / "broken/recipe.toml")
        << "name = \"broken\"\nversion = \"1\"\nsummary = \"s\"\nflavour = 1\n";
    auto bad = test::run_wslmod({"recipe", "list", "--recipes", dir.string()});
    CHECK(bad.exit_code == 2);
    CHECK(bad.output == "wslmod: error: " + (dir / "broken/recipe.toml").string() +
                            ":4: unknown key 'flavour' (known keys here: name, version, summary, "
                            "license, homepage, firmware, "
                            "depends, replaces, patches, source, kconfig, build, requires)\n");
    auto none = test::run_wslmod({"recipe", "show", "no-such-recipe"});
    CHECK(none.exit_code == 2);
    CHECK(none.output.find("no recipe named 'no-such-recipe'") != std::string::npos);
}

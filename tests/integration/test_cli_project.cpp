// The project flow on the Debian profile: init, add (only new recipes compile), a failed add that
// leaves manifest and image alone, and remove.
#include <chrono>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "support/catch.h"
#include "support/devel_tree.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/sha256.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

fs::path shared_cache() {
    return fs::path(WSLMOD_BINARY_DIR) / "tests/cache";
}

std::string sha_of(const fs::path& p) {
    auto d = util::sha256_file(p);
    REQUIRE(d);
    return util::to_hex(*d);
}

// `wslmod --json ARGS --cache <shared> --recipes <fixtures>` in `dir`.
util::CommandOutput in_project(const fs::path& dir, std::vector<std::string> args) {
    std::vector<std::string> argv{"--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--cache", shared_cache().string(), "--recipes",
                             (fs::path(WSLMOD_SOURCE_DIR) / "tests/fixtures/recipes").string()});
    return test::run_tool(
        [&] {
            std::vector<std::string> cmd{test::wslmod_binary().string()};
            cmd.insert(cmd.end(), argv.begin(), argv.end());
            return cmd;
        }(),
        dir);
}

std::map<std::string, bool> cached_by_recipe(const std::string& output) {
    auto doc = nlohmann::json::parse(output.substr(output.find('{')));
    std::map<std::string, bool> out;
    for (const auto& b : doc["builds"])
        out[b["recipe"].get<std::string>()] = b["cached"].get<bool>();
    return out;
}

} // namespace

TEST_CASE("init then add twice compiles only the new recipe, a failed add changes nothing, remove "
          "restores") {
    test::prepared_tree(); // the debian profile prepares the same tree: share it with the other
                           // tests
    auto dir = test::scratch_dir("cli-project");
    auto init =
        test::run_tool({test::wslmod_binary().string(), "init", "--profile", "debian"}, dir);
    INFO(init.output);
    REQUIRE(init.exit_code == 0);
    REQUIRE(fs::is_directory(dir / "recipes"));
    auto pristine = test::read_text(dir / "wslmod.toml");
    // A project recipe whose source is new on every run, so that its build cannot be cached.
    auto fresh = dir / "recipes/wslmod-fresh";
    fs::create_directories(fresh / "files");
    std::ofstream(fresh / "recipe.toml")
        << "name = \"wslmod-fresh\"\nversion = \"1.0\"\nsummary = \"x\"\nlicense = "
           "\"GPL-2.0\"\n[source]\npath = \"files\"\n"
           "[build]\nmodules = [\"wslmod_fresh\"]\n";
    std::ofstream(fresh / "files/Kbuild") << "obj-m := wslmod_fresh.o\n";
    std::ofstream(fresh / "files/wslmod_fresh.c")
        << "// run " << std::chrono::steady_clock::now().time_since_epoch().count() << "\n"
        << "#include <linux/module.h>\nstatic int __init f(void) { return 0; "
           "}\nmodule_init(f);\nMODULE_LICENSE(\"GPL\");\n";

    auto first = in_project(dir, {"add", "hello"});
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    CHECK(cached_by_recipe(first.output).count("hello"));
    auto after_hello = test::read_text(dir / "wslmod.toml");
    CHECK(after_hello.find("\nhello = \"*\"\n") != std::string::npos);
    REQUIRE(fs::exists(dir / "modules.vhdx"));

    auto second = in_project(dir, {"add", "wslmod-fresh"});
    INFO(second.output);
    REQUIRE(second.exit_code == 0);
    auto cached = cached_by_recipe(second.output);
    CHECK(cached == std::map<std::string, bool>{
                        {"hello", true}, {"wslmod-fresh", false}}); // only the new one compiled
    auto with_both = test::read_text(dir / "wslmod.toml");
    CHECK(with_both.find("hello = \"*\"\nwslmod-fresh = \"*\"\n") != std::string::npos);
    auto image = sha_of(dir / "modules.vhdx");

    auto broken = in_project(dir, {"add", "wslmod-broken"});
    INFO(broken.output);
    CHECK(broken.exit_code == 1);
    CHECK(broken.output.find("wslmod_nobody_exports_this") != std::string::npos);
    CHECK(test::read_text(dir / "wslmod.toml") == with_both);
    CHECK(sha_of(dir / "modules.vhdx") == image);

    auto unknown = in_project(dir, {"add", "no-such-recipe"});
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.output.find("no-such-recipe") != std::string::npos);
    CHECK(test::read_text(dir / "wslmod.toml") == with_both);

    auto removed = in_project(dir, {"remove", "wslmod-fresh"});
    INFO(removed.output);
    REQUIRE(removed.exit_code == 0);
    CHECK(test::read_text(dir / "wslmod.toml") == after_hello);
    auto doc = nlohmann::json::parse(removed.output.substr(removed.output.find('{')));
    REQUIRE(doc["image"]["added"].size() == 1);
    CHECK(doc["image"]["added"][0]["name"] == "hello");
    auto again = in_project(dir, {"remove", "hello"});
    REQUIRE(again.exit_code == 0);
    CHECK(test::read_text(dir / "wslmod.toml") == pristine);

    // build reads the manifest; a second init refuses to overwrite it.
    auto build = in_project(dir, {"build"});
    INFO(build.output);
    CHECK(build.exit_code == 0);
    auto twice = test::run_tool({test::wslmod_binary().string(), "init"}, dir);
    CHECK(twice.exit_code == 2);
    CHECK(test::read_text(dir / "wslmod.toml") == pristine);
}

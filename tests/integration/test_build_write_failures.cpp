// A write that fails (WSLMOD_FAIL_WRITES, as a full disk would) during `kernel prepare` and a
// recipe build publishes no cache entry and leaves no temporary: the next run builds again
// instead of taking a half-written entry as valid.
#include <fstream>

#include "support/catch.h"
#include "support/devel_tree.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

util::CommandOutput wslmod_env(const std::string& fail_writes, std::vector<std::string> args) {
    std::vector<std::string> argv{"env", "WSLMOD_FAIL_WRITES=" + fail_writes,
                                  test::wslmod_binary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run_tool(argv);
}

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> out;
    if (!fs::exists(dir)) return out;
    for (const auto& e : fs::directory_iterator(dir))
        out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

TEST_CASE(
    "a failed write during a recipe build publishes nothing, and the next build makes the entry") {
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("write-fail-recipe");
    auto cache = dir / "cache";
    std::vector<std::string> args{"--json",   "recipe",      "build",   "hello",
                                  "--kernel", tree.string(), "--cache", cache.string()};
    for (const char* file : {"build.json", "Module.symvers", ".complete"}) {
        INFO("failing writes to " << file);
        auto r = wslmod_env(file, args);
        INFO(r.output);
        CHECK(r.exit_code == 1);
        CHECK(r.output.find("No space left on device") != std::string::npos);
        for (const auto& name : names_in(cache / "builds")) {
            CHECK_FALSE(name.starts_with(".tmp-")); // no temporary left
            CHECK(name.ends_with(".log"));          // only the failed build's log, no entry
        }
    }
    auto ok = test::run_wslmod(args);
    INFO(ok.output);
    REQUIRE(ok.exit_code == 0);
    CHECK(ok.output.find("\"cached\": false") != std::string::npos);
    auto again = test::run_wslmod(args);
    CHECK(again.output.find("\"cached\": true") != std::string::npos);
}

TEST_CASE("a failed write during kernel prepare publishes no tree and leaves no temporary") {
    auto dir = test::scratch_dir("write-fail-prepare");
    // A source folder is copied before the first write, so no real kernel is needed to get there.
    fs::create_directories(dir / "src");
    std::ofstream(dir / "src/Makefile") << "all:\n";
    std::ofstream(dir / "config") << "CONFIG_MODULES=y\n";
    auto cache = dir / "cache";
    auto r = wslmod_env(".config", {"kernel", "prepare", "--source", (dir / "src").string(),
                                    "--config", (dir / "config").string(), "--release",
                                    "6.1.0-fake", "--cache", cache.string()});
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("/.config: cannot write: No space left on device") != std::string::npos);
    auto trees = names_in(cache / "trees");
    for (const auto& name : trees)
        CHECK(name.ends_with(".log")); // the make log at most, never a tree
}

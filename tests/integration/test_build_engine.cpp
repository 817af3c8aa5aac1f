// The build engine against the prepared Debian 6.12 tree, through the library (so that every
// command can be counted) and through the CLI: the cache runs no make for an unchanged recipe,
// a changed patch rebuilds only its recipe, url sources, the shipped recipes with the exact
// release in every vermagic, and a compiler launcher.
#include <atomic>
#include <fstream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "engine/jobserver.h"
#include "engine/plan.h"
#include "engine/scheduler.h"
#include "kernel/config.h"
#include "kernel/prepare.h"
#include "recipe/catalog.h"
#include "support/catch.h"
#include "support/devel_tree.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/file.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

// Runs commands for real and remembers which folders make and bash ran in.
class CountingRunner final : public util::CommandRunner {
  public:
    util::Result<util::CommandOutput> run(const util::Command& cmd) override {
        {
            std::lock_guard g(mu_);
            if (cmd.argv[0] == "make" || cmd.argv[0] == "bash") builds.push_back(cmd.cwd.string());
        }
        return real_.run(cmd);
    }
    size_t count_in(const std::string& recipe) {
        std::lock_guard g(mu_);
        size_t n = 0;
        for (const auto& b : builds)
            n += b.find("/" + recipe + "/") != std::string::npos;
        return n;
    }
    std::vector<std::string> builds;

  private:
    std::mutex mu_;
    util::SystemRunner real_;
};

// A copy of the shipped hello recipe named `name`, with a patch changing its message.
fs::path hello_copy(const fs::path& recipes, const std::string& name, const std::string& word) {
    auto dir = recipes / name;
    fs::remove_all(dir);
    fs::create_directories(dir / "patches");
    fs::copy(fs::path(WSLMOD_SOURCE_DIR) / "module-recipes/hello/files", dir / "files",
             fs::copy_options::recursive);
    std::ofstream(dir / "files/Kbuild") << "obj-m := " << name << ".o\n";
    fs::rename(dir / "files/hello.c", dir / "files" / (name + ".c"));
    std::ofstream(dir / "patches/01-word.patch")
        << "--- a/" << name << ".c\n+++ b/" << name << ".c\n@@ -0,0 +1 @@\n+/* " << word << " */\n";
    std::ofstream(dir / "recipe.toml")
        << "name = \"" << name << "\"\nversion = \"1\"\nsummary = \"hello, renamed\"\n"
        << "patches = [\"patches/01-word.patch\"]\n[source]\npath = \"files\"\n"
        << "[build]\nmodules = [\"" << name << "\"]\n";
    return dir;
}

struct Engine {
    engine::TreeRef tree;
    engine::Target target;
    fs::path cache;
};

Engine make_engine(const std::string& scratch) {
    auto dir = test::prepared_tree();
    auto prepared = kernel::open_prepared_tree(dir);
    REQUIRE(prepared);
    Engine e{{prepared->dir, prepared->release}, {}, test::scratch_dir(scratch) / "cache"};
    e.target.release = prepared->release;
    auto config = kernel::parse_config(*util::read_text_decompressed(dir / ".config"), ".config");
    REQUIRE(config);
    e.target.config = *config;
    return e;
}

engine::RunResult build_all(const Engine& e, const fs::path& recipes,
                            const std::vector<std::string>& names, util::CommandRunner& runner) {
    std::vector<recipe::Recipe> requested;
    for (const auto& n : names) {
        auto r = recipe::find_recipe({recipes}, n);
        REQUIRE(r);
        requested.push_back(*r);
    }
    auto plan = engine::plan_builds(
        requested, [&](const std::string& n) { return recipe::find_recipe({recipes}, n); }, e.tree,
        e.target, engine::compiler_identity(runner), runner);
    INFO((plan ? "" : plan.error().message()));
    REQUIRE(plan);
    auto js = engine::Jobserver::create(2, "");
    REQUIRE(js);
    engine::BuildOptions opt{e.cache, "", &*js};
    return engine::run_plan(*plan, e.tree, opt, false, runner);
}

} // namespace

TEST_CASE("an unchanged recipe runs no make, and a changed patch rebuilds only its recipe") {
    auto e = make_engine("engine-cache");
    auto recipes = e.cache.parent_path() / "recipes";
    hello_copy(recipes, "hello-one", "first");
    hello_copy(recipes, "hello-two", "first");

    CountingRunner first;
    auto r1 = build_all(e, recipes, {"hello-one", "hello-two"}, first);
    REQUIRE(r1.failed == 0);
    CHECK(first.count_in("hello-one") == 1);
    CHECK(first.count_in("hello-two") == 1);

    CountingRunner second;
    auto r2 = build_all(e, recipes, {"hello-one", "hello-two"}, second);
    REQUIRE(r2.failed == 0);
    CHECK(second.builds.empty()); // nothing ran make or a build script
    for (const auto& o : r2.outcomes)
        CHECK(o.build->cached);

    hello_copy(recipes, "hello-two", "second"); // only its patch differs
    CountingRunner third;
    auto r3 = build_all(e, recipes, {"hello-one", "hello-two"}, third);
    REQUIRE(r3.failed == 0);
    CHECK(third.count_in("hello-one") == 0);
    CHECK(third.count_in("hello-two") == 1);
    auto ko = r3.outcomes[1].build->modules.at(0).file;
    auto bytes = util::read_bytes(ko);
    REQUIRE(bytes);
    CHECK(r3.outcomes[1].build->key != r1.outcomes[1].build->key);
}

TEST_CASE("a url source is fetched, checked, extracted and built") {
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("engine-url");
    fs::create_directories(dir / "pkg/hello-url-1.0");
    fs::copy(fs::path(WSLMOD_SOURCE_DIR) / "module-recipes/hello/files", dir / "pkg/hello-url-1.0",
             fs::copy_options::recursive);
    test::run_ok({"tar", "-C", (dir / "pkg").string(), "-czf",
                  (dir / "hello-url-1.0.tar.gz").string(), "hello-url-1.0"});
    auto sha = test::run_ok({"sha256sum", (dir / "hello-url-1.0.tar.gz").string()}).substr(0, 64);
    fs::create_directories(dir / "recipes/hello-url");
    std::ofstream(dir / "recipes/hello-url/recipe.toml")
        << "name = \"hello-url\"\nversion = \"1.0\"\nsummary = \"hello from an "
           "archive\"\n[source]\nurl = \"file://"
        << (dir / "hello-url-1.0.tar.gz").string() << "\"\nsha256 = \"" << sha
        << "\"\n[build]\nmodules = [\"hello\"]\n";
    auto r = test::run_wslmod({"--json", "recipe", "build", (dir / "recipes/hello-url").string(),
                               "--kernel", tree.string(), "--cache", (dir / "cache").string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    auto doc = nlohmann::json::parse(r.output);
    auto ko = doc["builds"][0]["modules"][0]["file"].get<std::string>();
    CHECK(test::run_ok({"modinfo", "-F", "vermagic", ko})
              .starts_with(test::debian_kernel().release + " "));
    CHECK(fs::exists(dir / "cache/sources" / sha)); // kept by its digest for the next run
}

TEST_CASE("the shipped recipes build, v4l2loopback from Debian's v4l2loopback-dkms package, each "
          "with the exact release") {
    const auto& k = test::debian_kernel();
    auto tree = test::prepared_tree();
    auto cache =
        (fs::path(WSLMOD_BINARY_DIR) / "tests/cache").string(); // shared: usbip-extra is built once
    // v4l2loopback's recipe names a deb: apt-get download fetches it into the cache.
    auto r = test::run_wslmod({"--json", "recipe", "build", "hello", "usbip-extra", "v4l2loopback",
                               "--kernel", tree.string(), "--cache", cache});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    auto doc = nlohmann::json::parse(r.output.substr(r.output.find('{')));
    REQUIRE(doc["builds"].size() == 3);
    size_t modules = 0;
    for (const auto& b : doc["builds"])
        for (const auto& m : b["modules"]) {
            ++modules;
            INFO(m["file"].get<std::string>());
            CHECK(test::run_ok({"modinfo", "-F", "vermagic", m["file"].get<std::string>()})
                      .starts_with(k.release + " "));
        }
    CHECK(modules >= 3 + 1 + 1);
    CHECK(doc["builds"][2]["recipe"] == "v4l2loopback");
    CHECK(doc["builds"][2]["modules"][0]["dest"] == "extra"); // DEST_MODULE_LOCATION="/extra"
    CHECK(fs::exists(fs::path(cache) / "debs"));              // the .deb, kept by its sha256
}

TEST_CASE("a compiler launcher given with cc-launcher compiles through ccache") {
    test::require_program("ccache");
    auto tree = test::prepared_tree();
    auto dir = test::scratch_dir("engine-ccache");
    hello_copy(dir / "recipes", "hello-cc", "ccache");
    auto ccache_dir = dir / "ccache";
    setenv("CCACHE_DIR", ccache_dir.c_str(), 1);
    auto r = test::run_wslmod({"recipe", "build", "hello-cc", "--cc-launcher", "ccache",
                               "--recipes", (dir / "recipes").string(), "--kernel", tree.string(),
                               "--cache", (dir / "cache").string()});
    unsetenv("CCACHE_DIR");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    // ccache saw the compiles: its cache folder now holds results.
    size_t files = 0;
    for (const auto& e : fs::recursive_directory_iterator(ccache_dir))
        files += e.is_regular_file();
    CHECK(files > 1);
}

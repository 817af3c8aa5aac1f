// The build scheduler driven through the fake runner: each recipe's make "builds" its module
// (the fake writes a small ELF with a .modinfo), so the real build_recipe checks, caches and
// publishes it.  Dependency order, a cache hit running nothing, a failure with and without
// --keep-going, and never more makes at once than the jobserver has slots.
#include <algorithm>
#include <fstream>

#include "engine/jobserver.h"
#include "engine/scheduler.h"
#include "support/catch.h"
#include "support/elf_builder.h"
#include "support/fake_runner.h"
#include "support/prereq.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

const std::string release = "6.1.0-test-amd64";

// A scratch folder with a fake prepared tree and one source folder per recipe.
struct Bench {
    fs::path dir;
    engine::TreeRef tree;
    engine::Plan plan;
    explicit Bench(const std::string& name) : dir(test::scratch_dir(name)) {
        fs::create_directories(dir / "tree");
        tree = {dir / "tree", release};
    }
    // Adds recipe `name` with one module of the same name, depending on `deps` (already added).
    void add(const std::string& name, const std::vector<std::string>& deps = {}) {
        recipe::Recipe r;
        r.name = name;
        r.version = "1.0";
        r.dir = dir / "recipes" / name;
        r.file = r.dir / "recipe.toml";
        r.path = r.dir / "files";
        fs::create_directories(r.path);
        std::ofstream(r.path / "Kbuild") << "obj-m += " << name << ".o\n";
        r.modules.push_back({name, "extra", ""});
        engine::PlannedRecipe p{r, {}, "key-" + name, true};
        for (const auto& d : deps) {
            p.recipe.depends.push_back(d);
            for (size_t i = 0; i < plan.recipes.size(); ++i)
                if (plan.recipes[i].recipe.name == d) p.deps.push_back(i);
        }
        plan.recipes.push_back(p);
    }
};

// The recipe a make call builds: its M= folder is <tmp>/<recipe>/<version>/build.
std::string recipe_of(const util::Command& c) {
    return fs::path(test::arg_value(c, "M=")).parent_path().parent_path().filename().string();
}

bool is_make(const util::Command& c) {
    return !c.argv.empty() && c.argv[0] == "make";
}

// What a successful make leaves: <recipe>.ko, a module of the test release.
void write_module(const util::Command& c) {
    auto name = recipe_of(c);
    const char nul = '\0';
    auto modinfo = test::bytes_of(std::string("license=GPL") + nul + "name=" + name + nul +
                                  "vermagic=" + release + " SMP mod_unload " + nul);
    auto elf = test::build_elf(1, {{".modinfo", 1, 0, modinfo}});
    std::ofstream(fs::path(test::arg_value(c, "M=")) / (name + ".ko"), std::ios::binary)
        .write(reinterpret_cast<const char*>(elf.data()), static_cast<std::streamsize>(elf.size()));
}

struct Run {
    engine::RunResult result;
    std::vector<std::string> made; // recipes whose make ran, in order
};

Run run(Bench& b, test::FakeRunner& runner, unsigned jobs, bool keep_going) {
    auto js = engine::Jobserver::create(jobs, "");
    REQUIRE(js);
    engine::BuildOptions opt{b.dir / "cache", "", &*js};
    auto before = runner.calls().size();
    Run r{engine::run_plan(b.plan, b.tree, opt, keep_going, runner), {}};
    auto calls = runner.calls();
    for (size_t i = before; i < calls.size(); ++i)
        if (is_make(calls[i])) r.made.push_back(recipe_of(calls[i]));
    for (const auto& o : r.result.outcomes)
        if (o.error) UNSCOPED_INFO(o.recipe << ": " << o.error->message());
    return r;
}

const engine::Outcome& outcome(const Run& r, const std::string& name) {
    for (const auto& o : r.result.outcomes)
        if (o.recipe == name) return o;
    FAIL("no outcome for " << name);
    return r.result.outcomes.front();
}

} // namespace

TEST_CASE(
    "the scheduler builds dependencies first, and a second run is all cache hits with no make",
    "[build]") {
    Bench b("build-scheduler-order");
    b.add("base");
    b.add("top", {"base"});
    b.add("other");
    test::FakeRunner runner;
    runner.on(is_make, 0, "", write_module);
    auto first = run(b, runner, 2, false);
    CHECK(first.result.failed == 0);
    REQUIRE(first.made.size() == 3);
    auto at = [&](const std::string& n) {
        return std::find(first.made.begin(), first.made.end(), n) - first.made.begin();
    };
    CHECK(at("base") < at("top"));
    for (const char* n : {"base", "top", "other"}) {
        const auto& o = outcome(first, n);
        REQUIRE(o.build);
        CHECK_FALSE(o.build->cached);
        REQUIRE(o.build->modules.size() == 1);
        CHECK(fs::exists(o.build->modules[0].file));
        CHECK(fs::exists(b.dir / "cache/builds" / ("key-" + std::string(n)) / ".complete"));
    }

    auto second = run(b, runner, 2, false);
    CHECK(second.result.failed == 0);
    CHECK(second.made.empty());
    for (const char* n : {"base", "top", "other"})
        CHECK(outcome(second, n).build->cached);
}

TEST_CASE("a failed recipe skips its dependants, and only --keep-going builds the rest",
          "[build]") {
    Bench b("build-scheduler-failure");
    b.add("broken");
    b.add("needs-broken", {"broken"});
    b.add("fine");
    test::FakeRunner runner;
    runner.on(is_make, 0, "", write_module);
    runner.on([](const util::Command& c) { return is_make(c) && recipe_of(c) == "broken"; }, 2,
              "error: broken.c:1: nope\n");

    // One slot: "broken" builds first and fails, so nothing else starts.
    auto stopped = run(b, runner, 1, false);
    CHECK(stopped.made == std::vector<std::string>{"broken"});
    REQUIRE(outcome(stopped, "broken").error);
    CHECK(outcome(stopped, "broken")
              .error->message()
              .find("recipe broken failed: its build step exited with 2") != std::string::npos);
    CHECK_FALSE(outcome(stopped, "fine").build);
    CHECK_FALSE(fs::exists(b.dir / "cache/builds/key-broken"));

    auto kept = run(b, runner, 1, true);
    CHECK(kept.made == std::vector<std::string>{"broken", "fine"});
    CHECK(kept.result.failed == 2);
    REQUIRE(outcome(kept, "needs-broken").error);
    CHECK(outcome(kept, "needs-broken").error->message().find("broken") != std::string::npos);
    REQUIRE(outcome(kept, "fine").build);
    CHECK_FALSE(outcome(kept, "fine").build->cached);
    // The failed build left its log, and no cache entry that a later run would take.
    CHECK(fs::exists(b.dir / "cache/builds" / "broken-key-broken.log"));
    CHECK_FALSE(fs::exists(b.dir / "cache/builds/key-broken"));
}

TEST_CASE("independent recipes build at once, never more than the jobserver's slots", "[build]") {
    Bench b("build-scheduler-slots");
    for (const char* n : {"m1", "m2", "m3", "m4", "m5"})
        b.add(n);
    test::FakeRunner runner;
    runner.on(is_make, 0, "", write_module);
    runner.expect_concurrency(2);
    auto two = run(b, runner, 2, false);
    CHECK(two.result.failed == 0);
    CHECK(two.made.size() == 5);
    CHECK(runner.max_concurrent() == 2);

    Bench one_slot("build-scheduler-one-slot");
    for (const char* n : {"m1", "m2"})
        one_slot.add(n);
    test::FakeRunner serial;
    serial.on(is_make, 0, "", write_module);
    serial.expect_concurrency(2); // waits half a second per make, and never sees two
    CHECK(run(one_slot, serial, 1, false).result.failed == 0);
    CHECK(serial.max_concurrent() == 1);
}

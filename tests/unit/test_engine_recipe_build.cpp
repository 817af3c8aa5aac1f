// One recipe's build (engine::build_recipe) driven through the fake runner on a scratch folder:
// the make line it runs, the declared modules collected from what the fake make wrote, a
// missing module or a failing make reported with the right file, and a cache hit that runs
// nothing.  The fake make writes small ELF files with a .modinfo, so the real checks
// (libkmod-free module_info, vermagic against the tree's release) judge them.
#include <fstream>
#include <functional>
#include <map>

#include "engine/jobserver.h"
#include "engine/recipe_build.h"
#include "support/catch.h"
#include "support/elf_builder.h"
#include "support/fake_runner.h"
#include "support/files.h"
#include "support/prereq.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

const std::string release = "6.1.0-test-amd64";

bool is_make(const util::Command& c) {
    return !c.argv.empty() && c.argv[0] == "make";
}

// The value the command's process sees for `key` (the last assignment wins), or "".
std::string env_of(const util::Command& c, const std::string& key) {
    std::string out;
    for (const auto& [k, v] : c.env)
        if (k == key) out = v;
    return out;
}

// The bytes of a module named `name` whose vermagic names `of_release`.
std::string module_bytes(const std::string& name, const std::string& of_release) {
    const char nul = '\0';
    auto modinfo = test::bytes_of(std::string("license=GPL") + nul + "name=" + name + nul +
                                  "vermagic=" + of_release + " SMP mod_unload " + nul);
    auto elf = test::build_elf(1, {{".modinfo", 1, 0, modinfo}});
    return std::string(reinterpret_cast<const char*>(elf.data()), elf.size());
}

void write(const fs::path& p, const std::string& data) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << data;
}

// A scratch folder with an (empty) prepared tree, a cache, and recipe "hello" 1.0 whose path
// source declares hello (found anywhere) and world (in sub/).
struct Bench {
    fs::path dir;
    engine::TreeRef tree;
    recipe::Recipe recipe;
    std::string key;
    explicit Bench(const std::string& name) : dir(test::scratch_dir(name)) {
        fs::create_directories(dir / "tree");
        tree = {dir / "tree", release};
        recipe.name = "hello";
        recipe.version = "1.0";
        recipe.dir = dir / "recipes/hello";
        recipe.file = recipe.dir / "recipe.toml";
        recipe.source = recipe::SourceKind::path;
        recipe.path = recipe.dir / "files";
        recipe.make_args = {"V=1"};
        recipe.modules = {{"hello", "extra/hello", ""}, {"world", "kernel/drivers/misc", "sub"}};
        write(recipe.file, "name = \"hello\"\n");
        write(recipe.path / "Kbuild", "obj-m += hello.o\nobj-m += sub/\n");
        write(recipe.path / "sub/Kbuild", "obj-m += world.o\n");
        auto k = engine::recipe_key(recipe, tree, "gcc (test) 12", {});
        REQUIRE(k);
        key = *k;
    }
    fs::path cache() const { return dir / "cache"; }
    fs::path entry() const { return cache() / "builds" / key; }
    fs::path kept_log() const {
        return cache() / "builds" / ("hello-" + key.substr(0, 12) + ".log");
    }
};

// What a fake make writes below its M= folder: relative path -> contents.  It also notes what
// it found staged there, as the real make would read it.
struct FakeMake {
    std::map<std::string, std::string> writes;
    std::string staged_kbuild;
    void operator()(const util::Command& c) {
        fs::path m = test::arg_value(c, "M=");
        std::ifstream in(m / "Kbuild");
        staged_kbuild.assign(std::istreambuf_iterator<char>(in), {});
        for (const auto& [rel, data] : writes)
            write(m / rel, data);
    }
};

util::Result<engine::RecipeBuild> build(const Bench& b, test::FakeRunner& runner,
                                        engine::Jobserver& js, const std::string& launcher = "") {
    engine::BuildOptions opt{b.cache(), launcher, &js};
    auto r = engine::build_recipe(b.recipe, b.key, b.tree, {}, opt, runner);
    if (!r) UNSCOPED_INFO(r.error().message());
    return r;
}

// Entries below <cache>/builds other than the kept logs: a failed build must leave none.
std::vector<std::string> entries_in_builds(const Bench& b) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(b.cache() / "builds", ec))
        if (e.path().extension() != ".log") out.push_back(e.path().filename().string());
    return out;
}

} // namespace

TEST_CASE("build_recipe runs Kbuild's make in the staged build folder against the tree, with the "
          "jobserver",
          "[build]") {
    Bench b("engine-recipe-build-make");
    auto js = engine::Jobserver::create(3, "");
    REQUIRE(js);
    FakeMake make;
    make.writes = {{"hello.ko", module_bytes("hello", release)},
                   {"sub/world.ko", module_bytes("world", release)}};
    test::FakeRunner runner;
    runner.on(is_make, 0, "  CC [M]  hello.o\n", std::ref(make));
    auto built = build(b, runner, *js, "ccache");
    REQUIRE(built);

    auto calls = runner.calls();
    REQUIRE(calls.size() == 1);
    const auto& c = calls[0];
    fs::path m = test::arg_value(c, "M=");
    // The build folder is DKMS's <name>/<version>/build inside the entry's temporary.
    CHECK(m.filename() == "build");
    CHECK(m.parent_path().filename() == "1.0");
    CHECK(m.parent_path().parent_path().filename() == "hello");
    CHECK(m.parent_path().parent_path().parent_path().parent_path() == b.cache() / "builds");
    CHECK(c.argv == std::vector<std::string>{"make", "-C", b.tree.dir.string(), "M=" + m.string(),
                                             "V=1", "modules"});
    CHECK(c.cwd == m);
    CHECK(env_of(c, "kernelver") == release);
    CHECK(env_of(c, "kernel_source_dir") == b.tree.dir.string());
    // make joins wslmod's jobserver through MAKEFLAGS, with the launcher as a command-line
    // override.
    CHECK(env_of(c, "MAKEFLAGS") == js->makeflags({"CC=ccache gcc"}));
    CHECK(env_of(c, "MAKEFLAGS").starts_with(" -j3 --jobserver-auth="));
    CHECK(env_of(c, "MAKEFLAGS").ends_with(R"( -- CC=ccache\ gcc)"));
    // make saw the recipe's source staged into its M= folder, and the recipe itself is untouched.
    CHECK(make.staged_kbuild == "obj-m += hello.o\nobj-m += sub/\n");
    CHECK_FALSE(fs::exists(b.recipe.path / "hello.ko"));
    CHECK(fs::is_empty(b.tree.dir));
    // The staging folder went away with the published entry.
    CHECK_FALSE(fs::exists(m));
    CHECK(entries_in_builds(b) == std::vector<std::string>{b.key});
}

TEST_CASE(
    "build_recipe collects each declared module from what make wrote into a complete cache entry",
    "[build]") {
    Bench b("engine-recipe-build-collect");
    auto js = engine::Jobserver::create(1, "");
    REQUIRE(js);
    FakeMake make;
    auto hello = module_bytes("hello", release), world = module_bytes("world", release);
    // world.ko where the recipe says (sub/); a stray world.ko elsewhere must not be taken.
    make.writes = {{"hello.ko", hello},
                   {"sub/world.ko", world},
                   {"other/world.ko", module_bytes("decoy", release)},
                   {"Module.symvers", "0x1234abcd\thello_export\thello\tEXPORT_SYMBOL_GPL\t\n"}};
    test::FakeRunner runner;
    runner.on(is_make, 0, "make output for the log\n", std::ref(make));
    auto built = build(b, runner, *js);
    REQUIRE(built);
    CHECK_FALSE(built->cached);
    CHECK(built->recipe == "hello");
    CHECK(built->key == b.key);
    REQUIRE(built->modules.size() == 2);
    CHECK(built->modules[0].name == "hello");
    CHECK(built->modules[0].dest == "extra/hello");
    CHECK(built->modules[0].file == b.entry() / "modules/hello.ko");
    CHECK(built->modules[1].name == "world");
    CHECK(built->modules[1].dest == "kernel/drivers/misc");
    CHECK(built->modules[1].file == b.entry() / "modules/world.ko");
    CHECK(test::read_text(built->modules[0].file) == hello);
    CHECK(test::read_text(built->modules[1].file) == world); // from sub/, not the decoy
    CHECK(fs::exists(b.entry() / ".complete"));
    CHECK(built->symvers == b.entry() / "Module.symvers");
    CHECK(test::read_text(built->symvers).find("\thello_export\t") != std::string::npos);
    auto log = test::read_text(built->log);
    CHECK(log.find("make -C " + b.tree.dir.string()) != std::string::npos);
    CHECK(log.find("make output for the log\n") != std::string::npos);
    auto meta = test::read_text(b.entry() / "build.json");
    CHECK(meta.find("\"release\": \"" + release + "\"") != std::string::npos);
    CHECK(meta.find("\"dest\": \"kernel/drivers/misc\"") != std::string::npos);
    CHECK_FALSE(fs::exists(b.kept_log())); // kept only for failures
}

TEST_CASE(
    "build_recipe fails naming a declared module that make did not produce, and keeps no entry",
    "[build]") {
    Bench b("engine-recipe-build-missing");
    auto js = engine::Jobserver::create(1, "");
    REQUIRE(js);
    FakeMake make;
    std::string missing;
    SECTION("a module searched for everywhere and found nowhere") {
        make.writes = {{"sub/world.ko", module_bytes("world", release)}};
        missing = "hello.ko";
    }
    SECTION("a module made, but not in the folder the recipe declares") {
        make.writes = {{"hello.ko", module_bytes("hello", release)},
                       {"world.ko", module_bytes("world", release)}};
        missing = "world.ko";
    }
    test::FakeRunner runner;
    runner.on(is_make, 0, "", std::ref(make));
    auto built = build(b, runner, *js);
    REQUIRE_FALSE(built);
    CHECK(built.error().what == "recipe hello did not produce " + missing);
    CHECK(built.error().where == b.recipe.file.string());
    CHECK(runner.count(is_make) == 1);
    CHECK_FALSE(fs::exists(b.entry()));
    CHECK(entries_in_builds(b).empty());
    CHECK(fs::exists(b.kept_log()));
}

TEST_CASE("build_recipe refuses a module whose vermagic names another release", "[build]") {
    Bench b("engine-recipe-build-vermagic");
    auto js = engine::Jobserver::create(1, "");
    REQUIRE(js);
    FakeMake make;
    make.writes = {{"hello.ko", module_bytes("hello", "6.1.0-other-amd64")},
                   {"sub/world.ko", module_bytes("world", release)}};
    test::FakeRunner runner;
    runner.on(is_make, 0, "", std::ref(make));
    auto built = build(b, runner, *js);
    REQUIRE_FALSE(built);
    CHECK(built.error().what.find("hello.ko has vermagic '6.1.0-other-amd64") == 0);
    CHECK(built.error().what.find("not release " + release) != std::string::npos);
    CHECK(fs::path(built.error().where).filename() == "hello.ko");
    CHECK_FALSE(fs::exists(b.entry()));
}

TEST_CASE("a make that exits non-zero fails the build with the kept log as where", "[build]") {
    Bench b("engine-recipe-build-make-fails");
    auto js = engine::Jobserver::create(1, "");
    REQUIRE(js);
    test::FakeRunner runner;
    runner.on(is_make, 2, "hello.c:3:1: error: expected declaration\n");
    auto built = build(b, runner, *js);
    REQUIRE_FALSE(built);
    CHECK(built.error().what == "recipe hello failed: its build step exited with 2");
    CHECK(built.error().where == b.kept_log().string());
    auto log = test::read_text(b.kept_log());
    CHECK(log.find("hello.c:3:1: error: expected declaration\n") != std::string::npos);
    CHECK(log.find(" M=") != std::string::npos); // the command that failed, before its output
    CHECK_FALSE(fs::exists(b.entry()));
    CHECK(entries_in_builds(b).empty());
}

TEST_CASE("a second build_recipe with the same key is a cache hit that runs nothing", "[build]") {
    Bench b("engine-recipe-build-cached");
    auto js = engine::Jobserver::create(1, "");
    REQUIRE(js);
    FakeMake make;
    auto hello = module_bytes("hello", release);
    make.writes = {{"hello.ko", hello}, {"sub/world.ko", module_bytes("world", release)}};
    test::FakeRunner runner;
    runner.on(is_make, 0, "", std::ref(make));
    auto first = build(b, runner, *js);
    REQUIRE(first);
    REQUIRE(runner.calls().size() == 1);

    // Were anything run now, it would fail: a hit must not need make at all.
    runner.on(is_make, 2, "must not run\n");
    auto second = build(b, runner, *js);
    REQUIRE(second);
    CHECK(runner.calls().size() == 1);
    CHECK(second->cached);
    CHECK(second->seconds == 0);
    REQUIRE(second->modules.size() == 2);
    CHECK(second->modules[0].file == first->modules[0].file);
    CHECK(test::read_text(second->modules[0].file) == hello);
    CHECK(second->log == first->log);

    // Another key is another entry: it builds (and here fails, as scripted last).
    b.key = "0123456789abcdef0123456789abcdef";
    auto other = build(b, runner, *js);
    CHECK_FALSE(other);
    CHECK(runner.calls().size() == 2);
}

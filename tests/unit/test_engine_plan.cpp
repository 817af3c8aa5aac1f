// plan_builds over path recipes in scratch folders: the closure of depends, dependencies
// first, cycles and missing dependencies named, one recipe per module name, requirements
// checked, and cache keys that follow a dependency's content and nothing else.
#include <fstream>
#include <map>

#include "engine/plan.h"
#include "support/catch.h"
#include "support/prereq.h"

using namespace wslmod;
using namespace wslmod::engine;
namespace fs = std::filesystem;

namespace {

// A folder of path recipes: write() puts one in place, load() reads it back.
struct Recipes {
    fs::path dir;

    explicit Recipes(const std::string& name) : dir(test::scratch_dir("plan-" + name)) {}

    void write(const std::string& name, const std::vector<std::string>& depends,
               const std::vector<std::string>& modules, const std::string& extra = "") const {
        auto d = dir / name;
        fs::create_directories(d / "files");
        std::ofstream(d / "files/Kbuild") << "obj-m := " << name << ".o\n";
        std::ofstream(d / "files" / (name + ".c")) << "/* " << name << " */\n";
        auto quoted = [](const std::vector<std::string>& v) {
            std::string out;
            for (const auto& s : v)
                out += (out.empty() ? "\"" : ", \"") + s + "\"";
            return "[" + out + "]";
        };
        std::ofstream(d / "recipe.toml")
            << "name = \"" << name << "\"\nversion = \"1\"\nsummary = \"test\"\n"
            << "depends = " << quoted(depends) << "\n"
            << "[source]\npath = \"files\"\n[build]\nmodules = " << quoted(modules) << "\n"
            << extra;
    }

    recipe::Recipe load(const std::string& name) const {
        auto r = recipe::load_recipe(dir / name);
        INFO((r ? "" : r.error().message()));
        REQUIRE(r);
        return *r;
    }

    RecipeLookup lookup() const {
        return [this](const std::string& name) -> util::Result<recipe::Recipe> {
            if (!fs::exists(dir / name / "recipe.toml"))
                return util::bad_input("no recipe named " + name);
            return recipe::load_recipe(dir / name);
        };
    }
};

TreeRef tree() {
    return {fs::path("/nonexistent/trees/0123456789abcdef"), "6.12.117+deb12-amd64"};
}

Target target() {
    Target t;
    t.release = "6.12.117+deb12-amd64";
    t.config_file = "test.config";
    auto config = kernel::parse_config("CONFIG_USB=m\nCONFIG_INPUT=y\n", t.config_file);
    REQUIRE(config);
    t.config = *config;
    return t;
}

util::Result<Plan> plan(const Recipes& rs, const std::vector<std::string>& names) {
    std::vector<recipe::Recipe> requested;
    for (const auto& n : names)
        requested.push_back(rs.load(n));
    util::SystemRunner runner; // runs nothing: no dkms sources here
    return plan_builds(requested, rs.lookup(), tree(), target(), "gcc (test) 12", runner);
}

std::vector<std::string> names(const Plan& p) {
    std::vector<std::string> out;
    for (const auto& r : p.recipes)
        out.push_back(r.recipe.name);
    return out;
}

size_t index_of(const Plan& p, const std::string& name) {
    for (size_t i = 0; i < p.recipes.size(); ++i)
        if (p.recipes[i].recipe.name == name) return i;
    FAIL("no " << name << " in the plan");
    return 0;
}

std::map<std::string, std::string> keys(const Plan& p) {
    std::map<std::string, std::string> out;
    for (const auto& r : p.recipes)
        out[r.recipe.name] = r.key;
    return out;
}

std::map<std::string, std::string> keys(const util::Result<Plan>& p) {
    INFO((p ? "" : p.error().message()));
    REQUIRE(p);
    return keys(*p);
}

util::Error refusal(const util::Result<Plan>& p) {
    REQUIRE_FALSE(p);
    INFO(p.error().message());
    CHECK(p.error().code == util::ExitCode::usage);
    CHECK(p.error().message().find('\n') == std::string::npos);
    return p.error();
}

} // namespace

TEST_CASE("plan_builds puts dependencies first and pulls in the ones not asked for") {
    Recipes rs("order");
    rs.write("app", {"mid", "base"}, {"app"});
    rs.write("mid", {"base"}, {"mid"});
    rs.write("base", {}, {"base"});
    rs.write("unrelated", {}, {"unrelated"});
    auto p = plan(rs, {"app"});
    INFO((p ? "" : p.error().message()));
    REQUIRE(p);
    CHECK(names(*p) == std::vector<std::string>{"base", "mid", "app"}); // unrelated stays out
    for (size_t i = 0; i < p->recipes.size(); ++i)
        for (auto d : p->recipes[i].deps)
            CHECK(d < i);
    auto app = index_of(*p, "app"), mid = index_of(*p, "mid"), base = index_of(*p, "base");
    CHECK(p->recipes[app].deps == std::vector<size_t>{mid, base});
    CHECK(p->recipes[mid].deps == std::vector<size_t>{base});
    CHECK(p->recipes[base].deps.empty());
    CHECK(p->recipes[app].requested);
    CHECK_FALSE(p->recipes[mid].requested);
    CHECK_FALSE(p->recipes[base].requested);
    for (const auto& r : p->recipes)
        CHECK(r.key.size() == 32);
}

TEST_CASE("plan_builds marks a requested recipe that is also a dependency as requested, once") {
    Recipes rs("requested-dep");
    rs.write("app", {"base"}, {"app"});
    rs.write("base", {}, {"base"});
    auto p = plan(rs, {"app", "base"});
    REQUIRE(p);
    CHECK(names(*p) == std::vector<std::string>{"base", "app"});
    CHECK(p->recipes[0].requested);
    CHECK(p->recipes[1].requested);
    auto q = plan(rs, {"base", "app"});
    REQUIRE(q);
    CHECK(names(*q) == std::vector<std::string>{"base", "app"});
}

TEST_CASE("plan_builds refuses a dependency cycle, naming it") {
    Recipes rs("cycle");
    rs.write("a", {"b"}, {"a"});
    rs.write("b", {"a"}, {"b"});
    auto e = refusal(plan(rs, {"a"}));
    CHECK(e.what.find("a -> b -> a") != std::string::npos);
    CHECK(e.where == (rs.dir / "a/recipe.toml").string());

    Recipes three("cycle3");
    three.write("x", {"y"}, {"x"});
    three.write("y", {"z"}, {"y"});
    three.write("z", {"y"}, {"z"});
    e = refusal(plan(three, {"x"}));
    CHECK(e.what.find("y -> z -> y") != std::string::npos);

    Recipes self("cycle-self");
    self.write("s", {"s"}, {"s"});
    e = refusal(plan(self, {"s"}));
    CHECK(e.what.find("s -> s") != std::string::npos);
}

TEST_CASE("plan_builds refuses a dependency that cannot be found, naming it and the recipe") {
    Recipes rs("missing");
    rs.write("app", {"base"}, {"app"});
    rs.write("base", {"nowhere"}, {"base"});
    auto e = refusal(plan(rs, {"app"}));
    CHECK(e.what.find("'nowhere'") != std::string::npos);
    CHECK(e.what.find("recipe base") != std::string::npos);
    CHECK(e.where == (rs.dir / "base/recipe.toml").string());
}

TEST_CASE("plan_builds refuses two recipes producing the same module") {
    Recipes rs("same-module");
    rs.write("one", {}, {"foo", "one"});
    rs.write("two", {}, {"two", "foo"});
    auto e = refusal(plan(rs, {"one", "two"}));
    CHECK(e.what.find("module foo") != std::string::npos);
    CHECK(e.what.find("one") != std::string::npos);
    CHECK(e.what.find("two") != std::string::npos);

    // The kernel treats '-' and '_' alike: foo-bar and foo_bar are one module.
    Recipes dash("dash-module");
    dash.write("one", {}, {"foo-bar"});
    dash.write("two", {}, {"foo_bar"});
    e = refusal(plan(dash, {"one", "two"}));
    CHECK(e.what.find("foo_bar") != std::string::npos);

    // Also when one of them comes in only as a dependency.
    Recipes dep("dep-module");
    dep.write("app", {"base"}, {"shared"});
    dep.write("base", {}, {"shared"});
    refusal(plan(dep, {"app"}));
}

TEST_CASE("plan_builds checks every recipe's requirements, dependencies included") {
    Recipes rs("requirements");
    rs.write("app", {"base"}, {"app"});
    rs.write("base", {}, {"base"}, "[requires]\nkernel = \"<5.0\"\n");
    auto e = refusal(plan(rs, {"app"}));
    CHECK(e.where == (rs.dir / "base/recipe.toml").string());
    CHECK(e.what.find("<5.0") != std::string::npos);
}

TEST_CASE("plan_builds keys are stable and follow a dependency's content") {
    Recipes rs("keys");
    rs.write("app", {"base"}, {"app"});
    rs.write("base", {}, {"base"});
    rs.write("other", {}, {"other"});
    auto first = plan(rs, {"app", "other"});
    REQUIRE(first);
    auto again = plan(rs, {"app", "other"});
    REQUIRE(again);
    auto k1 = keys(*first), k2 = keys(*again);
    CHECK(k1 == k2);
    CHECK(k1.at("app") != k1.at("base"));

    // A change in the dependency's folder changes its key and its dependent's, nothing else.
    std::ofstream(rs.dir / "base/files/base.c") << "/* base, changed */\n";
    auto changed = plan(rs, {"app", "other"});
    REQUIRE(changed);
    auto k3 = keys(*changed);
    CHECK(k3.at("base") != k1.at("base"));
    CHECK(k3.at("app") != k1.at("app"));
    CHECK(k3.at("other") == k1.at("other"));

    // A change in the dependent leaves the dependency's key alone.
    std::ofstream(rs.dir / "app/files/app.c") << "/* app, changed */\n";
    auto k4 = keys(plan(rs, {"app", "other"}));
    CHECK(k4.at("base") == k3.at("base"));
    CHECK(k4.at("app") != k3.at("app"));

    // A new file in the dependency counts too.
    std::ofstream(rs.dir / "base/files/extra.h") << "#define X 1\n";
    auto k5 = keys(plan(rs, {"app", "other"}));
    CHECK(k5.at("base") != k4.at("base"));
    CHECK(k5.at("app") != k4.at("app"));
}

TEST_CASE("plan_builds keys change with the compiler and the tree") {
    Recipes rs("keys-inputs");
    rs.write("solo", {}, {"solo"});
    std::vector<recipe::Recipe> req{rs.load("solo")};
    util::SystemRunner runner;
    auto base = plan_builds(req, rs.lookup(), tree(), target(), "gcc 12", runner);
    auto other_cc = plan_builds(req, rs.lookup(), tree(), target(), "gcc 13", runner);
    auto other_tree = plan_builds(req, rs.lookup(),
                                  TreeRef{"/nonexistent/trees/fedcba9876543210", tree().release},
                                  target(), "gcc 12", runner);
    REQUIRE(base);
    REQUIRE(other_cc);
    REQUIRE(other_tree);
    CHECK(base->recipes[0].key != other_cc->recipes[0].key);
    CHECK(base->recipes[0].key != other_tree->recipes[0].key);
}

// The catalog end to end: every shipped catalog recipe (the categories WSL users ask for, see
// module-recipes/*/recipe.toml's "why" lines) built against the Debian stand-in, merged with
// Debian's full stock modules, and every module it yields loaded in one boot.  Debian's stock
// tree already has most of these drivers, so each kernel-tree recipe's build takes the stock
// copy's place: the image report and `inspect --diff` list them as replaced, and the guest's
// modinfo shows the recipe's copy, not Debian's, is the one that loads.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "recipe/catalog.h"
#include "support/catch.h"
#include "support/debian_boot.h"
#include "support/devel_tree.h"
#include "support/module_name.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

// The shipped recipes that are catalog entries: all but the hello demo.
std::vector<recipe::Recipe> catalog() {
    auto all = recipe::list_recipes({fs::path(WSLMOD_SOURCE_DIR) / "module-recipes"});
    REQUIRE(all);
    std::vector<recipe::Recipe> out;
    for (const auto& r : *all)
        if (r.name != "hello") out.push_back(r);
    return out;
}

} // namespace

TEST_CASE("every catalog module builds, takes the stock copy's place, and loads in the stand-in") {
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("catalog-boot");
    auto recipes = catalog();
    REQUIRE(recipes.size() >= 7);
    std::vector<std::string> argv{"--json",
                                  "build",
                                  "--kernel",
                                  test::prepared_tree().string(),
                                  "--cache",
                                  (fs::path(WSLMOD_BINARY_DIR) / "tests/cache").string(),
                                  "--stock-modules",
                                  k.modules.string(),
                                  "-o",
                                  (dir / "modules.vhdx").string()};
    std::map<std::string, std::string> recipe_of; // module (kernel spelling) -> recipe
    for (const auto& r : recipes) {
        argv.push_back(r.name);
        for (const auto& m : r.modules)
            recipe_of[test::kernel_name(m.name)] = r.name;
    }
    auto built = test::run_wslmod(argv);
    INFO(built.output);
    REQUIRE(built.exit_code == 0);
    auto doc = nlohmann::json::parse(built.output.substr(built.output.find('{')));
    const auto& img = doc["image"];

    // Debian has every kernel-tree driver stock: each is replaced by the recipe's build.
    std::set<std::string> replaced, added;
    for (const auto& r : img["replaced"]) {
        replaced.insert(test::kernel_name(r["name"].get<std::string>()));
        CHECK(r["path"].get<std::string>().starts_with("extra/"));
    }
    for (const auto& a : img["added"])
        added.insert(test::kernel_name(a["name"].get<std::string>()));
    std::set<std::string> yielded;
    for (const auto& [m, r] : recipe_of)
        yielded.insert(m);
    std::set<std::string> merged = replaced;
    merged.insert(added.begin(), added.end());
    CHECK(merged == yielded);
    CHECK(replaced.count("gs_usb"));
    CHECK(added.count("v4l2loopback")); // not a Debian stock module

    auto diff = test::run_wslmod(
        {"--json", "inspect", (dir / "modules.vhdx").string(), "--diff", k.modules.string()});
    INFO(diff.output);
    REQUIRE(diff.exit_code == 0);
    auto d = nlohmann::json::parse(diff.output);
    std::set<std::string> diffed;
    for (const char* kind : {"added", "changed"})
        for (const auto& m : d[kind])
            diffed.insert(test::kernel_name(m["name"].get<std::string>()));
    CHECK(diffed == yielded);

    // One boot loads them all, each from the recipe's folder.
    std::string names;
    for (const auto& m : yielded)
        names += " " + m;
    auto spec = test::debian_boot_spec(dir / "boot");
    spec.disk = dir / "modules.vhdx";
    spec.commands = {"for m in" + names +
                         "; do if modprobe $m; then echo \"loaded $m $(modinfo -n $m)\"; else "
                         "echo \"FAILED $m\"; fi; done",
                     "cat /proc/modules"};
    auto result = test::boot_ok(spec, 2);
    INFO(result.describe());
    const auto& c = result.report.commands;
    std::set<std::string> loaded;
    std::istringstream lines(c[0].output);
    for (std::string l; std::getline(lines, l);) {
        INFO(l);
        CHECK_FALSE(l.starts_with("FAILED "));
        if (!l.starts_with("loaded ")) continue;
        std::istringstream words(l.substr(7));
        std::string name, path;
        words >> name >> path;
        loaded.insert(name);
        CHECK(path.find("/lib/modules/" + k.release + "/extra/") == 0); // wslmod's copy
    }
    CHECK(loaded == yielded);
    for (const auto& m : yielded) {
        INFO("module " << m);
        CHECK(("\n" + c[1].output).find("\n" + m + " ") != std::string::npos);
    }
}

// The daily flow in an empty folder on the Debian profile: `init`, `add hello`, `add
// usbip-extra`.  The second add compiles only usbip-extra, and the Debian kernel boots with the
// image and loads hello and every usbip-extra driver from it.  Debian's stock tree already has
// those drivers, so the image carries usbip-extra's builds in place of the stock copies (a
// kernel-tree recipe replaces what it rebuilds from its own folders).
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "recipe/recipe.h"
#include "support/catch.h"
#include "support/debian_boot.h"
#include "support/devel_tree.h"
#include "support/module_name.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

nlohmann::json json_of(const util::CommandOutput& out) {
    auto at = out.output.find('{');
    REQUIRE(at != std::string::npos);
    return nlohmann::json::parse(out.output.substr(at));
}

// recipe -> cached, from a build's JSON.
std::map<std::string, bool> cached_by_recipe(const nlohmann::json& doc) {
    std::map<std::string, bool> out;
    for (const auto& b : doc["builds"])
        out[b["recipe"].get<std::string>()] = b["cached"].get<bool>();
    return out;
}

} // namespace

TEST_CASE("init then add hello then add usbip-extra: the second add compiles only usbip-extra and "
          "both load") {
    const auto& k = test::debian_kernel();
    auto shared_tree = test::prepared_tree();
    auto dir = test::scratch_dir("project-boot");
    auto project = dir / "project";
    // A cache of this test's own, so that nothing was built before; the prepared tree and the
    // stock entry are linked in from the shared test cache (preparing is not what is tested).
    auto cache = dir / "cache";
    fs::create_directories(cache / "trees");
    test::run_ok({"cp", "-a", "--link", shared_tree.string(),
                  (cache / "trees" / shared_tree.filename()).string()});
    auto shared_stock = shared_tree.parent_path().parent_path() / "stock";
    if (fs::is_directory(shared_stock))
        test::run_ok({"cp", "-a", "--link", shared_stock.string(), (cache / "stock").string()});
    auto wslmod = [&](std::vector<std::string> args) {
        args.insert(args.begin(), test::wslmod_binary().string());
        return test::run_tool(args, project);
    };
    fs::create_directories(project);
    auto init = wslmod({"init"});
    INFO(init.output);
    REQUIRE(init.exit_code == 0);

    auto first = wslmod({"--json", "add", "hello", "--cache", cache.string()});
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    CHECK(cached_by_recipe(json_of(first)) == std::map<std::string, bool>{{"hello", false}});

    auto second = wslmod({"--json", "add", "usbip-extra", "--cache", cache.string()});
    INFO(second.output);
    REQUIRE(second.exit_code == 0);
    auto doc = json_of(second);
    CHECK(cached_by_recipe(doc) ==
          std::map<std::string, bool>{{"hello", true}, {"usbip-extra", false}});

    auto usbip = recipe::load_recipe(fs::path(WSLMOD_SOURCE_DIR) / "module-recipes/usbip-extra");
    REQUIRE(usbip);
    std::set<std::string> drivers, replaced;
    for (const auto& m : usbip->modules)
        drivers.insert(test::kernel_name(m.name));
    for (const auto& r : doc["image"]["replaced"]) {
        CHECK(r["recipe"] == "usbip-extra");
        CHECK(r["stock_path"].get<std::string>().starts_with("kernel/drivers/"));
        replaced.insert(test::kernel_name(r["name"].get<std::string>()));
    }
    CHECK(replaced == drivers); // Debian ships them all; the image carries usbip-extra's builds

    std::string loop = "for m in hello";
    for (const auto& m : drivers)
        loop += " " + m;
    loop += "; do if modprobe $m; then echo \"loaded $m\"; else echo \"FAILED $m\"; fi; done";
    auto spec = test::debian_boot_spec(dir / "boot");
    spec.disk = project / "modules.vhdx";
    spec.commands = {loop, "cat /proc/modules", "modinfo -n hello xr_serial"};
    auto result = test::boot_ok(spec, 3);
    INFO(result.describe());
    const auto& c = result.report.commands;
    CHECK(c[0].output.find("FAILED") == std::string::npos);
    std::set<std::string> in_kernel;
    std::istringstream pm(c[1].output);
    for (std::string l; std::getline(pm, l);)
        in_kernel.insert(l.substr(0, l.find(' ')));
    CHECK(in_kernel.count("hello"));
    for (const auto& m : drivers) {
        INFO("module " << m);
        CHECK(in_kernel.count(m));
    }
    CHECK(c[2].output.find("/lib/modules/" + k.release + "/extra/hello/hello.ko.xz") !=
          std::string::npos);
    CHECK(c[2].output.find("/lib/modules/" + k.release + "/extra/usbip-extra/xr_serial.ko.xz") !=
          std::string::npos);
}

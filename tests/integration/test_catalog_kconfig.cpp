// The catalog's [kconfig] options against the kernel source's own Kconfig: every symbol an
// option depends on is set in both stock WSL configs (../shared/kernel-configs) or is another
// option of the same recipe, so the option would take in either stock kernel.  A failure names
// the option, the dependency that blocks it and the config that lacks it.  The Kconfig read is
// the stand-in's (6.12), between the two stock releases.
#include "kernel/config.h"
#include "kernel/kconfig_symbols.h"
#include "recipe/catalog.h"
#include "support/catch.h"
#include "support/devel_tree.h"
#include "support/files.h"
#include "support/prereq.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

// Menus that only gate what Kconfig offers: no code is built or compiled differently for
// them, so a module under them loads although the stock config leaves the menu closed.  Each
// is a bool `menuconfig` whose only Makefile use is descending into the folder the recipe
// builds itself.
const std::set<std::string> menu_gates = {
    "INPUT_JOYSTICK", // drivers/input/Makefile: obj-$(CONFIG_INPUT_JOYSTICK) += joystick/
};

} // namespace

TEST_CASE("catalog: every kconfig option's Kconfig dependencies are met in both stock configs") {
    auto tree = test::prepared_tree();
    auto index = kernel::kconfig_index(tree);
    REQUIRE(index.defined.count("CAN_GS_USB"));
    std::vector<std::pair<std::string, kernel::KernelConfig>> configs;
    for (const char* name : {"config-wsl-6.6.87.1", "config-wsl-6.18.20.1"}) {
        auto file = test::shared_dir() / "kernel-configs" / name;
        auto parsed = kernel::parse_config(test::read_text(file), file.string());
        REQUIRE(parsed);
        configs.emplace_back(name, *parsed);
    }
    auto recipes = recipe::list_recipes({fs::path(WSLMOD_SOURCE_DIR) / "module-recipes"});
    REQUIRE(recipes);
    size_t options = 0;
    for (const auto& r : *recipes)
        for (const auto& [sym, value] : r.kconfig) {
            ++options;
            INFO("recipe " << r.name << ": CONFIG_" << sym);
            CHECK(index.defined.count(sym));
            auto deps = index.depends_on.find(sym);
            if (deps == index.depends_on.end()) continue;
            for (const auto& dep : deps->second) {
                // Only symbols this source defines count: a dependency on a symbol it lacks (an
                // option of a newer release) never blocks here.
                if (!index.defined.count(dep)) continue;
                if (r.kconfig.count(dep) || menu_gates.count(dep)) continue;
                for (const auto& [name, config] : configs) {
                    INFO("it depends on CONFIG_" << dep << ", which " << name << " leaves unset");
                    CHECK(config.enabled(dep));
                }
            }
        }
    CHECK(options > 30);
}

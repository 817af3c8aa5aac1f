// The shipped catalog against both stock WSL configs (../shared/kernel-configs): every recipe's
// [requires] config holds in 6.6 and in 6.18 (a failure names the symbol, the config and its
// value there), every [kconfig] option fills a gap that at least one stock config leaves, and
// every wireless driver says which firmware package it needs.  The Kconfig dependencies of the
// options are checked against the kernel source in the integration tier
// (test_catalog_kconfig.cpp).
#include "kernel/config.h"
#include "recipe/catalog.h"
#include "recipe/catalog_table.h"
#include "support/catch.h"
#include "support/files.h"
#include "support/prereq.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

struct StockConfig {
    std::string name;
    kernel::KernelConfig config;
};

std::vector<StockConfig> stock_configs() {
    std::vector<StockConfig> out;
    for (const char* name : {"config-wsl-6.6.87.1", "config-wsl-6.18.20.1"}) {
        auto file = test::shared_dir() / "kernel-configs" / name;
        auto parsed = kernel::parse_config(test::read_text(file), file.string());
        REQUIRE(parsed);
        out.push_back({name, *parsed});
    }
    return out;
}

// "y", "m" or "n", as a [requires] condition spells them.
std::string value_in(const kernel::KernelConfig& c, const std::string& sym) {
    auto v = c.get(sym);
    return v ? *v : "n";
}

} // namespace

TEST_CASE("catalog: every recipe's requirements hold in both stock WSL configs") {
    auto recipes = recipe::list_recipes({fs::path(WSLMOD_SOURCE_DIR) / "module-recipes"});
    REQUIRE(recipes);
    auto configs = stock_configs();
    size_t checked = 0;
    for (const auto& r : *recipes)
        for (const auto& cond : r.config)
            for (const auto& [name, config] : configs) {
                auto v = value_in(config, cond.symbol);
                INFO("recipe " << r.name << ": CONFIG_" << cond.symbol << " is " << v << " in "
                               << name << ", and the recipe needs one of its values");
                CHECK(cond.values.count(v));
                ++checked;
            }
    CHECK(checked > 2 * 20);
}

TEST_CASE("catalog: every kconfig option fills a gap of a stock WSL config, and wireless drivers "
          "name their firmware") {
    auto recipes = recipe::list_recipes({fs::path(WSLMOD_SOURCE_DIR) / "module-recipes"});
    REQUIRE(recipes);
    auto configs = stock_configs();
    std::set<std::string> kernel_tree;
    for (const auto& r : *recipes) {
        if (r.source != recipe::SourceKind::kernel_tree) continue;
        kernel_tree.insert(r.name);
        CHECK_FALSE(r.modules.empty());
        for (const auto& [sym, value] : r.kconfig) {
            bool gap = false;
            for (const auto& [name, config] : configs)
                gap = gap || !config.enabled(sym);
            INFO("recipe " << r.name << ": CONFIG_" << sym << " is set in every stock config");
            CHECK(gap);
        }
        bool wireless = false;
        for (const auto& f : r.kernel_tree)
            wireless = wireless || f.starts_with("drivers/net/wireless/");
        INFO("recipe " << r.name << " builds Wi-Fi drivers, which load firmware");
        CHECK((!wireless || !r.firmware.empty()));
    }
    // The categories users ask for (README's catalog table lists them).
    for (const char* name : {"usbip-extra", "can-adapters", "joystick", "windows-filesystems",
                             "usb-printer", "usb-wifi"})
        CHECK(kernel_tree.count(name));
}

TEST_CASE("catalog: the README's table is what scripts/catalog-table renders from the recipes") {
    auto readme = fs::path(WSLMOD_SOURCE_DIR) / "README.md";
    auto now =
        recipe::readme_with_catalog(readme, fs::path(WSLMOD_SOURCE_DIR) / "module-recipes",
                                    {test::shared_dir() / "kernel-configs/config-wsl-6.6.87.1",
                                     test::shared_dir() / "kernel-configs/config-wsl-6.18.20.1"});
    REQUIRE(now);
    INFO("run scripts/catalog-table to bring the README up to date");
    CHECK(*now == test::read_text(readme));
    CHECK(now->find("| `can-adapters` |") != std::string::npos);
    CHECK(now->find("left unset by stock 6.6 | left unset by stock 6.18 |") != std::string::npos);
}

TEST_CASE("catalog: the table names the gaps per stock config, and the markers must be there") {
    recipe::Recipe can;
    can.name = "can";
    can.summary = "CAN | adapters";
    can.source = recipe::SourceKind::kernel_tree;
    can.kconfig = {{"CAN_VCAN", "m"}, {"CAN_VXCAN", "m"}};
    can.modules = {{"vcan", "extra/can", "", false}, {"vxcan", "extra/can", "", false}};
    recipe::Recipe cam;
    cam.name = "cam";
    cam.summary = "virtual cameras";
    cam.source = recipe::SourceKind::deb;
    cam.deb = "v4l2loopback-dkms";
    std::vector<recipe::StockColumn> cols{
        {"old", [](const std::string&) { return false; }},
        {"new", [](const std::string& s) { return s == "CAN_VCAN"; }}};
    auto table = recipe::catalog_table({can, cam}, cols);
    CHECK(table ==
          "| recipe | what it is for | modules | left unset by old | left unset by new | source |\n"
          "|---|---|---|---|---|---|\n"
          "| `can` | CAN \\| adapters | vcan, vxcan | all 2 | CAN_VXCAN | kernel-tree |\n"
          "| `cam` | virtual cameras | from its dkms.conf | not in the kernel tree | not in the "
          "kernel tree | deb `v4l2loopback-dkms` |\n");
    auto spliced =
        recipe::with_catalog("a\n<!-- catalog:begin -->\nold\n<!-- catalog:end -->\nb\n", "T\n");
    REQUIRE(spliced);
    CHECK(*spliced == "a\n<!-- catalog:begin -->\nT\n<!-- catalog:end -->\nb\n");
    CHECK_FALSE(recipe::with_catalog("no markers\n", "T\n"));
}

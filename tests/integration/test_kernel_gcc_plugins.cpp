// A config like WSL's, CONFIG_GCC_PLUGINS=y with every plugin option off, prepares on a machine
// without the gcc plugin headers: olddefconfig drops GCC_PLUGINS (its Kconfig needs
// plugin-version.h), and wslmod reports that as ABI-neutral instead of refusing.  The config is
// Debian's 6.1 cloud one with the lines of WSL's 6.6 config added (../shared/kernel-configs).
#include <fstream>

#include <nlohmann/json.hpp>

#include "kernel/profile.h"
#include "support/catch.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;
namespace fs = std::filesystem;

TEST_CASE("GCC_PLUGINS=y with no plugin on prepares without plugin headers, told as abi-neutral") {
    auto k = kernel::debian_profile("6.1-cloud");
    test::require(k.has_value(), k ? "" : k.error().message());
    // What the test is about: the compiler that builds has no plugin headers.
    auto plugin_dir = test::run_ok({"gcc-12", "-print-file-name=plugin"});
    plugin_dir.erase(plugin_dir.find_last_not_of('\n') + 1);
    test::require(!fs::exists(fs::path(plugin_dir) / "include/plugin-version.h"),
                  "gcc-12-plugin-dev is installed; this test needs a machine without it");

    auto wsl = test::read_text(test::shared_dir() / "kernel-configs/config-wsl-6.6.87.1");
    REQUIRE(wsl.find("\nCONFIG_GCC_PLUGINS=y\n# CONFIG_GCC_PLUGIN_LATENT_ENTROPY is not set\n") !=
            std::string::npos);
    auto config = test::read_text(k->config);
    auto at = config.find("CONFIG_HAVE_GCC_PLUGINS=y\n");
    REQUIRE(at != std::string::npos);
    REQUIRE(config.find("CONFIG_GCC_PLUGINS=") == std::string::npos);
    config.insert(at + 26, "CONFIG_GCC_PLUGINS=y\n# CONFIG_GCC_PLUGIN_LATENT_ENTROPY is not set\n"
                           "# CONFIG_GCC_PLUGIN_STRUCTLEAK_USER is not set\n"
                           "# CONFIG_GCC_PLUGIN_STACKLEAK is not set\n");
    auto dir = test::scratch_dir("gcc-plugins");
    auto copy = dir / "config-gcc-plugins";
    std::ofstream(copy) << config;

    auto r = test::run_wslmod({"--json", "kernel", "prepare", "--source", k->source.string(),
                               "--config", copy.string(), "--stock-kernel",
                               k->stock_kernel.string(), "--cache", (dir / "cache").string()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    auto doc = nlohmann::json::parse(r.output.substr(r.output.find('{')));
    bool plugins = false;
    for (const auto& d : doc["drift"])
        if (d["symbol"] == "CONFIG_GCC_PLUGINS") {
            plugins = true;
            CHECK(d["published"] == "y");
            CHECK(d["actual"] == "unset");
            CHECK(d["class"] == "abi-neutral");
        }
    CHECK(plugins);
    auto prepared = test::read_text(fs::path(doc["tree"].get<std::string>()) / ".config");
    CHECK(prepared.find("CONFIG_GCC_PLUGINS=y") == std::string::npos);
}

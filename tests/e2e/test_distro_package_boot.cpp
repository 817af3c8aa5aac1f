// A distro DKMS package by name: in a fresh project, `wslmod add acpi-call` finds no recipe,
// says it uses Debian's acpi-call-dkms, records it in wslmod.toml as a deb entry, pins its
// version and the .deb's sha256 in wslmod.lock (checked against apt's own index, the
// oracle), and the image's acpi_call loads in the stand-in under QEMU.  `build --locked`
// accepts the pin and refuses a lock whose sha256 the archive does not have.
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "support/catch.h"
#include "support/debian_boot.h"
#include "support/devel_tree.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/sha256.h"

using namespace wslmod;
namespace fs = std::filesystem;

TEST_CASE("wslmod add of a distro DKMS package with no recipe builds it, pins it and it loads") {
    const auto& k = test::debian_kernel();
    test::prepared_tree(); // the debian profile prepares this same tree
    auto dir = test::scratch_dir("distro-package");
    auto cache = (fs::path(WSLMOD_BINARY_DIR) / "tests/cache").string();
    auto wslmod = [&](std::vector<std::string> args) {
        args.insert(args.begin(), test::wslmod_binary().string());
        args.insert(args.end(), {"--cache", cache});
        return test::run_tool(args, dir);
    };
    REQUIRE(test::run_tool({test::wslmod_binary().string(), "init", "--profile", "debian"}, dir)
                .exit_code == 0);
    auto added = wslmod({"add", "acpi-call"});
    INFO(added.output);
    REQUIRE(added.exit_code == 0);
    CHECK(added.output.find("no recipe acpi-call: using the distro package acpi-call-dkms") !=
          std::string::npos);
    CHECK(test::read_text(dir / "wslmod.toml").find("acpi-call = { deb = \"acpi-call-dkms\" }\n") !=
          std::string::npos);

    // The lock's pin is what apt's signed index says about the package apt would fetch.
    auto uris = test::run_ok({"apt-get", "download", "--print-uris", "acpi-call-dkms"});
    std::smatch m;
    REQUIRE(std::regex_search(
        uris, m, std::regex(R"(acpi-call-dkms_([^_]+)_all\.deb \d+ SHA256:([0-9a-f]{64}))")));
    auto lock = nlohmann::json::parse(test::read_text(dir / "wslmod.lock"));
    const auto& pinned = lock["recipes"]["acpi-call"];
    CHECK(pinned["package"] == "acpi-call-dkms=" + m[1].str());
    CHECK(pinned["archive"] == m[2].str());
    auto deb = fs::path(cache) / "debs" / (m[2].str() + ".deb");
    REQUIRE(fs::is_regular_file(deb));
    CHECK(util::to_hex(*util::sha256_file(deb)) == m[2].str()); // the file is the one pinned

    auto locked = wslmod({"build", "--locked"});
    INFO(locked.output);
    CHECK(locked.exit_code == 0);
    // A lock pinning a digest the archive does not have is refused before anything builds.
    auto text = test::read_text(dir / "wslmod.lock");
    auto at = text.find(m[2].str());
    REQUIRE(at != std::string::npos);
    text.replace(at, 64, std::string(64, '0'));
    std::ofstream(dir / "wslmod.lock") << text;
    auto image_before = util::to_hex(*util::sha256_file(dir / "modules.vhdx"));
    auto refused = wslmod({"build", "--locked"});
    INFO(refused.output);
    CHECK(refused.exit_code != 0);
    CHECK(refused.output.find("acpi-call-dkms " + m[1].str() +
                              " is not the package the lock pins") != std::string::npos);
    CHECK(util::to_hex(*util::sha256_file(dir / "modules.vhdx")) == image_before);

    auto spec = test::debian_boot_spec(dir / "boot");
    spec.disk = dir / "modules.vhdx";
    spec.commands = {"modprobe acpi_call", "modinfo -n acpi_call; modinfo -F vermagic acpi_call",
                     "ls /proc/acpi/call"};
    auto result = test::boot_ok(spec, 3);
    INFO(result.describe());
    const auto& c = result.report.commands;
    CHECK(c[0].exit_code == 0);
    CHECK(c[1].output.find("/lib/modules/" + k.release + "/extra/acpi_call.ko") !=
          std::string::npos);
    CHECK(c[1].output.find(k.release + " ") != std::string::npos);
    CHECK(c[2].exit_code == 0); // the driver's own /proc entry
}

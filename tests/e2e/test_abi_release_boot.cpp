// A Debian kernel whose release lacks its source's sublevel, 6.1.0-<abi>-cloud-amd64 built from
// linux-source-6.1 (6.1.1xx), from the CLI with no flag: the tree is pinned by KERNELRELEASE (its
// UTS_RELEASE is the stock release, its version code still the source's), the recovered
// Module.symvers is Debian's own, and hello, built against it, loads in that kernel under QEMU.
// The cloud flavour has its virtio transport as a module, which the boot check must load first.
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kernel/profile.h"
#include "support/catch.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

// symbol -> CRC of a Module.symvers.
std::map<std::string, std::string> crcs(const fs::path& symvers) {
    std::map<std::string, std::string> out;
    std::ifstream in(symvers);
    for (std::string crc, sym, rest; in >> crc >> sym && std::getline(in, rest);)
        out[sym] = crc;
    return out;
}

} // namespace

TEST_CASE("a Debian ABI-named kernel prepares, builds hello and loads it with no flag") {
    test::require_program("qemu-system-x86_64");
    auto k = kernel::debian_profile("6.1-cloud");
    test::require(k.has_value(), k ? "" : k.error().message());
    REQUIRE(k->release.find(".0-") != std::string::npos); // 6.1.0-57-cloud-amd64: no sublevel
    auto dir = test::scratch_dir("abi-release-boot");
    // The cache is shared with test_compiler_boot, which builds on this same gcc-12 tree.
    auto r = test::run_wslmod(
        {"--json", "build", "-o", (dir / "modules.vhdx").string(), "--source", k->source.string(),
         "--config", k->config.string(), "--stock-kernel", k->stock_kernel.string(),
         "--stock-modules", k->stock_modules.string(), "--cache",
         (fs::path(WSLMOD_BINARY_DIR) / "tests/cache-6.1-cloud").string(), "--verify", "hello"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    auto doc = nlohmann::json::parse(r.output.substr(r.output.find('{')), nullptr, false);
    REQUIRE_FALSE(doc.is_discarded());
    CHECK(doc["release"] == k->release);

    fs::path tree = doc["tree"].get<std::string>();
    auto uts = test::read_text(tree / "include/generated/utsrelease.h");
    CHECK(uts.find("\"" + k->release + "\"") != std::string::npos);
    // LINUX_VERSION_CODE is the source's 6.1.x, clamped to 255 like Kbuild does.
    auto sublevel = std::stoi(k->version.substr(k->version.find('.', 2) + 1));
    auto version_h = test::read_text(tree / "include/generated/uapi/linux/version.h");
    CHECK(version_h.find(fmt::format("#define LINUX_VERSION_CODE {}",
                                     (6 << 16) + (1 << 8) + std::min(sublevel, 255))) !=
          std::string::npos);
    // The CRCs recovered from the image are the ones Debian's build wrote.
    auto recovered = crcs(tree / "Module.symvers");
    auto truth = crcs(k->symvers);
    CHECK(recovered.size() == truth.size());
    CHECK(recovered == truth);

    auto ko = doc["builds"][0]["modules"][0]["file"].get<std::string>();
    CHECK(test::run_ok({"modinfo", "-F", "vermagic", ko}).starts_with(k->release + " "));
    const auto& verified = doc["verify"];
    CHECK(verified["ok"] == true);
    CHECK(verified["release"] == k->release);
    REQUIRE(verified["modules"].size() == 1);
    CHECK(verified["modules"][0]["module"] == "hello");
    CHECK(verified["modules"][0]["loaded"] == true);
    bool virtio_pci = false;
    for (const auto& m : verified["boot_modules"])
        virtio_pci |= m == "virtio_pci.ko";
    CHECK(virtio_pci);
}

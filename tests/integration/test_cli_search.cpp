// `wslmod search` over the shipped catalog: each category WSL users ask for is found by the
// name of a module it yields, --json is the documented list, the distro's *-dkms packages come
// marked as such from apt-cache, and a term nothing matches exits 1 with a note.
#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "support/catch.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;

namespace {
std::string underscored(std::string s) {
    std::replace(s.begin(), s.end(), '-', '_');
    return s;
}
} // namespace

TEST_CASE("search finds a catalog recipe for each category by the module it yields") {
    const std::map<std::string, std::string> category = {
        {"xr_serial", "usbip-extra"},     // USB serial
        {"gs-usb", "can-adapters"},       // CAN adapters ('-' as '_')
        {"vcan", "can-adapters"},         // virtual CAN
        {"v4l2loopback", "v4l2loopback"}, // virtual webcams
        {"xpad", "joystick"},             // game controllers
        {"joydev", "joystick"},           // joystick devices
        {"exfat", "windows-filesystems"}, // Windows-formatted sticks
        {"ntfs3", "windows-filesystems"}, // Windows-formatted disks
        {"rtl8xxxu", "usb-wifi"},         // USB Wi-Fi
        {"usblp", "usb-printer"},         // USB printers
    };
    for (const auto& [module, recipe] : category) {
        auto r = test::run_wslmod({"--json", "search", "--no-distro", module});
        INFO(module << ": " << r.output);
        REQUIRE(r.exit_code == 0);
        auto hits = nlohmann::json::parse(r.output);
        REQUIRE(hits.is_array());
        bool found = false;
        for (const auto& h : hits) {
            for (const char* key : {"recipe", "version", "source", "summary", "modules"})
                CHECK(h.contains(key));
            if (h["recipe"] == recipe) {
                found = true;
                CHECK(h["distro"] == false);
                // By the module, or by the name when the recipe is named after it.
                auto how = h["matched"].get<std::string>();
                CHECK((how == "module " + module || how == "module " + underscored(module) ||
                       (how == "name" && recipe == module)));
            }
        }
        CHECK(found);
    }
}

TEST_CASE("search lists the distro's DKMS packages marked as such, and says when nothing matches") {
    test::require_program("apt-cache");
    auto r = test::run_wslmod({"--json", "search", "acpi-call"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    auto hits = nlohmann::json::parse(r.output);
    bool found = false;
    for (const auto& h : hits)
        if (h["recipe"] == "acpi-call") {
            found = true;
            CHECK(h["distro"] == true);
            CHECK(h["source"] == "deb acpi-call-dkms");
        }
    CHECK(found);
    auto text = test::run_wslmod({"search", "acpi-call"});
    CHECK(text.output.find("acpi-call") != std::string::npos);
    CHECK(text.output.find("distro acpi-call-dkms") != std::string::npos);

    auto none = test::run_wslmod({"search", "no-such-driver-anywhere"});
    CHECK(none.exit_code == 1);
    CHECK(none.output.find("nothing matches 'no-such-driver-anywhere'") != std::string::npos);
}

// wslmod search on buffers: a recipe found by name, by summary and by a module it yields (with
// '-' and '_' the same, as modprobe has them), and the distro's *-dkms packages parsed from
// apt-cache output, leaving out those a recipe already stands for.
#include "recipe/search.h"
#include "support/catch.h"
#include "support/fake_runner.h"

using namespace wslmod;

namespace {

recipe::Recipe recipe_of(std::string name, std::string summary, std::vector<std::string> mods,
                         std::string deb = "") {
    recipe::Recipe r;
    r.name = std::move(name);
    r.version = "1.0";
    r.summary = std::move(summary);
    for (auto& m : mods)
        r.modules.push_back({m, "extra", "", false});
    if (!deb.empty()) r.source = recipe::SourceKind::deb, r.deb = deb;
    return r;
}

const std::vector<recipe::Recipe> recipes = {
    recipe_of("can-adapters", "CAN adapters", {"vcan", "gs_usb"}),
    recipe_of("joystick", "Xbox pads", {"joydev", "xpad"}),
    recipe_of("v4l2loopback", "Virtual cameras", {"v4l2loopback"}, "v4l2loopback-dkms"),
};

std::vector<std::string> names(const std::vector<recipe::SearchHit>& hits) {
    std::vector<std::string> out;
    for (const auto& h : hits)
        out.push_back(h.recipe + ":" + h.matched);
    return out;
}

} // namespace

TEST_CASE("search: by name, summary or module, case-insensitive, '-' as '_' in modules") {
    CHECK(names(recipe::search_recipes(recipes, "gs-usb")) ==
          std::vector<std::string>{"can-adapters:module gs_usb"});
    CHECK(names(recipe::search_recipes(recipes, "XBOX")) ==
          std::vector<std::string>{"joystick:summary"});
    CHECK(names(recipe::search_recipes(recipes, "joy")) ==
          std::vector<std::string>{"joystick:name"});
    CHECK(names(recipe::search_recipes(recipes, "v4l2")) ==
          std::vector<std::string>{"v4l2loopback:name"});
    CHECK(recipe::search_recipes(recipes, "nothing-like-it").empty());
    auto hit = recipe::search_recipes(recipes, "vcan");
    REQUIRE(hit.size() == 1);
    CHECK(hit[0].modules == std::vector<std::string>{"vcan", "gs_usb"});
    CHECK(hit[0].version == "1.0");
    CHECK_FALSE(hit[0].distro);
}

TEST_CASE("search: the distro's *-dkms packages, without those a recipe stands for") {
    std::string apt = "acpi-call-dkms - Kernel module that enables you to call ACPI methods\n"
                      "acpi-support - scripts for handling many ACPI events\n"
                      "v4l2loopback-dkms - Source code for the v4l2loopback driver (DKMS)\n"
                      "joystick-dkms - a package a recipe already covers by name\n"
                      "garbage line\n";
    auto hits = recipe::parse_apt_search(apt, recipes);
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].recipe == "acpi-call");
    CHECK(hits[0].source == "deb acpi-call-dkms");
    CHECK(hits[0].summary == "Kernel module that enables you to call ACPI methods");
    CHECK(hits[0].distro);
    CHECK(hits[0].modules.empty());

    test::FakeRunner fake;
    fake.on("apt-cache", 0, apt);
    CHECK(recipe::search_distro("acpi", recipes, fake).size() == 1);
    CHECK(fake.calls().back().argv ==
          std::vector<std::string>{"apt-cache", "search", "--names-only", "acpi"});
    test::FakeRunner no_apt; // nothing scripted: exit 127
    CHECK(recipe::search_distro("acpi", recipes, no_apt).empty());
}

// kernel::plan_release_pin: localversion for releases that extend the source's, KERNELRELEASE for
// distribution ABI names, and a refusal naming both versions when the stock kernel proves another.
#include "support/catch.h"

#include "kernel/release_pin.h"

using wslmod::kernel::banner_upstream_version;
using wslmod::kernel::plan_release_pin;

namespace {
const std::string debian_61_banner = "6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP "
                                     "PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)";
const std::string debian_612_banner = "6.12.117+deb12-amd64 (debian-kernel@lists.debian.org) #1 "
                                      "SMP PREEMPT_DYNAMIC Debian 6.12.117-1~deb12u1 (2026-11-20)";
const std::string ubuntu_banner =
    "6.8.0-45-generic (buildd@lcy02-amd64-022) #45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 2024";
} // namespace

TEST_CASE("a release that extends the source's is pinned by localversion") {
    auto pin = plan_release_pin("6.12.117", "6.12.117+deb12-amd64", debian_612_banner, "src");
    REQUIRE(pin);
    CHECK(pin->localversion == "+deb12-amd64");
    CHECK_FALSE(pin->kernelrelease);
    auto wsl = plan_release_pin("6.6.87.2-microsoft-standard-WSL2",
                                "6.6.87.2-microsoft-standard-WSL2", "", "src");
    REQUIRE(wsl);
    CHECK(wsl->localversion.empty());
    CHECK_FALSE(wsl->kernelrelease);
}

TEST_CASE("an ABI release without the source's sublevel is pinned by KERNELRELEASE") {
    auto debian = plan_release_pin("6.1.192", "6.1.0-57-cloud-amd64", debian_61_banner, "src");
    REQUIRE(debian);
    CHECK(debian->kernelrelease);
    CHECK(debian->localversion.empty());
    auto ubuntu = plan_release_pin("6.8.12", "6.8.0-45-generic", ubuntu_banner, "src");
    REQUIRE(ubuntu);
    CHECK(ubuntu->kernelrelease);
}

TEST_CASE("a proven version mismatch is refused naming both versions") {
    auto other_series = plan_release_pin("5.10.0", "6.12.117+deb12-amd64", "", "src");
    REQUIRE_FALSE(other_series);
    CHECK(other_series.error().what.find("'5.10.0'") != std::string::npos);
    CHECK(other_series.error().what.find("Linux 6.12") != std::string::npos);
    CHECK(other_series.error().hint.find("Linux 6.12") != std::string::npos);

    // Debian's banner names the upstream version its ABI name hides.
    auto banner = plan_release_pin("6.1.190", "6.1.0-57-cloud-amd64", debian_61_banner, "src");
    REQUIRE_FALSE(banner);
    CHECK(banner.error().what.find("6.1.192") != std::string::npos);
    CHECK(banner.error().what.find("'6.1.190'") != std::string::npos);
    CHECK(banner.error().where == "src");

    // A release that states a real sublevel contradicts another one even without a banner.
    auto sublevel = plan_release_pin("6.12.100", "6.12.117+deb12-amd64", "", "src");
    REQUIRE_FALSE(sublevel);
    CHECK(sublevel.error().what.find("6.12.117") != std::string::npos);
    CHECK(sublevel.error().what.find("'6.12.100'") != std::string::npos);
}

TEST_CASE("the upstream version comes from a Debian banner only") {
    CHECK(banner_upstream_version(debian_61_banner) == "6.1.192");
    CHECK(banner_upstream_version(debian_612_banner) == "6.12.117");
    CHECK(banner_upstream_version(ubuntu_banner).empty());
    CHECK(banner_upstream_version("").empty());
}

TEST_CASE("a source without a readable version is refused") {
    auto r = plan_release_pin("", "6.1.0-57-cloud-amd64", "", "src");
    REQUIRE_FALSE(r);
    CHECK(r.error().where == "src");
}

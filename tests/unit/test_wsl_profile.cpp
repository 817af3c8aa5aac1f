// Profile "wsl": a release's version and the tag archive its source comes from.
#include <cstring>
#include <fstream>

#include "support/catch.h"
#include "support/fake_runner.h"
#include "support/prereq.h"
#include "wsl/profile.h"
#include "wsl/windows.h"

using namespace wslmod;

TEST_CASE("a WSL release names its linux-msft-wsl tag archive", "[wsl]") {
    auto v = wsl::wsl_version_of("6.6.87.2-microsoft-standard-WSL2");
    REQUIRE(v);
    CHECK(*v == "6.6.87.2");
    CHECK(wsl::source_url(*v) == "https://github.com/microsoft/WSL2-Linux-Kernel/archive/refs/tags/"
                                 "linux-msft-wsl-6.6.87.2.tar.gz");
    CHECK(*wsl::wsl_version_of("6.18.35.2-microsoft-standard-WSL2") == "6.18.35.2");
}

TEST_CASE("a release that is not WSL's has no tag, and says what a WSL one looks like", "[wsl]") {
    for (const char* r : {"6.12.117+deb12-amd64", "-microsoft-standard-WSL2",
                          "6.6.87.2-microsoft-standard-WSL2+"}) {
        auto v = wsl::wsl_version_of(r);
        REQUIRE_FALSE(v);
        CHECK(v.error().where == r);
        CHECK(v.error().hint.find("-microsoft-standard-WSL2") != std::string::npos);
    }
}

TEST_CASE("WSL 2 is told by its kernel release, a git build's '+' included", "[wsl]") {
    CHECK(wsl::is_wsl2_release("6.6.87.2-microsoft-standard-WSL2"));
    CHECK(wsl::is_wsl2_release("6.18.35.2-microsoft-standard-WSL2+"));
    CHECK_FALSE(wsl::is_wsl2_release("4.4.0-19041-Microsoft")); // WSL 1
    CHECK_FALSE(wsl::is_wsl2_release("6.12.117+deb12-amd64"));
}

TEST_CASE(
    "on Windows on Arm, the tools kernel is an arm64 Image and the config is config-wsl-arm64",
    "[wsl]") {
    auto dir = wslmod::test::scratch_dir("wsl-profile-arm64");
    std::filesystem::create_directories(dir / "tools");
    // The arm64 Image header (magic at 0x38) and the banner: what the profile reads.
    std::string image(4096, '\0');
    std::memcpy(image.data() + 0x38, "ARMd", 4);
    const std::string banner =
        "Linux version 6.6.87.2-microsoft-standard-WSL2 (root@build) #1 SMP PREEMPT_DYNAMIC\n";
    image.replace(1024, banner.size(), banner);
    std::ofstream(dir / "tools/kernel", std::ios::binary) << image;
    wsl::WindowsOptions o;
    o.root = dir;
    o.wsl_tools = "C:\\tools";
    wslmod::test::FakeRunner runner;
    wsl::Windows windows(o, runner);
    auto p = wsl::wsl_profile(windows, "");
    INFO((p ? "" : p.error().message()));
    REQUIRE(p);
    CHECK(p->release == "6.6.87.2-microsoft-standard-WSL2");
    CHECK(p->config == "source:arch/arm64/configs/config-wsl-arm64");
    CHECK(p->source_url.ends_with("linux-msft-wsl-6.6.87.2.tar.gz"));
}

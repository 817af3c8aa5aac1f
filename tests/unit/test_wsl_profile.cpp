// Profile "wsl": a release's version and the tag archive its source comes from.
#include "support/catch.h"
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

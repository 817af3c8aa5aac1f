// {release} and {version} in a manifest's kernel keys.
#include "project/inputs.h"
#include "support/catch.h"

using namespace wslmod;

TEST_CASE("{release} and {version} follow the stock kernel, every time they appear", "[project]") {
    CHECK(project::expand_release("/srv/wsl/linux-msft-wsl-{version}.tar.gz",
                                  "6.6.87.2-microsoft-standard-WSL2",
                                  "6.6.87.2") == "/srv/wsl/linux-msft-wsl-6.6.87.2.tar.gz");
    CHECK(project::expand_release("/m/{release}/k-{release}", "6.12.118+deb12-amd64",
                                  "6.12.118+deb12-amd64") ==
          "/m/6.12.118+deb12-amd64/k-6.12.118+deb12-amd64");
    CHECK(project::expand_release("/plain/path", "r", "v") == "/plain/path");
    // A value that holds the key again is not expanded twice.
    CHECK(project::expand_release("{release}", "{release}x", "v") == "{release}x");
}

// Debian's PREEMPT_RT kernel config (linux-headers-6.1.0-<abi>-rt-amd64's .config) against the
// plain linux-source-6.1: olddefconfig drops what only the -rt patches define.  The refusal is
// short, says the source lacks the kernel's patches and that it looks like PREEMPT_RT, and blames
// no compiler or tool; and no tree is left in the cache.
#include <algorithm>

#include "kernel/profile.h"
#include "support/catch.h"
#include "support/prereq.h"
#include "support/run.h"

using namespace wslmod;
namespace fs = std::filesystem;

TEST_CASE("a PREEMPT_RT config against the plain source is one short refusal naming the patches") {
    auto k = kernel::debian_profile("6.1-cloud"); // its linux-source-6.1 is the plain source
    test::require(k.has_value(), k ? "" : k.error().message());
    auto rt_dir = kernel::debian_packages_root() / "debian-6.1-rt/current";
    fs::path config;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(rt_dir, ec))
        if (e.path().filename().string().starts_with("config-")) config = e.path();
    test::require(!config.empty(),
                  "no 6.1 rt config in " + rt_dir.string() + " (run scripts/setup --deps)");
    auto release = config.filename().string().substr(std::string("config-").size());
    auto dir = test::scratch_dir("patched-tree");
    auto r = test::run_wslmod({"kernel", "prepare", "--source", k->source.string(), "--config",
                               config.string(), "--release", release, "--cache",
                               (dir / "cache").string()});
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') <= 15);
    CHECK(r.output.find("lacks its patches") != std::string::npos);
    CHECK(r.output.find("PREEMPT_RT kernel") != std::string::npos);
    for (const char* tool : {"compiler", "gcc", "dwarves", "toolchain"}) {
        INFO(tool);
        CHECK(r.output.find(tool) == std::string::npos);
    }
    for (const auto& e : fs::directory_iterator(dir / "cache/trees", ec))
        CHECK_FALSE(fs::exists(e.path() / ".complete"));
}

// Profile "wsl": a project whose stock kernel is WSL's tools\kernel (here the fake Windows
// side's, which is Debian's bzImage; source, config and stock modules are named in the manifest,
// as an offline machine does).  The release comes from tools\kernel, the image installs, status
// says it is this image, and once a WSL update replaces tools\kernel, status reports stale both
// against the lock and against the installed copy.
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/catch.h"
#include "support/devel_tree.h"
#include "support/fake_windows.h"
#include "support/files.h"
#include "support/prereq.h"

using namespace wslmod;
namespace fs = std::filesystem;

TEST_CASE("profile wsl reads the release from WSL's tools kernel, installs, and status reports "
          "stale after a WSL update",
          "[wsl]") {
    test::prepared_tree(); // the shared cache then holds the tree this project's inputs key to
    const auto& k = test::debian_kernel();
    auto dir = test::scratch_dir("wsl-profile");
    test::FakeWindows win(dir);
    auto project = dir / "project";
    fs::create_directories(project);
    auto cache = (fs::path(WSLMOD_BINARY_DIR) / "tests/cache").string();

    auto init = win.wslmod({"init", "--profile", "wsl"}, project);
    INFO(init.output);
    REQUIRE(init.exit_code == 0);
    auto text = test::read_text(project / "wslmod.toml");
    auto at = text.find("profile = \"wsl\"\n");
    REQUIRE(at != std::string::npos);
    text.insert(at + 16, "source = \"" + k.source.string() + "\"\nconfig = \"" + k.config.string() +
                             "\"\nstock-modules = \"" + k.modules.string() + "\"\n");
    std::ofstream(project / "wslmod.toml") << text;

    auto add = win.wslmod({"--json", "add", "hello", "--cache", cache}, project);
    INFO(add.output);
    REQUIRE(add.exit_code == 0);
    auto lock = nlohmann::json::parse(test::read_text(project / "wslmod.lock"), nullptr, false);
    REQUIRE_FALSE(lock.is_discarded());
    CHECK(lock["release"] == k.release); // from tools\kernel

    auto current = win.wslmod({"status"}, project);
    INFO(current.output);
    CHECK(current.exit_code == 0);
    auto inst = win.wslmod({"install", "--no-verify"}, project); // the boot check is e2e
    INFO(inst.output);
    REQUIRE(inst.exit_code == 0);
    auto st =
        nlohmann::json::parse(win.wslmod({"--json", "status"}, project).output, nullptr, false);
    REQUIRE_FALSE(st.is_discarded());
    CHECK(st["state"] == "current");
    CHECK(st["installed"]["generation"] == 1);
    CHECK(st["installed"]["this_image"] == true);

    // WSL updates its kernel: tools\kernel changes.
    std::ofstream(win.tools / "kernel", std::ios::app | std::ios::binary) << "a newer build";
    auto stale = win.wslmod({"--json", "status"}, project);
    INFO(stale.output);
    CHECK(stale.exit_code == 1);
    auto doc = nlohmann::json::parse(stale.output, nullptr, false);
    REQUIRE_FALSE(doc.is_discarded());
    CHECK(doc["state"] == "stale");
    std::string all = doc["stale"].dump();
    CHECK(all.find("stock-kernel changed since the image was built") != std::string::npos);
    CHECK(all.find("changed since generation 1 was installed") != std::string::npos);
}

TEST_CASE("profile wsl names the linux-msft-wsl tag of the stock kernel's release, and refuses a "
          "kernel that is not WSL's without a source",
          "[wsl]") {
    auto dir = test::scratch_dir("wsl-profile-tag");
    test::FakeWindows win(dir);
    auto project = dir / "project";
    fs::create_directories(project);
    REQUIRE(win.wslmod({"init", "--profile", "wsl"}, project).exit_code == 0);
    // tools\kernel is Debian's: no WSL tag to fetch, so the manifest must name the source.
    auto r = win.wslmod({"build"}, project);
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("is not a WSL release") != std::string::npos);
    CHECK(r.output.find("source = ") != std::string::npos);
    // Another published release: the tag is known, but its stock kernel is not in tools\.
    auto text = test::read_text(project / "wslmod.toml");
    text.replace(text.find("profile = \"wsl\"\n"), 16,
                 "profile = \"wsl\"\nrelease = \"6.6.87.2-microsoft-standard-WSL2\"\n");
    std::ofstream(project / "wslmod.toml") << text;
    auto other = win.wslmod({"build"}, project);
    INFO(other.output);
    CHECK(other.exit_code == 2);
    CHECK(other.output.find("6.6.87.2-microsoft-standard-WSL2 is not the installed WSL kernel") !=
          std::string::npos);
    CHECK(other.output.find("stock-kernel and stock-modules") != std::string::npos);
}

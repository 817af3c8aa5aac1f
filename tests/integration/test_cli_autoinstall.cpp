// `wslmod autoinstall` from the CLI against scratch files (WSLMOD_WSL_CONF, WSLMOD_SYSTEMD_DIR,
// WSLMOD_PROFILE_D, WSLMOD_STATE_DIR): enable then disable leaves wsl.conf identical under cmp;
// the boot command WSL would read is run by sh as WSL runs it, and its run is logged where
// `autoinstall status` shows it; the unit passes `systemd-analyze verify` and disable leaves
// the unit folder as it was; the login notice is valid sh.
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/catch.h"
#include "support/fake_windows.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/process.h"
#include "wsl/wslconfig.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

struct Scratch {
    fs::path dir, conf, systemd, profile_d, state, cache, project;
    std::vector<std::pair<std::string, std::string>> env() const {
        return {{"WSLMOD_WSL_CONF", conf.string()},
                {"WSLMOD_SYSTEMD_DIR", systemd.string()},
                {"WSLMOD_PROFILE_D", profile_d.string()},
                {"WSLMOD_STATE_DIR", state.string()},
                {"XDG_CACHE_HOME", cache.string()}};
    }
};

Scratch scratch(const std::string& name) {
    Scratch s;
    s.dir = test::scratch_dir(name);
    s.conf = s.dir / "etc/wsl.conf";
    s.systemd = s.dir / "etc/systemd/system";
    s.profile_d = s.dir / "etc/profile.d";
    s.state = s.dir / "var/lib/wslmod";
    s.cache = s.dir / "cache";
    s.project = s.dir / "my project";
    for (const auto& d : {s.systemd, s.profile_d, s.project})
        fs::create_directories(d);
    return s;
}

std::set<std::string> listing(const fs::path& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        out.insert(fs::relative(e.path(), dir).string());
    return out;
}

nlohmann::json json_of(const util::CommandOutput& r) {
    INFO(r.output);
    auto j = nlohmann::json::parse(r.output, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return j;
}

} // namespace

TEST_CASE("autoinstall enable then disable leaves wsl.conf identical, and the boot command it "
          "adds runs under sh and is logged",
          "[autoinstall]") {
    auto s = scratch("cli-autoinstall-wsl-conf");
    test::FakeWindows win(s.dir / "win");
    REQUIRE(win.wslmod({"init", "--profile", "wsl"}, s.project).exit_code == 0);
    std::ofstream(s.conf, std::ios::binary)
        << "# distro settings\r\n[boot]\r\ncommand = touch '" << (s.dir / "theirs-ran").string()
        << "' # mine\r\n\r\n[interop]\r\nappendWindowsPath=false\r\n";
    test::run_ok({"cp", "-p", s.conf.string(), (s.dir / "wsl.conf.orig").string()});

    auto on =
        win.wslmod({"--json", "autoinstall", "enable", "--hook", "wsl.conf"}, s.project, s.env());
    auto doc = json_of(on);
    REQUIRE(on.exit_code == 0);
    CHECK(doc["hook"] == "wsl.conf");
    CHECK(doc["project"] == s.project.string());

    // What WSL reads as [boot] command, run the way WSL runs it: /bin/sh -c, as root.
    auto command = wsl::get_value(test::read_text(s.conf), "boot", "command");
    REQUIRE(command);
    INFO(*command);
    CHECK(command->find("autoinstall run --project '" + s.project.string() + "'") !=
          std::string::npos);
    util::Command sh({"sh", "-c", *command});
    sh.env = win.env();
    for (const auto& e : s.env())
        sh.env.push_back(e);
    auto ran = util::SystemRunner().run(sh);
    REQUIRE(ran);
    CHECK(ran->exit_code == 0); // at once: wslmod's part is in the background
    CHECK(fs::exists(s.dir / "theirs-ran"));
    auto last = s.cache / "wslmod/autoinstall/last.json";
    for (int i = 0; i < 300 && !fs::exists(last); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(fs::exists(last));
    // Nothing is installed on this fake Windows side: the run says so, and status shows it.
    auto st = json_of(win.wslmod({"--json", "autoinstall", "status"}, s.project, s.env()));
    CHECK(st["enabled"] == true);
    CHECK(st["hook"]["file"] == s.conf.string());
    CHECK(st["last_run"]["result"] == "failed");
    CHECK(st["last_run"]["exit_code"] == 2);
    CHECK(st["last_run"]["message"].get<std::string>().find("nothing wslmod installed") !=
          std::string::npos);

    // What the login notice asks: with nothing installed it cannot tell, which is not "due".
    auto check = win.wslmod({"upgrade", "--check"}, s.project, s.env());
    CHECK(check.exit_code == 2);
    CHECK(check.output.find("nothing wslmod installed is current") != std::string::npos);

    auto off = win.wslmod({"autoinstall", "disable"}, s.project, s.env());
    INFO(off.output);
    REQUIRE(off.exit_code == 0);
    test::run_ok({"cmp", s.conf.string(), (s.dir / "wsl.conf.orig").string()});
    auto none = win.wslmod({"autoinstall", "status"}, s.project, s.env());
    CHECK(none.output.find("autoinstall: disabled") != std::string::npos);
}

TEST_CASE("the autoinstall unit passes systemd-analyze verify, and disable leaves the unit folder "
          "as it was",
          "[autoinstall]") {
    test::require_program("systemd-analyze");
    auto s = scratch("cli-autoinstall-systemd");
    test::FakeWindows win(s.dir / "win");
    REQUIRE(win.wslmod({"init", "--profile", "wsl"}, s.project).exit_code == 0);
    std::ofstream(s.systemd / "theirs.service") << "[Service]\nExecStart=/bin/true\n";
    auto before = listing(s.systemd);

    auto on = win.wslmod({"autoinstall", "enable", "--hook", "systemd"}, s.project, s.env());
    INFO(on.output);
    REQUIRE(on.exit_code == 0);
    auto unit = s.systemd / "wslmod-autoinstall.service";
    REQUIRE(fs::exists(unit));
    CHECK(fs::read_symlink(s.systemd / "multi-user.target.wants/wslmod-autoinstall.service") ==
          unit);
    auto verify = test::run_tool({"systemd-analyze", "verify", unit.string()});
    INFO(verify.output);
    CHECK(verify.exit_code == 0);
    CHECK(verify.output.empty());

    REQUIRE(win.wslmod({"autoinstall", "disable"}, s.project, s.env()).exit_code == 0);
    CHECK(listing(s.systemd) == before);

    auto notify = win.wslmod({"autoinstall", "enable", "--notify"}, s.project, s.env());
    INFO(notify.output);
    REQUIRE(notify.exit_code == 0);
    auto script = s.profile_d / "wslmod-upgrade.sh";
    test::run_ok({"sh", "-n", script.string()});
    // Sourced by a non-interactive shell it does nothing, and it never ends the login shell.
    CHECK(test::run_ok({"sh", "-c", ". '" + script.string() + "'; echo still-here"}) ==
          "still-here\n");
    REQUIRE(win.wslmod({"autoinstall", "disable"}, s.project, s.env()).exit_code == 0);
    CHECK(fs::is_empty(s.profile_d));
}

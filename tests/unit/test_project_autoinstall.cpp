// `autoinstall enable` and `disable` on scratch files: wsl.conf comes back byte for byte (CRLF,
// comments, the user's own boot command, no file at all), an edit made in between is kept, a
// half-made enable is completed, and the systemd and notice forms leave nothing behind.
#include <fstream>

#include "project/autoinstall.h"
#include "support/catch.h"
#include "support/files.h"
#include "support/prereq.h"
#include "wsl/boot_hook.h"
#include "wsl/wslconfig.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

project::AutoinstallPaths paths_in(const fs::path& dir) {
    project::AutoinstallPaths p;
    p.wsl_conf = dir / "etc/wsl.conf";
    p.systemd_dir = dir / "etc/systemd/system";
    p.profile_d = dir / "etc/profile.d";
    p.state = dir / "var/lib/wslmod";
    fs::create_directories(dir / "etc");
    return p;
}

project::EnableRequest request(const std::string& hook, const fs::path& project = "/home/ann/p") {
    project::EnableRequest r;
    r.hook = hook;
    r.project = project;
    r.user = "ann";
    r.wslmod = "/usr/bin/wslmod";
    return r;
}

void spit(const fs::path& p, const std::string& s) {
    std::ofstream(p, std::ios::binary) << s;
}

const std::string users_conf =
    "# set up by IT\r\n[automount]\r\noptions = \"metadata\"\r\n\r\n"
    "[boot]\r\nsystemd=false\r\ncommand = service ssh start # ssh\r\n\r\n"
    "[user]\r\ndefault=ann\r\n";

} // namespace

TEST_CASE("autoinstall in wsl.conf chains after the user's command and disable gives the bytes "
          "back",
          "[project]") {
    auto dir = test::scratch_dir("autoinstall-wsl-conf");
    auto p = paths_in(dir);
    for (const std::string& original :
         {users_conf, std::string("[user]\ndefault=ann\n"), std::string("[boot]\ncommand=x &")}) {
        INFO(original);
        spit(p.wsl_conf, original);
        auto on = project::enable_autoinstall(p, request("wsl.conf"));
        REQUIRE(on);
        CHECK(on->hook.hook == "wsl.conf");
        auto text = test::read_text(p.wsl_conf);
        auto part = wsl::boot_part({"/usr/bin/wslmod", "/home/ann/p", "ann"});
        auto theirs = wsl::get_value(original, "boot", "command");
        CHECK(wsl::get_value(text, "boot", "command") == wsl::chained_command(theirs, part));
        // Nothing else WSL reads changed.
        auto before = wsl::settings(original), after = wsl::settings(text);
        before.erase("boot.command"), after.erase("boot.command");
        CHECK(before == after);
        if (original.find("\r\n") != std::string::npos)
            CHECK(text.find("\n") == text.find("\r\n") + 1); // CRLF kept
        // Enabling again changes nothing; another project is refused.
        auto again = project::enable_autoinstall(p, request("wsl.conf"));
        REQUIRE(again);
        CHECK(again->unchanged);
        auto other = project::enable_autoinstall(p, request("wsl.conf", "/home/ann/q"));
        REQUIRE_FALSE(other);
        CHECK(other.error().hint.find("autoinstall disable") != std::string::npos);

        auto off = project::disable_autoinstall(p);
        REQUIRE(off);
        CHECK(off->byte_identical);
        CHECK(test::read_text(p.wsl_conf) == original);
        CHECK(fs::is_empty(p.state));
    }
}

TEST_CASE("autoinstall without a wsl.conf creates one, and disable removes it", "[project]") {
    auto dir = test::scratch_dir("autoinstall-no-conf");
    auto p = paths_in(dir);
    REQUIRE(project::enable_autoinstall(p, request("wsl.conf")));
    CHECK(test::read_text(p.wsl_conf).starts_with("[boot]\ncommand="));
    REQUIRE(project::disable_autoinstall(p));
    CHECK_FALSE(fs::exists(p.wsl_conf));
    auto none = project::disable_autoinstall(p);
    REQUIRE_FALSE(none);
    CHECK(none.error().what == "autoinstall is not enabled");
}

TEST_CASE("a wsl.conf edited after enable keeps the edit, and only wslmod's part goes",
          "[project]") {
    auto dir = test::scratch_dir("autoinstall-edited");
    auto p = paths_in(dir);
    spit(p.wsl_conf, users_conf);
    REQUIRE(project::enable_autoinstall(p, request("wsl.conf")));
    auto enabled = test::read_text(p.wsl_conf);
    spit(p.wsl_conf, enabled + "[network]\r\nhostname=box\r\n");
    auto off = project::disable_autoinstall(p);
    REQUIRE(off);
    CHECK_FALSE(off->byte_identical);
    CHECK(test::read_text(p.wsl_conf) == users_conf + "[network]\r\nhostname=box\r\n");
}

TEST_CASE("an enable cut short after its record is completed by the next one", "[project]") {
    auto dir = test::scratch_dir("autoinstall-half");
    auto p = paths_in(dir);
    spit(p.wsl_conf, users_conf);
    REQUIRE(project::enable_autoinstall(p, request("wsl.conf")));
    auto enabled = test::read_text(p.wsl_conf);
    spit(p.wsl_conf, users_conf); // as if the process died between the record and the file
    auto again = project::enable_autoinstall(p, request("wsl.conf"));
    REQUIRE(again);
    CHECK_FALSE(again->unchanged);
    CHECK(test::read_text(p.wsl_conf) == enabled);
    REQUIRE(project::disable_autoinstall(p));
    CHECK(test::read_text(p.wsl_conf) == users_conf);
}

TEST_CASE("the systemd form writes the unit and its wants link, the notice form one script, and "
          "disable removes them",
          "[project]") {
    auto dir = test::scratch_dir("autoinstall-systemd");
    auto p = paths_in(dir);
    spit(p.wsl_conf, users_conf);
    auto on = project::enable_autoinstall(p, request("systemd"));
    REQUIRE(on);
    auto unit = p.systemd_dir / "wslmod-autoinstall.service";
    CHECK(on->hook.file == unit);
    CHECK(test::read_text(unit) == wsl::systemd_unit({"/usr/bin/wslmod", "/home/ann/p", "ann"}));
    auto link = p.systemd_dir / "multi-user.target.wants/wslmod-autoinstall.service";
    REQUIRE(fs::is_symlink(link));
    CHECK(fs::read_symlink(link) == unit);
    CHECK(test::read_text(p.wsl_conf) == users_conf); // untouched
    REQUIRE(project::disable_autoinstall(p));
    CHECK(fs::is_empty(p.systemd_dir));

    auto notify = request("");
    notify.notify = true;
    auto n = project::enable_autoinstall(p, notify);
    REQUIRE(n);
    CHECK(n->hook.hook == "notify");
    CHECK(fs::exists(p.profile_d / "wslmod-upgrade.sh"));
    auto st = project::autoinstall_status(p, dir / "cache");
    REQUIRE(st);
    REQUIRE(st->hook);
    CHECK(st->hook->hook == "notify");
    CHECK_FALSE(st->last);
    REQUIRE(project::disable_autoinstall(p));
    CHECK(fs::is_empty(p.profile_d));
}

TEST_CASE("status shows the last run that the hook recorded", "[project]") {
    auto dir = test::scratch_dir("autoinstall-last");
    auto p = paths_in(dir);
    project::LastRun run;
    run.result = "failed";
    run.exit_code = 2;
    run.message = "no wslmod.toml";
    REQUIRE(project::record_run(dir / "cache", run, "the log\n"));
    auto st = project::autoinstall_status(p, dir / "cache");
    REQUIRE(st);
    CHECK_FALSE(st->hook);
    REQUIRE(st->last);
    CHECK(st->last->result == "failed");
    CHECK(st->last->exit_code == 2);
    CHECK(st->last->message == "no wslmod.toml");
    CHECK_FALSE(st->last->at.empty());
    CHECK(test::read_text(st->last->log) == "the log\n");
}

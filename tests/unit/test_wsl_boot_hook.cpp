// The autoinstall hooks' texts: the [boot] command chained after a user's own and taken out
// again, shell quoting that survives any path, and the unit and notice forms.  (That sh and
// systemd read them is tests/integration/test_cli_autoinstall.cpp.)
#include "support/catch.h"
#include "wsl/boot_hook.h"

using namespace wslmod;

namespace {

const wsl::HookCommand root_hook{"/usr/bin/wslmod", "/home/ann/my wsl", "root"};

} // namespace

TEST_CASE("the boot command runs wslmod in the background, as the project's owner", "[wsl]") {
    auto part = wsl::boot_part(root_hook);
    CHECK(part == "nohup '/usr/bin/wslmod' autoinstall run --project '/home/ann/my wsl' "
                  ">/dev/null 2>&1 &");
    auto ann = wsl::boot_part({"/usr/bin/wslmod", "/home/ann/p", "ann"});
    CHECK(ann.starts_with("nohup runuser -u 'ann' -- '/usr/bin/wslmod' autoinstall run"));
    CHECK(wsl::shell_quoted("it's") == "'it'\\''s'");
}

TEST_CASE("the user's own boot command runs first and comes back unchanged", "[wsl]") {
    auto part = wsl::boot_part(root_hook);
    struct Case {
        std::optional<std::string> theirs;
        std::string chained;
    };
    for (const auto& c : std::vector<Case>{
             {std::nullopt, part},
             {"", part},
             {"service ssh start", "service ssh start ; " + part},
             {"service ssh start  ", "service ssh start ; " + part},
             {"mount -a &", "mount -a & " + part},
             {"mount -a;", "mount -a; " + part},
         }) {
        INFO(c.theirs.value_or("(none)"));
        auto v = wsl::chained_command(c.theirs, part);
        CHECK(v == c.chained);
        CHECK(wsl::holds_part(v, part));
        auto back = wsl::unchained_command(v, part);
        bool none = !c.theirs || c.theirs->find_first_not_of(' ') == std::string::npos;
        if (none) {
            CHECK_FALSE(back);
        } else {
            REQUIRE(back);
            // Trailing spaces are not kept: WSL trims them from the value anyway.
            auto want = *c.theirs;
            while (want.back() == ' ')
                want.pop_back();
            CHECK(*back == want);
        }
    }
    CHECK_FALSE(wsl::holds_part("service ssh start", part));
}

TEST_CASE("the systemd unit and the login notice name the project and the program", "[wsl]") {
    auto unit = wsl::systemd_unit({"/usr/bin/wslmod", "/home/ann/p", "ann"});
    CHECK(unit.find("\nType=oneshot\n") != std::string::npos);
    CHECK(unit.find("\nUser=ann\n") != std::string::npos);
    CHECK(unit.find("\nExecStart='/usr/bin/wslmod' autoinstall run --project '/home/ann/p'\n") !=
          std::string::npos);
    CHECK(unit.find("\nWantedBy=multi-user.target\n") != std::string::npos);
    CHECK(unit.find("Before=") == std::string::npos); // nothing waits for it
    CHECK(wsl::systemd_unit(root_hook).find("User=") == std::string::npos);
    auto notice = wsl::login_notice(root_hook);
    CHECK(notice.find("upgrade --check --project '/home/ann/my wsl'") != std::string::npos);
}

#include <chrono>
#include <filesystem>

#include "support/catch.h"
#include "util/process.h"

using namespace wslmod::util;
using namespace std::chrono_literals;

TEST_CASE("SystemRunner captures stdout and stderr and the exit code") {
    SystemRunner r;
    auto out = r.run({{"sh", "-c", "echo out; echo err >&2; exit 3"}});
    REQUIRE(out);
    CHECK(out->exit_code == 3);
    CHECK_FALSE(out->timed_out);
    CHECK(out->output.find("out\n") != std::string::npos);
    CHECK(out->output.find("err\n") != std::string::npos);
}

TEST_CASE("SystemRunner passes environment and working directory") {
    SystemRunner r;
    auto out =
        r.run(Command({"sh", "-c", "echo $WSLMOD_T; pwd"}).with_env("WSLMOD_T", "v1").in("/tmp"));
    REQUIRE(out);
    CHECK(out->output == "v1\n/tmp\n");
}

TEST_CASE("SystemRunner kills the whole process group at the timeout") {
    SystemRunner r;
    auto start = std::chrono::steady_clock::now();
    auto out =
        r.run(Command({"sh", "-c", "echo started; sleep 30 & sleep 30"}).with_timeout(300ms));
    REQUIRE(out);
    CHECK(out->timed_out);
    CHECK(out->output == "started\n");
    CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("SystemRunner reports a missing program as an error, a signal as 128+n") {
    SystemRunner r;
    auto missing = r.run({{"wslmod-no-such-program"}});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().where == "wslmod-no-such-program");
    auto killed = r.run({{"sh", "-c", "kill -9 $$"}});
    REQUIRE(killed);
    CHECK(killed->exit_code == 137);
}

TEST_CASE("shell_quote leaves plain words alone and quotes the rest") {
    CHECK(shell_quote({"make", "-C", "/a/b", "M=x"}) == "make -C /a/b M=x");
    CHECK(shell_quote({"echo", "a b", "it's", ""}) == "echo 'a b' 'it'\\''s' ''");
}

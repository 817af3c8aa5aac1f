#include "support/catch.h"
#include "verify/console.h"

using namespace wslmod::verify;

TEST_CASE("parse_console collects setup, each command and dmesg between nonce markers") {
    std::string console =
        "[    0.000000] Linux version ...\r\n"
        "@@WSLMOD-n1-SETUP-BEGIN\r\n"
        "\r\n@@WSLMOD-n1-SETUP-END 0\r\n"
        "@@WSLMOD-n1-BEGIN 0\r\n"
        "line a\r\nline b\r\n"
        "\r\n@@WSLMOD-n1-END 0 0\r\n"
        "@@WSLMOD-n1-BEGIN 1\r\n"
        "no newline at end"
        "\r\n@@WSLMOD-n1-END 1 1\r\n"
        "@@WSLMOD-n1-DMESG-BEGIN\r\nkernel says hi\r\n\r\n@@WSLMOD-n1-DMESG-END 0\r\n"
        "@@WSLMOD-n1-DONE\r\n";
    auto r = parse_console(console, "n1");
    CHECK(r.done);
    REQUIRE(r.setup);
    CHECK(r.setup->exit_code == 0);
    CHECK(r.setup->output.empty());
    REQUIRE(r.commands.size() == 2);
    CHECK(r.commands[0].output == "line a\nline b\n");
    CHECK(r.commands[0].exit_code == 0);
    CHECK(r.commands[1].output == "no newline at end");
    CHECK(r.commands[1].exit_code == 1);
    CHECK(r.dmesg == "kernel says hi\n");
}

TEST_CASE("parse_console ignores markers of another nonce and marks a cut-off boot not done") {
    std::string console = "@@WSLMOD-n1-BEGIN 0\n"
                          "@@WSLMOD-forged-END 0 0\n"
                          "@@WSLMOD-n1-DONE\n"
                          "still running";
    auto r = parse_console(console, "n1");
    CHECK_FALSE(r.done);
    CHECK(r.commands.empty());

    auto never = parse_console("kernel panic\n", "n1");
    CHECK_FALSE(never.done);
    CHECK_FALSE(never.setup);
}

TEST_CASE("parse_console keeps commands in order and refuses out-of-order sections") {
    auto r = parse_console("@@WSLMOD-n-BEGIN 1\nx\n\n@@WSLMOD-n-END 1 0\n@@WSLMOD-n-DONE\n", "n");
    CHECK(r.done);
    CHECK(r.commands.empty()); // command 1 before command 0 is not taken
}

TEST_CASE("console_tail returns the last lines") {
    CHECK(console_tail("a\r\nb\r\nc\r\n", 2) == "c\n");
    CHECK(console_tail("a\nb\nc", 2) == "b\nc");
    CHECK(console_tail("a\nb", 10) == "a\nb");
}

// cli::Console: what progress and messages look like on a TTY, in a pipe, and with --json.
#include <sstream>

#include "cli/console.h"
#include "support/catch.h"

using wslmod::cli::Console;
using wslmod::engine::BuildEvent;

TEST_CASE("in a pipe the console draws no status line and no escape codes, and a built recipe is "
          "one line") {
    std::ostringstream err;
    Console c(err, /*json=*/false, /*tty=*/false, /*color=*/true);
    c.step("prepare: fetching");
    c.build_event({BuildEvent::Kind::started, "hello", 0, 2, 0});
    c.build_event({BuildEvent::Kind::built, "hello", 1, 2, 1.25});
    c.build_event({BuildEvent::Kind::cached, "usbip", 2, 2, 0});
    c.done();
    c.warn("w");
    c.note("n");
    c.say("s");
    CHECK(err.str() == "built hello in 1.2 s\nwslmod: warning: w\nwslmod: note: n\nwslmod: s\n");
}

TEST_CASE("on a TTY the status line is rewritten in place and names the recipes being built") {
    std::ostringstream err;
    Console c(err, false, true, false);
    c.step("prepare: fetching");
    CHECK(err.str() == "\33[2K\rprepare: fetching ...");
    err.str("");
    c.build_event({BuildEvent::Kind::started, "a", 0, 2, 0});
    c.build_event({BuildEvent::Kind::started, "b", 0, 2, 0});
    CHECK(err.str() == "\33[2K\r[0/2] building a\33[2K\r[0/2] building a, b");
    err.str("");
    c.build_event({BuildEvent::Kind::built, "a", 1, 2, 3});
    c.done();
    CHECK(err.str() == "\33[2K\r[1/2] building b\33[2K\r");
}

TEST_CASE("colour marks warnings and errors on a TTY only, and NO_COLOR turns it off") {
    std::ostringstream tty, plain, piped;
    Console(tty, false, true, true).warn("w");
    Console(plain, false, true, false).error("e");
    Console(piped, false, false, true).error("e");
    CHECK(tty.str() == "wslmod: \33[1;35mwarning:\33[0m w\n");
    CHECK(plain.str() == "wslmod: error: e\n");
    CHECK(piped.str() == "wslmod: error: e\n");
}

TEST_CASE("with --json only warnings and diagnostics reach stderr") {
    std::ostringstream err;
    Console c(err, /*json=*/true, /*tty=*/true, false);
    c.step("x");
    c.build_event({BuildEvent::Kind::built, "hello", 1, 1, 1});
    c.done();
    c.note("n");
    c.say("s");
    c.warn("w");
    c.diagnostic("  | log line\n");
    CHECK(err.str() == "wslmod: warning: w\n  | log line\n");
}

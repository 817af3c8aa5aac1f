// The jobserver: MAKEFLAGS' job count, a pipe of N tokens that acquire() and release() move,
// joining a parent make's jobserver when its descriptors are open, and the MAKEFLAGS value
// that hands it (and command-line variable overrides) to child makes.
#include <fcntl.h>
#include <regex>
#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "engine/jobserver.h"
#include "engine/steps.h"
#include "support/catch.h"

using namespace wslmod;
using namespace wslmod::engine;

namespace {

// The read and write descriptors named by --jobserver-auth=R,W in `makeflags`.
std::pair<int, int> auth_fds(const std::string& makeflags) {
    static const std::regex auth(R"(--jobserver-auth=([0-9]+),([0-9]+))");
    std::smatch m;
    REQUIRE(std::regex_search(makeflags, m, auth));
    return {std::stoi(m[1].str()), std::stoi(m[2].str())};
}

// Bytes waiting in the pipe behind `fd`: the free job slots.
int tokens(int fd) {
    int n = -1;
    REQUIRE(ioctl(fd, FIONREAD, &n) == 0);
    return n;
}

bool is_open(int fd) {
    return fcntl(fd, F_GETFD) != -1;
}

} // namespace

TEST_CASE(
    "makeflags_jobs reads -jN, a flag word holding j, and --jobs=N, and nothing after ' -- '") {
    CHECK(makeflags_jobs("-j4") == 4u);
    CHECK(makeflags_jobs(" -j4 --jobserver-auth=3,4") == 4u);
    CHECK(makeflags_jobs("kj8") == 8u); // make's own form: single-letter flags in one word
    CHECK(makeflags_jobs("--jobs=3") == 3u);
    CHECK(makeflags_jobs(" -k -j12 --no-print-directory") == 12u);
    CHECK_FALSE(makeflags_jobs("").has_value());
    CHECK_FALSE(makeflags_jobs(" -- J=2").has_value()); // a variable assignment, not a flag
    CHECK_FALSE(makeflags_jobs(" -k -- CFLAGS=-j9").has_value());
    CHECK_FALSE(makeflags_jobs(" --jobserver-auth=3,4").has_value());
}

TEST_CASE("Jobserver::create makes its own pipe of N tokens that acquire and release move") {
    auto js = Jobserver::create(3, "");
    INFO((js ? "" : js.error().message()));
    REQUIRE(js);
    CHECK_FALSE(js->inherited());
    CHECK(js->jobs() == 3u);
    auto flags = js->makeflags();
    CHECK(flags.find("-j3") != std::string::npos);
    CHECK(std::regex_search(flags, std::regex(R"(--jobserver-auth=[0-9]+,[0-9]+)")));
    CHECK(flags.find(" -- ") == std::string::npos); // no overrides, no variable part
    CHECK(makeflags_jobs(flags) == 3u);             // a child make reads back the same budget
    auto [r, w] = auth_fds(flags);
    CHECK(r != w);
    CHECK(is_open(r));
    CHECK(is_open(w));

    CHECK(tokens(r) == 3);
    for (int i = 0; i < 3; ++i)
        js->acquire();
    CHECK(tokens(r) == 0); // every slot taken: a fourth acquire() would block
    for (int i = 0; i < 3; ++i)
        js->release();
    CHECK(tokens(r) == 3);
    js->acquire();
    CHECK(tokens(r) == 2);
    js->release();
    CHECK(tokens(r) == 3);
}

TEST_CASE("Jobserver::create gives at least one slot") {
    auto js = Jobserver::create(0, "");
    REQUIRE(js);
    CHECK(js->jobs() == 1u);
    CHECK(tokens(auth_fds(js->makeflags()).first) == 1);
}

TEST_CASE("Jobserver closes its own pipe when it goes away") {
    int r = -1, w = -1;
    {
        auto js = Jobserver::create(2, "");
        REQUIRE(js);
        std::tie(r, w) = auth_fds(js->makeflags());
        CHECK(is_open(r));
    }
    CHECK_FALSE(is_open(r));
    CHECK_FALSE(is_open(w));
}

TEST_CASE("Jobserver::create joins a parent make's jobserver whose descriptors are open") {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    REQUIRE(write(fds[1], "++", 2) == 2); // the parent's free slots
    auto parent = fmt::format(" -j5 --jobserver-auth={},{}", fds[0], fds[1]);
    {
        auto js = Jobserver::create(2, parent);
        INFO((js ? "" : js.error().message()));
        REQUIRE(js);
        CHECK(js->inherited());
        CHECK(js->jobs() == 5u); // the parent's budget, not ours
        CHECK(auth_fds(js->makeflags()) == std::pair{fds[0], fds[1]});
        js->acquire();
        CHECK(tokens(fds[0]) == 1); // it took one of the parent's tokens
        js->release();
        CHECK(tokens(fds[0]) == 2);
    }
    // The parent's descriptors are not ours to close.
    CHECK(is_open(fds[0]));
    CHECK(is_open(fds[1]));
    close(fds[0]);
    close(fds[1]);

    // The older spelling, --jobserver-fds, names them too.
    REQUIRE(pipe(fds) == 0);
    auto old = Jobserver::create(2, fmt::format(" -j3 --jobserver-fds={},{}", fds[0], fds[1]));
    REQUIRE(old);
    CHECK(old->inherited());
    CHECK(old->jobs() == 3u);
    close(fds[0]);
    close(fds[1]);
}

TEST_CASE("Jobserver::create makes its own pipe when the parent's descriptors are closed") {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    close(fds[0]);
    close(fds[1]);
    auto js = Jobserver::create(2, fmt::format(" -j7 --jobserver-auth={},{}", fds[0], fds[1]));
    REQUIRE(js);
    CHECK_FALSE(js->inherited());
    CHECK(js->jobs() == 2u); // its own budget, not the dead parent's
    auto [r, w] = auth_fds(js->makeflags());
    CHECK(is_open(r));
    CHECK(is_open(w));
    CHECK(tokens(r) == 2);
}

TEST_CASE("Jobserver::makeflags carries variable overrides after ' -- ' with spaces escaped as "
          "make does") {
    auto js = Jobserver::create(4, "");
    REQUIRE(js);
    auto overrides = launcher_overrides("ccache");
    REQUIRE(overrides == std::vector<std::string>{"CC=ccache gcc"});
    auto flags = js->makeflags(overrides);
    auto dashes = flags.find(" -- ");
    REQUIRE(dashes != std::string::npos);
    CHECK(flags.substr(0, dashes) == js->makeflags()); // the flags part is unchanged
    CHECK(flags.substr(dashes) == R"( -- CC=ccache\ gcc)");
    CHECK(makeflags_jobs(flags) == 4u);
    // Backslashes are escaped too, and each override is its own word.
    auto two = js->makeflags({"A=x y", R"(B=c:\d)"});
    CHECK(two.substr(two.find(" -- ")) == R"( -- A=x\ y B=c:\\d)");
}

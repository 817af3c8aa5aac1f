// The --timings line and the stopwatch behind it.
#include <thread>

#include "support/catch.h"
#include "util/timings.h"

using namespace wslmod;

TEST_CASE("a stopwatch records each lap in order, and skip() leaves time out") {
    util::Timings t;
    util::Stopwatch w(t);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    w.lap("first");
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    w.skip();
    w.lap("second");
    REQUIRE(t.size() == 2);
    CHECK(t[0].first == "first");
    CHECK(t[0].second >= 0.02);
    CHECK(t[1].first == "second");
    CHECK(t[1].second < 0.02);
    CHECK(util::total(t) == Approx(t[0].second + t[1].second));
}

TEST_CASE("format_timings prints every step and the total") {
    CHECK(util::format_timings({{"extract", 4.1}, {"configure", 1.5}}) ==
          "extract 4.10 s, configure 1.50 s (total 5.60 s)");
    CHECK(util::format_timings({}) == "(total 0.00 s)");
}

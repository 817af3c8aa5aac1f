#include "support/catch.h"
#include "util/error.h"

using namespace wslmod::util;

namespace {
Result<int> parse_positive(int v) {
    if (v <= 0) return bad_input("must be positive", std::to_string(v), "pass a number > 0");
    return v;
}
Result<int> doubled(int v) {
    return 2 * WSLMOD_TRY(parse_positive(v));
}
Result<void> check(int v) {
    WSLMOD_CHECK(parse_positive(v));
    return {};
}
} // namespace

TEST_CASE("Error::message names where, what and the hint on one line") {
    Error e{"bad magic", "disk.vhdx", "pass a VHDX file"};
    CHECK(e.message() == "disk.vhdx: bad magic (pass a VHDX file)");
    CHECK(Error{"plain"}.message() == "plain");
    CHECK(Error{"x", "", "y"}.message() == "x (y)");
}

TEST_CASE("WSLMOD_TRY unwraps values and propagates errors with their exit code") {
    CHECK(*doubled(3) == 6);
    auto r = doubled(-1);
    REQUIRE_FALSE(r);
    CHECK(r.error().where == "-1");
    CHECK(r.error().code == ExitCode::usage);
    CHECK(check(1).has_value());
    CHECK_FALSE(check(0).has_value());
}

// fill_template: placeholders filled, stray '@' kept, an unfilled placeholder named.
#include "support/catch.h"
#include "util/template_text.h"

using namespace wslmod;

TEST_CASE("fill_template replaces every @NAME@ and keeps other at-signs") {
    auto t = util::fill_template("kernel=@KERNEL@\nmail me@host @ 5 @lower@ @A_1@@A_1@@",
                                 {{"KERNEL", "C:\\\\k"}, {"A_1", "x"}}, "t");
    REQUIRE(t);
    CHECK(*t == "kernel=C:\\\\k\nmail me@host @ 5 @lower@ xx@");
}

TEST_CASE("fill_template names a placeholder that nothing fills") {
    auto t = util::fill_template("a @SHA256@ b @MISSING@", {{"SHA256", "x"}}, "/t/scoop.json");
    REQUIRE_FALSE(t);
    CHECK(t.error().message() ==
          "/t/scoop.json: the template has @MISSING@, which nothing fills (use the template "
          "shipped with this wslmod)");
}

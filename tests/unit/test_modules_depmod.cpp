// depmod's warnings become errors that name the module and the symbol.
#include "modules/depmod.h"
#include "support/catch.h"

using namespace wslmod;

TEST_CASE("depmod output is parsed into unknown symbols, CRC disagreements and other warnings") {
    std::string root = "/c/staging/plain/lib/modules/6.12.0";
    std::string out =
        "depmod: WARNING: /c/staging/plain/lib/modules/6.12.0/extra/b/wslmod_broken.ko.xz needs "
        "unknown symbol "
        "wslmod_nobody_exports_this\n"
        "depmod: WARNING: /c/staging/plain/lib/modules/6.12.0/extra/x/x.ko disagrees about version "
        "of symbol "
        "printk\r\n"
        "depmod: WARNING: found 2 modules in dependency cycles!\n"
        "\n";
    auto issues = modules::parse_depmod_output(out, root);
    REQUIRE(issues.size() == 3);
    CHECK(issues[0].kind == modules::DepmodIssue::Kind::unknown_symbol);
    CHECK(issues[0].module == "extra/b/wslmod_broken.ko.xz");
    CHECK(issues[0].symbol == "wslmod_nobody_exports_this");
    CHECK(issues[1].kind == modules::DepmodIssue::Kind::symbol_version);
    CHECK(issues[1].module == "extra/x/x.ko");
    CHECK(issues[1].symbol == "printk");
    CHECK(issues[2].kind == modules::DepmodIssue::Kind::other);
    CHECK(modules::parse_depmod_output("", root).empty());

    auto e = modules::depmod_error(issues, "recipe wslmod-broken");
    CHECK(e.message().find("wslmod_nobody_exports_this") != std::string::npos);
    CHECK(e.message().find("extra/b/wslmod_broken.ko.xz") != std::string::npos);
    CHECK(e.message().find("recipe wslmod-broken") != std::string::npos);
    CHECK(e.message().find("2 more issues") != std::string::npos);
    auto other = modules::depmod_error({issues[2]}, "x");
    CHECK(other.message().find("dependency cycles") != std::string::npos);
}

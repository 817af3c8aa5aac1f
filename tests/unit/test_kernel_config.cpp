#include "kernel/config.h"
#include "support/catch.h"

using namespace wslmod::kernel;

TEST_CASE("parse_config reads values, unset options and the header version") {
    auto cfg = parse_config("#\n# Linux/x86 6.18.20.1 Kernel Configuration\n#\n"
                            "CONFIG_MODULES=y\r\nCONFIG_USB=m\nCONFIG_NR_CPUS=8192\n"
                            "CONFIG_LOCALVERSION=\"-microsoft-standard-WSL2\"\n"
                            "CONFIG_CC_VERSION_TEXT=\"gcc \\\"x\\\" 13\"\n"
                            "# CONFIG_MODULE_SIG is not set\n\n",
                            "cfg");
    REQUIRE(cfg);
    CHECK(cfg->generated_for == "6.18.20.1");
    CHECK(cfg->builtin("MODULES"));
    CHECK(cfg->enabled("USB"));
    CHECK_FALSE(cfg->builtin("USB"));
    CHECK(*cfg->get("NR_CPUS") == "8192");
    CHECK(cfg->string_value("LOCALVERSION") == "-microsoft-standard-WSL2");
    CHECK(cfg->string_value("CC_VERSION_TEXT") == "gcc \"x\" 13");
    CHECK(cfg->unset.count("MODULE_SIG") == 1);
    CHECK_FALSE(cfg->enabled("MODULE_SIG"));
    CHECK_FALSE(cfg->get("ABSENT"));
}

TEST_CASE("parse_config names the file and line of a malformed line") {
    auto bad = parse_config("CONFIG_A=y\nthis is not kconfig\n", "my.config");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().where == "my.config:2");
    CHECK(bad.error().what.find("this is not kconfig") != std::string::npos);

    auto open_quote = parse_config("CONFIG_A=\"unterminated\n", "c");
    REQUIRE_FALSE(open_quote);
    CHECK(open_quote.error().where == "c:1");
    CHECK_FALSE(parse_config("CONFIG_A-B=y\n", "c"));
    CHECK_FALSE(parse_config("CONFIG_A=\n", "c"));
}

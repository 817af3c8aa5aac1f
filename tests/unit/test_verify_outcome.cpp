// The kernel's verdict on one modprobe, from its own messages: each failure gets its reason,
// the symbol it names and a hint; lines about other modules are not taken for this one's.
#include "support/catch.h"
#include "verify/outcome.h"

using namespace wslmod::verify;

namespace {
const char* dmesg = "[    0.000000] Linux version 6.12.117+deb12-amd64\n"
                    "[    2.101] hello: disagrees about version of symbol _printk\n"
                    "[    2.102] hello: Unknown symbol _printk (err -22)\n"
                    "[    2.200] v4l2loopback: version magic '6.6.87.2 SMP mod_unload ' should be "
                    "'6.12.117+deb12-amd64 SMP "
                    "preempt mod_unload modversions '\n"
                    "[    2.300] wslmod_consumer: Unknown symbol wslmod_provider_answer (err -2)\n"
                    "[    2.400] othello: disagrees about version of symbol _printk\n";
}

TEST_CASE("a CRC mismatch names the symbol and points at Module.symvers", "[verify]") {
    auto o =
        classify("hello", 1, "modprobe: ERROR: could not insert 'hello': Exec format error", dmesg);
    CHECK_FALSE(o.loaded);
    CHECK(o.reason == "symbol CRC mismatch");
    CHECK(o.symbol == "_printk");
    CHECK(o.hint.find("Module.symvers") != std::string::npos);
    REQUIRE(o.dmesg.size() == 2); // its own two lines, not othello's
    CHECK(o.dmesg[0].find("disagrees about version of symbol _printk") != std::string::npos);
}

TEST_CASE("a vermagic mismatch points at the release", "[verify]") {
    auto o = classify("v4l2loopback", 1,
                      "modprobe: ERROR: could not insert 'v4l2loopback': Exec format error", dmesg);
    CHECK(o.reason == "vermagic mismatch");
    CHECK(o.hint.find("release") != std::string::npos);
    REQUIRE(o.dmesg.size() == 1);
}

TEST_CASE("an unknown symbol names it and says a module is missing", "[verify]") {
    auto o = classify(
        "wslmod-consumer", 1,
        "modprobe: ERROR: could not insert 'wslmod_consumer': Unknown symbol in module", dmesg);
    CHECK(o.reason == "unknown symbol");
    CHECK(o.symbol == "wslmod_provider_answer");
    CHECK(o.hint.find("missing from the image") != std::string::npos);
}

TEST_CASE("a module that is not there, one that loaded, and an unexplained failure", "[verify]") {
    auto missing = classify(
        "nosuch", 1, "modprobe: FATAL: Module nosuch not found in directory /lib/modules/6.12", "");
    CHECK(missing.reason == "not in the image");
    auto fine = classify("vcan", 0, "", "[ 1.0] vcan: Virtual CAN interface driver\n");
    CHECK(fine.loaded);
    CHECK(fine.reason.empty());
    CHECK(fine.dmesg.size() == 1);
    auto odd =
        classify("x", 1, "modprobe: ERROR: could not insert 'x': Operation not permitted\n", "");
    CHECK(odd.reason ==
          "modprobe failed: modprobe: ERROR: could not insert 'x': Operation not permitted");
}

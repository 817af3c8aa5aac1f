#include <nlohmann/json.hpp>

#include "kernel/facts.h"
#include "support/catch.h"

using namespace wslmod::kernel;

TEST_CASE("module_facts picks out what decides whether a module loads") {
    auto cfg = parse_config("CONFIG_MODULES=y\nCONFIG_MODVERSIONS=y\nCONFIG_MODULE_SIG=y\n"
                            "CONFIG_MODULE_COMPRESS_ZSTD=y\nCONFIG_DEBUG_INFO_BTF_MODULES=y\n"
                            "CONFIG_LOCALVERSION=\"-x\"\nCONFIG_CC_VERSION_TEXT=\"gcc 12\"\n",
                            "c");
    REQUIRE(cfg);
    auto f = module_facts(*cfg);
    CHECK(f.modules);
    CHECK(f.modversions);
    CHECK(f.module_sig);
    CHECK_FALSE(f.module_sig_force);
    CHECK(f.compression == "zstd");
    CHECK(f.btf_modules);
    CHECK(f.localversion == "-x");
    CHECK(f.compiler == "gcc 12");
    CHECK(to_json(f)["compression"] == "zstd");

    auto empty = module_facts(*parse_config("", "c"));
    CHECK(empty.compression == "none");
    CHECK_FALSE(empty.modversions);
}

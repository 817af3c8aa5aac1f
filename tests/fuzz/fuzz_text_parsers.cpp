// libFuzzer target: the parsers of text that users and packages hand to wslmod: recipe.toml
// (recipe::parse_recipe), bash's `declare -p` output read back from a dkms.conf
// (util::parse_declare_p), and kernel .config files (kernel::parse_config).  Each must accept
// or refuse any bytes without crashing (ASan and UBSan watch).  The first byte picks the parser
// (modulo 3, so the seeds start with a readable 0, 1 or 2).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kernel/config.h"
#include "recipe/recipe.h"
#include "util/bash_declare.h"

using namespace wslmod;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
    case 0: (void)recipe::parse_recipe(text, "/nonexistent/fuzz/recipe.toml"); break;
    case 1: (void)util::parse_declare_p(text); break;
    default: (void)kernel::parse_config(text, "fuzz.config"); break;
    }
    return 0;
}

// libFuzzer target: the parsers of text that users and packages hand to wslmod: recipe.toml
// (recipe::parse_recipe), bash's `declare -p` output read back from a dkms.conf
// (util::parse_declare_p), kernel .config files (kernel::parse_config), and wslmod.toml with
// its add/remove edits (recipe/manifest.h).  Each must accept or refuse any bytes without
// crashing (ASan and UBSan watch).  The first byte picks the parser (its distance from '0',
// modulo 4, so the seeds start with a readable 0, 1, 2 or 3).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kernel/config.h"
#include "recipe/manifest.h"
#include "recipe/recipe.h"
#include "util/bash_declare.h"

using namespace wslmod;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (static_cast<uint8_t>(data[0] - '0') % 4) {
    case 0:
        (void)recipe::parse_recipe(text, "/nonexistent/fuzz/recipe.toml");
        break;
    case 1:
        (void)util::parse_declare_p(text);
        break;
    case 2:
        (void)kernel::parse_config(text, "fuzz.config");
        break;
    default:
        (void)recipe::parse_manifest(text, "/nonexistent/fuzz/wslmod.toml");
        (void)recipe::remove_recipes(recipe::add_recipes(text, {"fuzz-added", "a.b"}),
                                     "/nonexistent/fuzz/wslmod.toml", {"fuzz-added"});
        break;
    }
    return 0;
}

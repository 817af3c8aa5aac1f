// Whether a recipe can be built for a kernel: its release range, release regex, architecture
// and config conditions, and, for in-tree recipes, that no [kconfig] option is already built
// into the kernel (a module of it would clash with the built-in code).  Pure: the kernel is a
// value, so every refusal is unit-tested on strings.
#pragma once

#include <string>

#include "kernel/config.h"
#include "recipe/recipe.h"

namespace wslmod::engine {

struct Target {
    std::string release; // e.g. 6.12.117+deb12-amd64
    std::string arch = "x86_64";
    kernel::KernelConfig config;
    std::string config_file; // names the config in errors
};

// Ok, or a bad-input error naming the recipe file, the condition and the kernel value.
util::Result<void> check_requirements(const recipe::Recipe& r, const Target& t);

} // namespace wslmod::engine

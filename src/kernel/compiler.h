// The compiler that builds a kernel tree and its modules.  A module's code is what its compiler
// makes of it, and the stock WSL kernels were built by gcc 11.2 (6.6) and 13.2 (6.18) while a
// Debian 12 host has gcc 12 and Ubuntu 24.04 gcc 13.3, so the choice is made on purpose:
//   1. `--cc PROGRAM` (or the manifest's `cc`) when given: it must be installed;
//   2. plain gcc when its major is the one in the published CONFIG_CC_VERSION_TEXT;
//   3. gcc-N for that major when it is installed (Debian and Ubuntu package gcc-11, -12, -13);
//   4. plain gcc otherwise, with a note naming the package that would match.
// The chosen program's version text is part of the tree's and the builds' cache keys and of
// wslmod.lock, so a tree or module built by one compiler is never taken for another's.
//
// Cross builds: for a kernel of another architecture than this machine's (an arm64 WSL kernel
// on an x86_64 host), each name above gets Debian's triplet prefix ("aarch64-linux-gnu-gcc-12",
// package gcc-aarch64-linux-gnu), and the program's name is then what tells Kbuild the target:
// cc_vars adds ARCH= and CROSS_COMPILE= for a prefixed program, so the tree's prepare, every
// recipe build and every DKMS build get them from the one place that names the compiler.
#pragma once

#include <string>
#include <vector>

#include "util/process.h"

namespace wslmod::kernel {

struct Compiler {
    std::string program = "gcc"; // what CC= names for make
    std::string version;         // the first line of `program --version`
    std::string note;            // set when the stock kernel's compiler is not available
};

// `published_text` is the published config's CONFIG_CC_VERSION_TEXT (may be empty); `cross` the
// triplet prefix for a cross build ("aarch64-linux-gnu-"), empty for a native one.
util::Result<Compiler> choose_compiler(const std::string& published_text,
                                       const std::string& requested, util::CommandRunner& runner,
                                       const std::string& cross = {});

// The triplet prefix for building for Kbuild architecture `arch` ("x86", "arm64") on this
// machine: empty when this machine is of that architecture.
std::string cross_prefix(const std::string& arch);

// The make variable that selects `program` ("CC=gcc-11"), with `launcher` in front of it when
// one is given ("CC=ccache gcc-11"); none for plain gcc without a launcher (Kbuild's default).
// A program with a triplet prefix of another architecture than this machine's also gets
// "ARCH=arm64", "CROSS_COMPILE=aarch64-linux-gnu-" (or x86 and x86_64-linux-gnu-) first.
std::vector<std::string> cc_vars(const std::string& program, const std::string& launcher = {});

// The first line of `program --version`, or "no <program>" when it does not run.
std::string compiler_version(const std::string& program, util::CommandRunner& runner);

} // namespace wslmod::kernel

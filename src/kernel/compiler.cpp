#include "kernel/compiler.h"

#include <fmt/format.h>

#include "kernel/facts.h"

namespace wslmod::kernel {

std::vector<std::string> cc_vars(const std::string& program, const std::string& launcher) {
    auto cc = program.empty() ? std::string("gcc") : program;
    if (launcher.empty() && cc == "gcc") return {};
    return {"CC=" + (launcher.empty() ? cc : launcher + " " + cc)};
}

std::string compiler_version(const std::string& program, util::CommandRunner& runner) {
    auto out = runner.run(util::Command({program, "--version"}));
    if (!out || out->exit_code != 0 || out->output.empty()) return "no " + program;
    return out->output.substr(0, out->output.find('\n'));
}

util::Result<Compiler> choose_compiler(const std::string& published_text,
                                       const std::string& requested, util::CommandRunner& runner) {
    Compiler c;
    if (!requested.empty()) {
        if (!util::find_program(requested))
            return util::bad_input(fmt::format("the compiler {} is not installed", requested),
                                   requested, "install it, or leave --cc (and cc =) out");
        c.program = requested;
        c.version = compiler_version(requested, runner);
        return c;
    }
    c.version = compiler_version("gcc", runner);
    auto want = gcc_major(published_text), have = gcc_major(c.version);
    if (want.empty() || want == have) return c;
    auto matching = "gcc-" + want;
    if (util::find_program(matching)) {
        c.program = matching;
        c.version = compiler_version(matching, runner);
        return c;
    }
    c.note = fmt::format("the stock kernel was built with gcc {} and {} is not installed, so "
                         "{} builds the modules: they usually load, but `apt install {}` matches "
                         "the kernel",
                         want, matching, have.empty() ? "gcc" : "gcc " + have, matching);
    return c;
}

} // namespace wslmod::kernel

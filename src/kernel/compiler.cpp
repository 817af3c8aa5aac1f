#include "kernel/compiler.h"

#include <sys/utsname.h>

#include <fmt/format.h>

#include "kernel/facts.h"

namespace wslmod::kernel {

namespace {

// Kbuild architecture and Debian triplet prefix of the targets wslmod builds for.
struct Target {
    const char* arch;
    const char* prefix;
    const char* machine; // uname -m of a host of that architecture
};
constexpr Target targets[] = {{"x86", "x86_64-linux-gnu-", "x86_64"},
                              {"arm64", "aarch64-linux-gnu-", "aarch64"}};

std::string host_machine() {
    struct utsname u {};
    return ::uname(&u) == 0 ? u.machine : "";
}

} // namespace

std::string cross_prefix(const std::string& arch) {
    auto host = host_machine();
    for (const auto& t : targets)
        if (arch == t.arch) return host == t.machine ? "" : t.prefix;
    return "";
}

std::vector<std::string> cc_vars(const std::string& program, const std::string& launcher) {
    auto cc = program.empty() ? std::string("gcc") : program;
    std::vector<std::string> vars;
    auto host = host_machine();
    for (const auto& t : targets)
        if (cc.starts_with(t.prefix) && host != t.machine)
            vars = {std::string("ARCH=") + t.arch, std::string("CROSS_COMPILE=") + t.prefix};
    // arm64's 32-bit compat vDSO (CONFIG_COMPAT_VDSO) is built by an arm32 compiler, as Debian
    // builds it; without one olddefconfig drops the option.
    if (!vars.empty() && vars.front() == "ARCH=arm64" &&
        util::find_program("arm-linux-gnueabihf-gcc"))
        vars.push_back("CROSS_COMPILE_COMPAT=arm-linux-gnueabihf-");
    if (launcher.empty() && cc == "gcc") return vars;
    vars.push_back("CC=" + (launcher.empty() ? cc : launcher + " " + cc));
    return vars;
}

std::string compiler_version(const std::string& program, util::CommandRunner& runner) {
    auto out = runner.run(util::Command({program, "--version"}));
    if (!out || out->exit_code != 0 || out->output.empty()) return "no " + program;
    return out->output.substr(0, out->output.find('\n'));
}

util::Result<Compiler> choose_compiler(const std::string& published_text,
                                       const std::string& requested, util::CommandRunner& runner,
                                       const std::string& cross) {
    Compiler c;
    if (!cross.empty() && requested.empty()) {
        // A cross build: the triplet's gcc-N for the published major, else its plain gcc.
        auto want = gcc_major(published_text);
        auto plain = cross + "gcc", matching = cross + "gcc-" + want;
        auto package = "gcc-" + cross.substr(0, cross.size() - 1);
        if (!want.empty() && util::find_program(matching))
            c.program = matching;
        else if (util::find_program(plain))
            c.program = plain;
        else
            return util::bad_input(
                fmt::format("this kernel is for another architecture and {} is not installed",
                            plain),
                plain, fmt::format("apt install {} (scripts/setup --deps does)", package));
        c.version = compiler_version(c.program, runner);
        if (!want.empty() && gcc_major(c.version) != want)
            c.note = fmt::format("the stock kernel was built with gcc {} and {} is not "
                                 "installed, so {} builds the modules",
                                 want, matching, c.program);
        return c;
    }
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

#include "support/run.h"

#include "support/catch.h"
#include "support/prereq.h"

namespace wslmod::test {

util::CommandOutput run_wslmod(std::vector<std::string> args) {
    args.insert(args.begin(), wslmod_binary().string());
    util::SystemRunner r;
    auto out = r.run(util::Command(args));
    REQUIRE(out);
    return *out;
}

util::CommandOutput run_tool(std::vector<std::string> argv, const std::filesystem::path& cwd) {
    require_program(argv.front());
    util::SystemRunner r;
    auto out = r.run(util::Command(argv).in(cwd));
    REQUIRE(out);
    return *out;
}

std::string run_ok(std::vector<std::string> argv, const std::filesystem::path& cwd) {
    auto out = run_tool(argv, cwd);
    INFO(util::shell_quote(argv) << "\n" << out.output);
    REQUIRE(out.exit_code == 0);
    return out.output;
}

} // namespace wslmod::test

// The wslmod binary, run as a user runs it.
#include <fstream>

#include "cli/commands.h"
#include "support/catch.h"
#include "support/prereq.h"
#include "util/process.h"

using namespace wslmod;

namespace {
util::CommandOutput wslmod_run(std::vector<std::string> args) {
    args.insert(args.begin(), test::wslmod_binary().string());
    util::SystemRunner r;
    auto out = r.run({args});
    REQUIRE(out);
    return *out;
}
} // namespace

TEST_CASE("wslmod --help lists every row of the subcommand table and --version prints the version") {
    auto help = wslmod_run({"--help"});
    CHECK(help.exit_code == 0);
    for (const auto& row : cli::subcommands()) {
        CHECK(help.output.find(row.path) != std::string::npos);
        CHECK(help.output.find(row.summary) != std::string::npos);
        auto words = row.path;
        std::vector<std::string> args;
        for (size_t pos = 0; pos != std::string::npos;) {
            auto sp = words.find(' ', pos);
            args.push_back(words.substr(pos, sp == std::string::npos ? sp : sp - pos));
            pos = sp == std::string::npos ? sp : sp + 1;
        }
        args.push_back("--help");
        auto sub = wslmod_run(args);
        CHECK(sub.exit_code == 0);
        CHECK(sub.output.find("Usage: wslmod " + row.path) != std::string::npos);
    }
    auto version = wslmod_run({"--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.output.starts_with("wslmod 0."));
    CHECK(wslmod_run({}).exit_code != 0);
}

TEST_CASE("wslmod kernel info reads the stock kernel and the published config") {
    const auto& k = test::debian_kernel();
    auto info = wslmod_run({"kernel", "info", "--config", k.config.string(), "--stock-kernel",
                            k.kernel.string()});
    INFO(info.output);
    CHECK(info.exit_code == 0);
    CHECK(info.output.find("release:       " + k.release + "\n") != std::string::npos);
    CHECK(info.output.find("modversions:   yes") != std::string::npos);
    CHECK(info.output.find("compression:   xz") != std::string::npos);

    auto wsl = test::shared_dir() / "kernel-configs/config-wsl-6.18.20.1";
    auto json = wslmod_run({"--json", "kernel", "info", "--config", wsl.string()});
    INFO(json.output);
    CHECK(json.exit_code == 0);
    CHECK(json.output.find("\"localversion\": \"-microsoft-standard-WSL2\"") != std::string::npos);
    CHECK(json.output.find("\"modversions\": true") != std::string::npos);
}

TEST_CASE("bad input gives one error line naming the file, and exit code 2") {
    auto dir = test::scratch_dir("cli-bad-input");
    auto bad = dir / "bad.config";
    { std::ofstream(bad) << "CONFIG_A=y\nnonsense here\n"; }
    auto out = wslmod_run({"kernel", "info", "--config", bad.string()});
    CHECK(out.exit_code == 2);
    CHECK(out.output == "wslmod: error: " + bad.string() +
                            ":2: not a kernel config line: 'nonsense here' "
                            "(pass a .config produced by Kconfig)\n");
    auto not_kernel = wslmod_run({"kernel", "info", "--config", bad.string(), "--stock-kernel",
                                  bad.string()});
    CHECK(not_kernel.exit_code == 2);
    auto missing = wslmod_run({"kernel", "info", "--config", (dir / "absent").string()});
    CHECK(missing.exit_code != 0);
    CHECK(missing.output.find((dir / "absent").string()) != std::string::npos);
}

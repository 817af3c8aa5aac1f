// The wslmod binary, run as a user runs it.
#include <fstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

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

TEST_CASE(
    "wslmod --help lists every row of the subcommand table and --version prints the version") {
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
    auto info = wslmod_run(
        {"kernel", "info", "--config", k.config.string(), "--stock-kernel", k.kernel.string()});
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
    auto not_kernel =
        wslmod_run({"kernel", "info", "--config", bad.string(), "--stock-kernel", bad.string()});
    CHECK(not_kernel.exit_code == 2);
    auto missing = wslmod_run({"kernel", "info", "--config", (dir / "absent").string()});
    CHECK(missing.exit_code != 0);
    CHECK(missing.output.find((dir / "absent").string()) != std::string::npos);
}

TEST_CASE(
    "a --json after the subcommand prints the same JSON, and text output ends with a newline") {
    const auto& k = test::debian_kernel();
    auto wsl = test::shared_dir() / "kernel-configs/config-wsl-6.6.87.1";
    auto before = wslmod_run({"--json", "kernel", "info", "--config", wsl.string()});
    auto after = wslmod_run({"kernel", "info", "--config", wsl.string(), "--json"});
    INFO(after.output);
    CHECK(after.exit_code == 0);
    CHECK(after.output == before.output);
    CHECK(nlohmann::json::parse(after.output)["modversions"] == true);
    auto list = wslmod_run({"recipe", "list", "--json"});
    CHECK(list.exit_code == 0);
    CHECK(nlohmann::json::parse(list.output)["recipes"].size() >= 2); // hello and usbip-extra

    // Every command here prints text a shell prompt must not follow on the same line.
    std::vector<std::vector<std::string>> commands = {
        {"list"},
        {"recipe", "show", "hello"},
        {"recipe", "show", "usbip-extra"},
        {"kernel", "info", "--config", wsl.string()},
        {"kernel", "info", "--config", k.config.string(), "--stock-kernel", k.kernel.string()},
        {"inspect", k.modules.string()},
        {"image", "ls", "--help"},
        {"--version"},
    };
    for (const auto& args : commands) {
        auto out = wslmod_run(args);
        INFO(util::shell_quote(args) << "\n" << out.output);
        CHECK(out.exit_code == 0);
        CHECK(out.output.ends_with("\n"));
    }
}

TEST_CASE("a --cc that is not installed is refused before a tree is prepared") {
    const auto& k = test::debian_kernel();
    auto cache =
        std::filesystem::temp_directory_path() / ("wslmod-cc-" + std::to_string(::getpid()));
    auto out = wslmod_run({"kernel", "prepare", "--source", k.source.string(), "--config",
                           k.config.string(), "--stock-kernel", k.kernel.string(), "--cc",
                           "gcc-no-such-version", "--cache", cache.string()});
    INFO(out.output);
    CHECK(out.exit_code == 2);
    CHECK(out.output.find("gcc-no-such-version") != std::string::npos);
    CHECK(out.output.find("is not installed") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(cache / "trees"));
    std::filesystem::remove_all(cache);
}

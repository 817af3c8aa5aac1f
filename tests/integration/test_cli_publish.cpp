// `wslmod publish` on a project's image: the Scoop manifest is JSON whose hash is the image's
// SHA-256 (sha256sum checks the .sha256 file), the .wslconfig snippet has both keys, an image
// that is not the locked one is refused; and the CI workflow template only uses commands and
// options that exist.
#include <fstream>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "support/catch.h"
#include "support/devel_tree.h"
#include "support/files.h"
#include "support/prereq.h"
#include "support/run.h"
#include "util/sha256.h"

using namespace wslmod;
namespace fs = std::filesystem;

namespace {

util::CommandOutput wslmod_in(const fs::path& dir, std::vector<std::string> args) {
    args.insert(args.begin(), test::wslmod_binary().string());
    return test::run_tool(args, dir);
}

} // namespace

TEST_CASE("publish writes a Scoop manifest whose hash is the image's and a .wslconfig snippet with "
          "both keys") {
    test::prepared_tree();
    auto dir = test::scratch_dir("cli-publish");
    REQUIRE(wslmod_in(dir, {"init", "--profile", "debian"}).exit_code == 0);
    auto cache = (fs::path(WSLMOD_BINARY_DIR) / "tests/cache").string();
    auto built = wslmod_in(dir, {"add", "hello", "--cache", cache});
    INFO(built.output);
    REQUIRE(built.exit_code == 0);

    auto url = "https://example.org/releases/v1/modules.vhdx";
    auto pub = wslmod_in(dir, {"--json", "publish", "modules.vhdx", "--url", url});
    INFO(pub.output);
    REQUIRE(pub.exit_code == 0);
    auto sha = util::to_hex(*util::sha256_file(dir / "modules.vhdx"));
    auto scoop = nlohmann::json::parse(test::read_text(dir / "publish/scoop.json"), nullptr, false);
    REQUIRE_FALSE(scoop.is_discarded());
    CHECK(scoop["url"] == url);
    auto named =
        fs::path(scoop["url"].get<std::string>()).filename(); // the image the manifest names
    CHECK(scoop["hash"] == util::to_hex(*util::sha256_file(dir / named)));
    CHECK(scoop["hash"] == sha);
    CHECK(scoop["version"].get<std::string>().starts_with(test::debian_kernel().release));
    CHECK(scoop["description"].get<std::string>().find("hello") != std::string::npos);
    test::run_ok({"sha256sum", "-c", "publish/modules.vhdx.sha256"}, dir); // the oracle agrees
    auto snippet = test::read_text(dir / "publish/wslconfig.snippet");
    CHECK(snippet.find("[wsl2]\nkernel=C:\\\\Users\\\\<you>\\\\AppData\\\\Local\\\\wslmod\\\\" +
                       test::debian_kernel().release + "\\\\kernel\nkernelModules=C:\\\\") !=
          std::string::npos);
    CHECK(snippet.find("2.5.1") != std::string::npos);
    CHECK(snippet.find('@') == std::string::npos); // every placeholder filled

    // Another image than the locked one is refused, and nothing is rewritten.
    fs::copy_file(dir / "modules.vhdx", dir / "other.vhdx");
    std::ofstream(dir / "other.vhdx", std::ios::app) << '\0';
    auto before = test::read_text(dir / "publish/scoop.json");
    auto refused =
        wslmod_in(dir, {"publish", "other.vhdx", "--url", "https://example.org/other.vhdx"});
    INFO(refused.output);
    CHECK(refused.exit_code == 2);
    CHECK(refused.output.find("wslmod.lock describes the image") != std::string::npos);
    CHECK(test::read_text(dir / "publish/scoop.json") == before);
    CHECK(wslmod_in(dir, {"publish", "modules.vhdx", "--url", "ftp://x/modules.vhdx"}).exit_code ==
          2);
}

TEST_CASE("the CI workflow template runs only wslmod commands and options that exist") {
    auto text = test::read_text(fs::path(WSLMOD_SOURCE_DIR) / "templates/ci/github-actions.yml");
    std::regex call(R"(wslmod/build/wslmod ([a-z]+)([^\n]*))");
    std::set<std::string> seen;
    for (std::sregex_iterator it(text.begin(), text.end(), call), end; it != end; ++it) {
        auto sub = (*it)[1].str(), rest = (*it)[2].str();
        auto help = test::run_wslmod({sub, "--help"});
        INFO(sub << "\n" << help.output);
        REQUIRE(help.exit_code == 0);
        std::regex flag(R"((--[a-z][a-z-]*))");
        for (std::sregex_iterator f(rest.begin(), rest.end(), flag), fend; f != fend; ++f) {
            INFO("option " << (*f)[1].str());
            CHECK(help.output.find((*f)[1].str()) != std::string::npos);
        }
        seen.insert(sub);
    }
    CHECK(seen == std::set<std::string>{"build", "status", "verify", "publish"});
}

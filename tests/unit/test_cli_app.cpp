#include "cli/app.h"
#include "support/catch.h"

using namespace wslmod;

namespace {

// Parses `args` (after "wslmod") with a fresh parser; the path of the subcommand that ran and
// whether --json was seen.
std::pair<std::string, bool> parse(std::vector<std::string> args) {
    auto app = cli::make_app();
    std::vector<std::string> reversed(args.rbegin(), args.rend()); // CLI11 takes argv back to front
    app->parser.parse(reversed);
    std::string ran;
    for (auto& [sub, action] : app->actions)
        if (sub->parsed()) ran = sub->get_name();
    return {ran, app->json};
}

} // namespace

TEST_CASE("the global --json is accepted before the subcommand, after it, and after a nested one") {
    CHECK(parse({"--json", "kernel", "info", "--config", "x"}) ==
          std::pair<std::string, bool>{"info", true});
    CHECK(parse({"kernel", "info", "--config", "x", "--json"}) ==
          std::pair<std::string, bool>{"info", true});
    CHECK(parse({"kernel", "info", "--json", "--config", "x"}) ==
          std::pair<std::string, bool>{"info", true});
    CHECK(parse({"recipe", "list", "--json"}) == std::pair<std::string, bool>{"list", true});
    CHECK(parse({"list", "--json"}) == std::pair<std::string, bool>{"list", true});
    CHECK(parse({"status"}) == std::pair<std::string, bool>{"status", false});
}

TEST_CASE("an option no command has is still refused wherever it stands") {
    CHECK_THROWS_AS(parse({"kernel", "info", "--no-such-option"}), CLI::ExtrasError);
    CHECK_THROWS_AS(parse({"list", "--config", "x"}), CLI::ExtrasError);
}

TEST_CASE("the global --timings is accepted anywhere on the line and is off by default") {
    for (std::vector<std::string> args : {std::vector<std::string>{"--timings", "recipe", "list"},
                                          {"recipe", "list", "--timings"}}) {
        auto app = cli::make_app();
        std::vector<std::string> reversed(args.rbegin(), args.rend());
        app->parser.parse(reversed);
        CHECK(app->timings);
    }
    auto app = cli::make_app();
    std::vector<std::string> plain{"list", "recipe"};
    app->parser.parse(plain);
    CHECK_FALSE(app->timings);
}

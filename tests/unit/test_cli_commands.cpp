#include <set>

#include "cli/commands.h"
#include "support/catch.h"

using namespace wslmod::cli;

TEST_CASE("every row of the subcommand table becomes a CLI11 subcommand with --help") {
    CLI::App app{"wslmod"};
    auto registered = register_subcommands(app);
    REQUIRE(registered.size() == subcommands().size());
    std::set<std::string> paths;
    for (size_t i = 0; i < registered.size(); ++i) {
        const auto& row = subcommands()[i];
        CHECK_FALSE(row.summary.empty());
        CHECK(paths.insert(row.path).second); // no duplicates
        auto* sub = registered[i].first;
        CHECK(row.path.ends_with(sub->get_name()));
        CHECK(sub->get_help_ptr() != nullptr);
        CHECK(static_cast<bool>(registered[i].second));
    }
}

TEST_CASE("the table's subcommands parse their options") {
    CLI::App app{"wslmod"};
    auto registered = register_subcommands(app);
    app.parse(std::vector<std::string>{"x.config", "--config", "info", "kernel"}); // reversed argv
    bool any = false;
    for (auto& [sub, action] : registered)
        any = any || sub->parsed();
    CHECK(any);
}

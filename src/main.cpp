// wslmod's command line: parses arguments with CLI11 from the subcommand table and dispatches.
// Errors from the library are reported here, once.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/version.h"

int main(int argc, char** argv) {
    using namespace wslmod;
    CLI::App app{"wslmod: build out-of-tree kernel modules for WSL2 into one modules.vhdx", "wslmod"};
    app.set_version_flag("--version", std::string("wslmod ") + cli::version());
    app.require_subcommand(1);
    bool json = false;
    app.add_flag("--json", json, "Print machine-readable JSON instead of text")->configurable(false);
    auto actions = cli::register_subcommands(app);
    app.footer(cli::table_help());
    for (auto& [sub, action] : actions) sub->fallthrough();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    util::SystemRunner runner;
    cli::Context ctx{json, &std::cout, &std::cerr, &runner};
    for (auto& [sub, action] : actions) {
        if (!sub->parsed()) continue;
        try {
            auto rc = action(ctx);
            if (rc) return *rc;
            std::cerr << "wslmod: error: " << rc.error().message() << '\n';
            return static_cast<int>(rc.error().code);
        } catch (const std::exception& e) {
            std::cerr << "wslmod: error: " << e.what() << '\n';
            return 1;
        }
    }
    return 2;
}

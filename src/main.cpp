// wslmod's command line: parses arguments with the parser cli::make_app builds and dispatches.
// Errors from the library are reported here, once.
#include <exception>
#include <iostream>

#include "cli/app.h"

int main(int argc, char** argv) {
    using namespace wslmod;
    auto cli = cli::make_app();
    try {
        cli->parser.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli->parser.exit(e);
    }

    util::SystemRunner runner;
    cli::Context ctx{cli->json, &std::cout, &std::cerr, &runner};
    for (auto& [sub, action] : cli->actions) {
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

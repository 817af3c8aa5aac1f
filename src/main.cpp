// wslmod's command line: parses arguments with the parser cli::make_app builds and dispatches.
// Errors from the library are reported here, once.
#include <exception>
#include <iostream>

#include "cli/app.h"
#include "cli/console.h"

int main(int argc, char** argv) {
    using namespace wslmod;
    auto cli = cli::make_app();
    try {
        cli->parser.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli->parser.exit(e);
    }

    util::SystemRunner runner;
    auto console = cli::Console::for_stderr(std::cerr, cli->json);
    cli::Context ctx{cli->json, &std::cout, &std::cerr, &runner, &console};
    ctx.timings = cli->timings;
    for (auto& [sub, action] : cli->actions) {
        if (!sub->parsed()) continue;
        try {
            auto rc = action(ctx);
            if (rc) return *rc;
            ctx.emit_error_details(rc.error());
            console.error(rc.error().message());
            return static_cast<int>(rc.error().code);
        } catch (const std::exception& e) {
            console.error(e.what());
            return 1;
        }
    }
    return 2;
}

#include "cli/app.h"

#include <string>

#include "cli/version.h"

namespace wslmod::cli {
namespace {

// Unmatched options travel up to the parent, so that `wslmod kernel info --json` reaches the
// global --json through both the leaf and its group.
void fall_through(CLI::App& app) {
    for (auto* sub : app.get_subcommands({})) {
        sub->fallthrough();
        fall_through(*sub);
    }
}

} // namespace

std::unique_ptr<App> make_app() {
    auto out = std::make_unique<App>();
    auto& app = out->parser;
    app.set_version_flag("--version", std::string("wslmod ") + version());
    app.require_subcommand(1);
    app.add_flag("--json", out->json, "Print machine-readable JSON instead of text")
        ->configurable(false);
    app.add_flag("--timings", out->timings,
                 "Print the wall time of each step of a long command (prepare, build, pack, "
                 "boot check) on stderr")
        ->configurable(false);
    out->actions = register_subcommands(app);
    app.footer(table_help());
    fall_through(app);
    return out;
}

} // namespace wslmod::cli

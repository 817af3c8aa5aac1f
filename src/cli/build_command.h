// `wslmod build [NAME...]`: the main job (project/build.h).  Without kernel flags it builds the
// project in the current folder (wslmod.toml); then prints the image, what it holds, and the
// .wslconfig lines that use it.
#pragma once

#include "cli/commands.h"
#include "project/build.h"

namespace wslmod::cli {

Action setup_build(CLI::App& app);

// A build's report as text on stdout (warnings on stderr) or as the JSON document; a failed
// build's report becomes its error, after what ran is shown.  `add`, `remove` and
// `bundle import` report their builds the same way.
// A headers tree (kernel/headers.h) as JSON, for `build` and `headers`.
nlohmann::json headers_json(const kernel::Headers& h);

util::Result<int> report_build(const Context& ctx, const project::BuildReport& report);

} // namespace wslmod::cli

// `wslmod bundle export` and `wslmod bundle import` (project/bundle.h says what they do).
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

Action setup_bundle_export(CLI::App& app);
Action setup_bundle_import(CLI::App& app);

} // namespace wslmod::cli

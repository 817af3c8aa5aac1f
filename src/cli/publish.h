// `wslmod publish IMAGE --url URL` (project/publish.h says what it writes).
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

Action setup_publish(CLI::App& app);

} // namespace wslmod::cli

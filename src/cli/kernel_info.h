// `wslmod kernel info`: the release and the config facts that matter for modules.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

// Declares the options of `kernel info` on `app`; see commands.h.
Action setup_kernel_info(CLI::App& app);

} // namespace wslmod::cli

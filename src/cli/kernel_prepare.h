// `wslmod kernel prepare`: a kernel-devel tree for the stock kernel, cached.
#pragma once

#include <string>
#include <vector>

#include "cli/commands.h"
#include "kernel/prepare.h"

namespace wslmod::cli {

// Declares the options of `kernel prepare` on `app`; see commands.h.
Action setup_kernel_prepare(CLI::App& app);

// The kernel spec options shared with `wslmod build`: --source (returned), --source-sha256,
// --config, --stock-kernel, --symvers, --release and --allow-drift (into `allow`).
CLI::Option* add_kernel_spec_options(CLI::App& app, kernel::PrepareSpec& s,
                                     std::vector<std::string>& allow);

} // namespace wslmod::cli

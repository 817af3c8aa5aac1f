// `wslmod kernel prepare`: a kernel-devel tree for the stock kernel, cached.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

// Declares the options of `kernel prepare` on `app`; see commands.h.
Action setup_kernel_prepare(CLI::App& app);

} // namespace wslmod::cli

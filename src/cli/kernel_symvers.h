// `wslmod kernel symvers`: Module.symvers recovered from the stock kernel image and modules.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

// Declares the options of `kernel symvers` on `app`; see commands.h.
Action setup_kernel_symvers(CLI::App& app);

} // namespace wslmod::cli

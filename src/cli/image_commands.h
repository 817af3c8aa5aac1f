// `wslmod image pack|ls|extract|verify`: modules images without mount or root.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

// Each declares its options on `app` and returns the action; see commands.h.
Action setup_image_pack(CLI::App& app);
Action setup_image_ls(CLI::App& app);
Action setup_image_extract(CLI::App& app);
Action setup_image_verify(CLI::App& app);

} // namespace wslmod::cli

// `wslmod headers install` and `wslmod headers deb` (project/headers.h): a kernel's headers for
// the distro, as a folder in /usr/src or as a .deb.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

Action setup_headers_install(CLI::App& app);
Action setup_headers_deb(CLI::App& app);

} // namespace wslmod::cli

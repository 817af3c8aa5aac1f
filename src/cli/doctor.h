// `wslmod doctor`: checks what wslmod needs and what WSL will do, and says how to fix each
// problem.  Checks, each ok / warn / fail / skip with a message and a fix:
//   toolchain     gcc (its major against the published config's CONFIG_CC_VERSION_TEXT when a
//                 project names a config), make, depmod, pahole
//   wsl           running in WSL 2? (release, WSL_DISTRO_NAME, interop)
//   wsl-version   wsl.exe --version: 2.5.1 or later reads kernelModules=
//   wslconfig     [wsl2] kernel= and kernelModules= present together, naming files that exist
//   installed     the installed generation against the running release and WSL's tools\kernel:
//                 stale after a WSL update
//   disk          free space for the cache and on the Windows side
// Exit status 1 when any check fails or the install is stale, else 0.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

Action setup_doctor(CLI::App& app);

} // namespace wslmod::cli

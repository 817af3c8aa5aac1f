// `wslmod bundle export` and `wslmod bundle import`: a project (manifest, lock, recipes and the
// built modules) in one file that another machine turns into the same image (recipe/bundle.h
// has the format).
//   export  in a project whose lock is current: builds nothing new (--locked), then writes
//           NAME.wslmod.tar.zst with every recipe the lock names and every module it built
//   import  into an empty folder: every entry and checksum is checked first, and the bundle's
//           recipes must be the ones its lock names.  When this machine's stock kernel has
//           the lock's release, the image is assembled from the bundled modules: no make, no
//           compiler, and the same sha256 as the lock's.  Otherwise the bundle's recipes are
//           built for this kernel (and a new lock written).  A refused bundle leaves the folder
//           as it was.
#pragma once

#include "cli/commands.h"

namespace wslmod::cli {

Action setup_bundle_export(CLI::App& app);
Action setup_bundle_import(CLI::App& app);

} // namespace wslmod::cli

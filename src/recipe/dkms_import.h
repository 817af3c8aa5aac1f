// `wslmod recipe import-dkms DIR -o OUT`: (OUT a new folder, or an existing folder that
// receives <PACKAGE_NAME>/) turns a DKMS source folder into an equivalent native
// recipe folder:
//   OUT/recipe.toml   name OUT's folder name (recipes are found by folder), version from
//                     PACKAGE_VERSION, [source] path = "src", and the build
//                     dkms.conf describes (command, pre/post-build, modules with their
//                     locations and destinations, patches, requirements), with kernel values
//                     written as ${kernelver}, ${kernel_source_dir} and ${build_dir}, which
//                     wslmod sets when it builds
//   OUT/src/          a copy of DIR (dkms.conf kept, for reference)
//   OUT/patches/      the extra patches given with --patch, applied after dkms.conf's own
// dkms.conf is evaluated for `kernel` when given (its conditionals see that kernel), else for
// placeholders.  The folder appears by rename, and only after the written recipe parses.
#pragma once

#include <filesystem>
#include <vector>

#include "recipe/dkms.h"
#include "recipe/recipe.h"

namespace wslmod::recipe {

struct ImportResult {
    Recipe recipe;                    // as read back from OUT
    std::vector<std::string> ignored; // "VARIABLE: why" for what the import left out
};

util::Result<ImportResult> import_dkms(const std::filesystem::path& dir,
                                       const std::filesystem::path& out,
                                       const std::vector<std::filesystem::path>& extra_patches,
                                       const DkmsKernel& kernel, util::CommandRunner& runner);

} // namespace wslmod::recipe

// Copies a source folder (a recipe's files, a DKMS source) refusing any symlink whose target
// leaves it, so that a build or an import never reads a file the user did not hand over.
#pragma once

#include <filesystem>
#include <string>

#include "util/error.h"

namespace wslmod::util {

// Copies `from` to `to` (parents created); `what` names the folder in errors.  `from` itself
// must not be a symlink; after copying, links_stay_inside(to) must hold.
Result<void> copy_tree(const std::filesystem::path& from, const std::filesystem::path& to,
                       const std::string& what);

// Every symlink below `root`, resolved fully (through other symlinks too), stays inside it.
// The lexical check alone misses a link whose path runs through another link.
// Errors name `shown` (the original folder or a URL) instead of `root` when it is given.
Result<void> links_stay_inside(const std::filesystem::path& root, const std::string& what,
                               const std::string& shown = {});

} // namespace wslmod::util

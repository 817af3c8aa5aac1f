// Copies a source folder (a recipe's files, a DKMS source) refusing any symlink whose target
// leaves it, so that a build or an import never reads a file the user did not hand over.
#pragma once

#include <filesystem>
#include <string>

#include "util/error.h"

namespace wslmod::util {

// Copies `from` to `to` (parents created); `what` names the folder in errors.
Result<void> copy_tree(const std::filesystem::path& from, const std::filesystem::path& to, const std::string& what);

} // namespace wslmod::util

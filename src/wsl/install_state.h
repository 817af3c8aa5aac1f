// state.json, the install record (format "wslmod-install-1"; fields in install.h): read and
// written whole, atomically.
#pragma once

#include <filesystem>

#include "util/error.h"
#include "wsl/install.h"

namespace wslmod::wsl {

// The record below `root`: generations, bad images and next_id, with exists set; an empty state
// when there is none.  (Which generation is current comes from .wslconfig, not from here.)
util::Result<InstallState> read_state_file(const std::filesystem::path& root);

// Writes the record below `root` through a temporary and a rename.
util::Result<void> write_state_file(const std::filesystem::path& root, const InstallState& s);

} // namespace wslmod::wsl

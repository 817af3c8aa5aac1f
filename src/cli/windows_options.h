// The options every command that reaches the Windows side shares (--windows-root), on top of
// the WSLMOD_* environment variables that wsl/windows.h reads.
#pragma once

#include <memory>

#include <CLI/CLI.hpp>

#include "wsl/install.h"
#include "wsl/windows.h"

namespace wslmod::cli {

// Declares --windows-root on `app`; the returned options are complete once parsing is done.
std::shared_ptr<wsl::WindowsOptions> add_windows_options(CLI::App& app);

} // namespace wslmod::cli

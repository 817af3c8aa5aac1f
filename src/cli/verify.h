// `wslmod verify [IMAGE] [--boot]`: the image's structure and ext4, and with --boot the proof
// that its added modules load in the stock kernel (project/boot.h).  print_check is how
// `build --verify` and `install` show the check too.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "verify/boot_check.h"

namespace wslmod::cli {

Action setup_verify(CLI::App& app);

// The report as text: one line per module; reason, kernel lines and hint for failures.
void print_check(std::ostream& out, const verify::CheckReport& report,
                 const std::filesystem::path& image);

} // namespace wslmod::cli

// `wslmod verify [IMAGE] [--boot]`: the image's structure and ext4, and with --boot the proof
// that its added modules load in the stock kernel (verify/boot_check.h).  The boot check is
// also what `build --verify` and `install` run; the helpers here are theirs too.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cli/commands.h"
#include "verify/boot_check.h"

namespace wslmod::cli {

Action setup_verify(CLI::App& app);

// Boots `kernel` with `image` and modprobes `modules` (empty: the image's wslmod.added record),
// showing progress on a TTY.
util::Result<verify::CheckReport> boot_check_image(const Context& ctx, const std::filesystem::path& image,
                                                   const std::filesystem::path& kernel, std::vector<std::string> modules,
                                                   const std::filesystem::path& cache);

// The report as text (one line per module; reason, kernel lines and hint for failures) or JSON.
void print_check(std::ostream& out, const verify::CheckReport& report, const std::filesystem::path& image);
nlohmann::json check_json(const verify::CheckReport& report);

// The error a failed check becomes: names the modules that did not load and the first reason.
util::Error check_failure(const verify::CheckReport& report, const std::filesystem::path& image);

} // namespace wslmod::cli

// The boot check as projects run it: `wslmod verify --boot`, `build --verify` and `install`
// boot the stock kernel with an image and load its added modules (verify/boot_check.h).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "project/reporter.h"
#include "verify/boot_check.h"

namespace wslmod::project {

// Boots `kernel` with `image` and modprobes `modules` (empty: the image's wslmod.added record).
// The work folder is kept on failure, for its console.log.
util::Result<verify::CheckReport> boot_check_image(const std::filesystem::path& image,
                                                   const std::filesystem::path& kernel,
                                                   std::vector<std::string> modules,
                                                   const std::filesystem::path& cache,
                                                   util::CommandRunner& runner, Reporter& reporter);

// The modules to load from `image`: `listed` (comma-separated) when given, else the image's
// wslmod.added record, else its difference from `stock` (a folder or image; may be empty).
util::Result<std::vector<std::string>> modules_to_check(const std::filesystem::path& image,
                                                        const std::string& listed,
                                                        const std::string& stock);

nlohmann::json check_json(const verify::CheckReport& report);

// The error a failed check becomes: names the modules that did not load and the first reason.
util::Error check_failure(const verify::CheckReport& report, const std::filesystem::path& image);

} // namespace wslmod::project

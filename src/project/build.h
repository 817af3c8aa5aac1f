// `wslmod build`, the main job, as one call: prepares (or reuses) the kernel tree, checks the
// stock modules, builds the recipes, merges them with the stock modules, runs depmod, verifies,
// packs one modules.vhdx, optionally boot-tests it, and writes the project's lock.  A failure at
// any step leaves the previous image as it was.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernel/headers.h"
#include "modules/assemble.h"
#include "project/options.h"
#include "project/reporter.h"
#include "util/timings.h"
#include "verify/boot_check.h"

namespace wslmod::project {

struct BuildReport {
    std::string release;
    std::filesystem::path tree;
    std::string output;              // the image, as the inputs name it
    std::filesystem::path lock_file; // the project's lock; empty outside a project
    nlohmann::json builds = nlohmann::json::array(),
                   failures = nlohmann::json::array(), // as `recipe build` has them
        skipped = nlohmann::json::array();
    bool stopped = false;                      // after_recipes ran: nothing was staged or packed
    std::optional<modules::ImageReport> image; // the image in place
    std::optional<kernel::Headers> headers;    // BuildInputs::headers: what the image carries
    std::string headers_at; // where they show: /lib/modules/<release>/build, or the folder
    std::optional<verify::CheckReport> checked; // --verify ran (passed, or is the failure)
    std::filesystem::path rejected;             // --verify failed: where the new image went
    std::vector<std::string> warnings;          // the image's, and an unreproducible build's
    bool lock_matched = false;                  // --locked: the inputs matched the lock
    // The .wslconfig values (escaped) when wslpath can tell them (on WSL); `wslpath` says it is
    // there.
    std::optional<std::string> kernel_windows, image_windows;
    bool wslpath = false;
    // Set when the recipes or the boot check failed: the report says what ran, the error why;
    // the previous image is in place.
    std::optional<util::Error> failure;
    // Wall time per step (inputs, prepare, headers, stock, recipes, the image's own steps,
    // boot check, finish): what `--timings` prints.
    util::Timings seconds;
};

util::Result<BuildReport> build(const BuildInputs& in, util::CommandRunner& runner,
                                Reporter& reporter);

} // namespace wslmod::project

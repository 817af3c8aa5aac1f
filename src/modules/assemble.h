// From built modules to a verified modules image, in four steps, each timed:
//   stage    the stock tree (hard links) plus the added modules, compressed like the stock
//            ones, clashes refused unless replaced (staging.h)
//   depmod   on the plain twin of the staging tree, warnings are errors (depmod.h)
//   verify   libkmod on the staged tree (verify.h)
//   pack     the image writer, which verifies the image it wrote before it replaces the
//            previous output (kept as <name>.prev) (image/pack.h)
// A failure at any step leaves the output untouched.
//
// A flat image's `build` entry is the headers folder itself, or a link to where a distro keeps
// the headers: /lib/modules/<release> is WSL's read-only mount of the image, so nothing
// installed later can put a link there that lasts.
//
// An image with added modules records them at its root in `wslmod.added` (added_record_name):
// a comment line, then one line per module, sorted: "<name> <path> <recipe>".  WSL mounts the
// image at /lib/modules/<release>, where the file is inert.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "image/pack.h"
#include "modules/staging.h"
#include "util/process.h"
#include "util/timings.h"

namespace wslmod::modules {

constexpr const char* added_record_name = "wslmod.added";

struct AssembleSpec {
    const StockTree* stock = nullptr; // none: only the added modules
    std::string release;
    std::filesystem::path symvers; // the kernel's Module.symvers (its vmlinux lines matter)
    Compression compression = Compression::none;
    std::vector<AddedModule> added;
    std::map<std::string, std::vector<std::string>> replaces; // recipe -> stock modules
    std::map<std::string, std::vector<std::string>> in_tree;  // kernel-tree recipe -> folders
    std::filesystem::path output;
    // The kernel headers to carry (kernel/headers.h); without them a flat image gets a `build`
    // link to /usr/src/linux-headers-<release>, where `wslmod headers install` and the
    // package `wslmod headers deb` writes put them (image/pack.h).
    std::filesystem::path headers;
    image::PackOptions pack;     // keep_previous and hash_output are always set
    std::filesystem::path cache; // staging work folders and compressed modules
    unsigned jobs = 1;
};

struct ImageReport {
    std::string release;
    std::filesystem::path output, previous; // previous: empty when there was none
    std::string sha256;
    uint64_t file_size = 0;
    size_t modules = 0, stock_modules = 0, unchanged = 0, aliases = 0, dependencies = 0;
    std::vector<StagedModule> added;
    std::vector<ReplacedModule> replaced;
    std::vector<std::string> warnings;
    util::Timings seconds; // per step, in order
};

util::Result<ImageReport>
assemble_image(const AssembleSpec& spec, util::CommandRunner& runner,
               const std::function<void(const std::string&)>& progress = {});

nlohmann::json to_json(const ImageReport& report);

} // namespace wslmod::modules

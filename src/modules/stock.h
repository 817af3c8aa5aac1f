// The stock modules, materialised once per input in the cache so that every build can stage
// them with hard links and run depmod on them fast.
//
// Input: a lib/modules/<release> folder, or a VHD/VHDX/raw image of one (WSL's
// tools\modules.vhd), read through the image reader: no mount, no root.
//
// Cache entry <cache>/stock/<digest>/ (built in a temporary folder, renamed into place):
//   tree/        the stock files as shipped, without the top-level `build` and `source` links
//   plain/       the same paths, modules decompressed (hard links to tree/ when a file is not
//                compressed).  depmod and vermagic checks read these: libkmod recognises
//                compression by magic, not by name, so depmod on plain/ writes exactly the
//                indexes it would write on tree/ (the integration tests compare them with
//                Debian's own), at a tenth of the cost of decompressing xz on every build
//   stock.json   {"format", "release", "input", "modules": [{"name", "path"}]}
//   .complete    written last
// <digest>: an image's SHA-256; for a folder, the SHA-256 of every entry's path, type, size,
// mtime and link target (a changed file changes its mtime), so a warm build reads no contents.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::modules {

struct StockModule {
    std::string name; // as the kernel names it: '-' read as '_' ("hid_multitouch")
    std::string path; // below the modules root ("kernel/drivers/hid/hid-multitouch.ko.xz")
};

struct StockTree {
    std::filesystem::path tree, plain; // see above; read-only
    std::string release, digest;
    std::vector<StockModule> modules; // sorted by path
    bool cache_hit = false;
};

// A module name as the kernel spells it: '-' read as '_' ("hid-multitouch" -> "hid_multitouch").
std::string kernel_name(std::string name);

// A module's kernel name from its file name: "hid-multitouch.ko.xz" -> "hid_multitouch";
// empty when the name is not a module's (.ko with an optional .gz/.xz/.zst).
std::string module_name(const std::string& filename);

// Materialises `input` (folder or image) in `cache`; `jobs` threads decompress.
util::Result<StockTree> open_stock(const std::filesystem::path& input,
                                   const std::filesystem::path& cache, unsigned jobs,
                                   const std::function<void(const std::string&)>& progress = {});

} // namespace wslmod::modules

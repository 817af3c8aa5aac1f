// What a modules image (or folder) holds: every module modules.dep lists, with its content
// digest and, when asked, its vermagic; and the differences between two of them.  Read through
// image::FileSource, so images are read without mounting them.  This is `wslmod inspect`.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "image/file_source.h"
#include "util/error.h"

namespace wslmod::modules {

struct ImageModule {
    std::string name;     // kernel name ('_' for '-')
    std::string path;     // below the modules root
    std::string sha256;   // of the stored (maybe compressed) file
    std::string vermagic; // empty when not read
};

struct Inventory {
    std::string release;
    std::vector<ImageModule> modules; // sorted by name
};

struct InventoryDiff {
    std::vector<ImageModule> added, removed;                  // from `to`, from `from`
    std::vector<std::pair<ImageModule, ImageModule>> changed; // same name: (from, to)
};

// Reads the inventory of `src`; vermagic is read for the modules `want_vermagic` accepts (all
// when it is empty).  Decompression and parsing run on `jobs` threads.
util::Result<Inventory>
read_inventory(image::FileSource& src, unsigned jobs,
               const std::function<bool(const ImageModule&)>& want_vermagic = {});

// Modules only in `to`, only in `from`, or in both with different contents or paths.
InventoryDiff diff(const Inventory& from, const Inventory& to);

// `inspect --diff`: both inventories and their differences, with vermagic read only for what
// `image` adds or changes over `base` (decompressing every module twice would dominate).
struct ImageComparison {
    Inventory base, image;
    InventoryDiff diff;
};
util::Result<ImageComparison> compare_images(image::FileSource& base, image::FileSource& image,
                                             unsigned jobs);

} // namespace wslmod::modules

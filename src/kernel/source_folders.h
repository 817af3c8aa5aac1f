// The folders of a kernel source that a prepared tree leaves out (source_subset.h), for the
// kernel-tree recipes that build them: extracted from the tree's source archive when a build
// first needs them, then kept in the cache, keyed by the archive's digest:
//   <cache>/source-folders/<source digest, 32 hex>/<folder's SHA-256, 16 hex>/
//     .complete    the marker: the entry counts only with it (util::AtomicDir)
//     <folder>/    the folder, at its path in the source ("drivers/usb/serial/...")
// All of one call's missing folders come out of one pass over the archive.  A folder inside one
// already extracted (drivers/net/can/usb inside drivers/net/can) is found there.  A tree that
// holds its whole source (prepared before wslmod-tree-4) has its folders itself, and a tree
// prepared from a source folder reads them from that folder.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "kernel/prepare.h"

namespace wslmod::kernel {

// Where each of `folders` (relative paths in the source) of the tree prepared in `tree` from
// `source` is, whole.  The archive is checked
// against the digest the tree was prepared from before anything is extracted from it.
util::Result<std::map<std::string, std::filesystem::path>>
source_folders(const std::filesystem::path& tree, const TreeSource& source,
               const std::vector<std::string>& folders, const std::filesystem::path& cache,
               unsigned threads = 2);

} // namespace wslmod::kernel

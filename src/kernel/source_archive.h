// Extracts a kernel source archive (tar with gzip, xz, zstd or bzip2) in one streaming pass
// through libarchive, refusing anything that could write or point outside the destination:
// absolute paths, '..' components, symlinks whose target leaves the tree, entries through an
// earlier symlink, hard links to outside, and device nodes, fifos and sockets.  The single
// top-level folder of the archive (linux-6.12/, WSL2-Linux-Kernel-<tag>/) is stripped.
// An xz archive is decoded on several threads (util/xz_file.h); the other compressions go
// through libarchive's own filters.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include "util/error.h"

namespace wslmod::kernel {

struct ExtractStats {
    uint64_t entries = 0, bytes = 0;
    std::string top; // the stripped top-level folder
};

struct ExtractOptions {
    // Where the entry at `rel` (relative to the stripped top folder, '/'-separated, checked
    // safe) goes, or an empty path to leave it out: extracting part of a tree, or its folders
    // into separate places.  Unset: dest/rel for every entry.  Every entry is still checked,
    // so a damaged or hostile archive fails the same way whatever is kept.
    std::function<std::filesystem::path(const std::string& rel)> place;
    unsigned threads = 1; // for the xz decoder
};

// Extracts `archive` into `dest` (created; must be empty or absent; may be empty when
// `options.place` says where everything goes).  `entries` and `bytes` count what was written.
util::Result<ExtractStats> extract_source(const std::filesystem::path& archive,
                                          const std::filesystem::path& dest,
                                          const ExtractOptions& options = {});

} // namespace wslmod::kernel

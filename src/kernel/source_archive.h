// Extracts a kernel source archive (tar with gzip, xz, zstd or bzip2) in one streaming pass
// through libarchive, refusing anything that could write or point outside the destination:
// absolute paths, '..' components, symlinks whose target leaves the tree, entries through an
// earlier symlink, hard links to outside, and device nodes, fifos and sockets.  The single
// top-level folder of the archive (linux-6.12/, WSL2-Linux-Kernel-<tag>/) is stripped.
#pragma once

#include <cstdint>
#include <filesystem>

#include "util/error.h"

namespace wslmod::kernel {

struct ExtractStats {
    uint64_t entries = 0, bytes = 0;
    std::string top; // the stripped top-level folder
};

// Extracts `archive` into `dest` (created; must be empty or absent).
util::Result<ExtractStats> extract_source(const std::filesystem::path& archive,
                                          const std::filesystem::path& dest);

} // namespace wslmod::kernel

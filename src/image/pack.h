// `image pack`: a folder to a verified, reproducible modules VHDX in one streaming pass.
//   scan (sorted) -> size the filesystem -> ext4 through libext2fs straight into the VHDX
//   writer -> VHDX structures and headers -> read back and verify -> fsync and rename.
// The destination changes only when the new image verified; the previous one is kept as
// <name>.prev when asked.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "image/ext4_writer.h"
#include "util/sha256.h"
#include "util/timings.h"

namespace wslmod::image {

struct PackOptions {
    Layout layout = Layout::flat;
    std::string release;               // artifacts layout: <release>/modules/; default: DIR's name
    uint64_t block_size = 1024 * 1024; // VHDX block size
    int64_t epoch = Ext4Options{}.epoch;
    bool keep_previous = false;   // keep an existing output as <name>.prev
    bool hash_output = false;     // compute the image's SHA-256 (one more pass over it)
    bool canonical_modes = false; // tree.h Modes::canonical instead of the modes on disk
    // A kernel headers folder (kernel/headers.h) to carry: at build/ in the flat layout, so it
    // is /lib/modules/<release>/build in the guest; at <release>/linux-headers/ in the
    // artifacts layout, where gen_artifacts_vhdx.sh puts it.
    std::filesystem::path headers;
    // Without headers, in the flat layout: a `build` symlink at the root to this target (the
    // headers installed in the distro, /usr/src/linux-headers-<release>); empty: none.
    std::string build_link;
};

struct PackReport {
    std::filesystem::path output;
    std::optional<util::Digest> sha256; // of the whole .vhdx file, when asked for
    uint64_t virtual_size = 0;          // bytes of the ext4 filesystem
    uint64_t file_size = 0;             // bytes of the .vhdx file
    uint64_t stored_blocks = 0;         // VHDX payload blocks stored (all-zero ones are not)
    Ext4Result ext4;
    util::Timings seconds; // wall time per step, in order
};

util::Result<PackReport> pack(const std::filesystem::path& dir, const std::filesystem::path& out,
                              const PackOptions& options);

} // namespace wslmod::image

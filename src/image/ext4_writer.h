// Writes a Tree as a fresh ext4 filesystem onto a BlockDevice through libext2fs, in-process
// and rootless (no mke2fs, no loop mount), reproducibly:
//   - every inode is owned by 0:0 and keeps its permission bits;
//   - every timestamp (inodes, superblock) is one fixed epoch;
//   - the UUID comes from the content digest, the hash and checksum seeds from the listing;
//   - files are laid out in sorted tree order with fallocate'd contiguous extents.
// Features: 4 KiB blocks, 256-byte inodes, extents, flex_bg, dir_index, filetype, sparse_super,
// large_file, huge_file, dir_nlink, extra_isize, metadata_csum and metadata_csum_seed (so that
// the UUID can be set last); no journal (WSL mounts the image read-only) and no reserved blocks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image/block_device.h"
#include "image/tree.h"
#include "util/sha256.h"

namespace wslmod::image {

// Where the tree goes inside the filesystem.  flat: at the root (what every released WSL
// mounts); artifacts: under <release>/modules/ (newer WSL, microsoft/WSL#41267).
enum class Layout { flat, artifacts };

// A second tree written at `at` (a path from the filesystem root, its parents made 0755 when
// the layout has not made them), after the main one: the headers beside the modules.
struct Graft {
    std::string at;
    const Tree* tree = nullptr;
};

struct Ext4Options {
    int64_t epoch = 1577836800; // 2020-01-01T00:00:00Z unless SOURCE_DATE_EPOCH says otherwise
    Layout layout = Layout::flat;
    std::string release; // artifacts layout only
    std::string label;   // volume label, at most 16 bytes
    std::vector<Graft> grafts;
};

struct Ext4Plan {
    uint64_t blocks = 0; // filesystem size in 4 KiB blocks (a multiple of 256: whole MiB)
    uint32_t inodes = 0;
    uint64_t bytes() const { return blocks * 4096; }
};

// Sizes a filesystem for `tree`: content, directories, inode tables and group metadata, plus a
// small slack.  `grow` > 1 enlarges it (used when a first attempt ran out of space).
Ext4Plan plan_ext4(const Tree& tree, const Ext4Options& options, double grow = 1.0);

struct Ext4Result {
    // SHA-256 over the listing and every file's bytes, then each graft's path, listing and bytes
    util::Digest content_digest{};
    uint64_t files = 0, directories = 0, symlinks = 0;
};

// Writes `tree` onto `device` (at least plan.bytes() long).  Out-of-space errors have code
// ExitCode::failed and what == "filesystem full"; the caller may retry with a larger plan.
util::Result<Ext4Result> write_ext4(const Tree& tree, const Ext4Plan& plan, BlockDevice& device,
                                    const Ext4Options& options);

// The epoch from SOURCE_DATE_EPOCH, or the default; a malformed value is an input error.
util::Result<int64_t> source_date_epoch();

} // namespace wslmod::image

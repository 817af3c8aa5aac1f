// Reads an ext4 filesystem from any BlockDevice through libext2fs, read-only: list, read,
// extract and check.  This is how stock modules come out of WSL's modules.vhd with no mount
// and no root.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "image/block_device.h"
#include "image/tree.h"

struct struct_ext2_filsys;

namespace wslmod::util {
class Beneath;
}

namespace wslmod::image {

struct Ext4Entry {
    std::string name;
    TreeEntry::Type type = TreeEntry::Type::file;
    uint32_t mode = 0; // permission bits
    uint64_t size = 0;
    uint32_t uid = 0, gid = 0;
    int64_t mtime = 0;
    std::string target; // symlinks
};

// Counts below the root; check() leaves out lost+found, which mke2fs and wslmod both create.
struct Ext4Check {
    uint64_t inodes = 0, directories = 0, files = 0, symlinks = 0, data_blocks = 0;
};

// Bounds on what extract() writes, since an image may come from anyone.  A zero takes the
// image's own figure from its superblock: its used data size and its used inode count.  A
// caller that knows the container's size on disk passes it as max_bytes, which a superblock
// cannot inflate.
struct ExtractLimits {
    uint64_t max_bytes = 0;          // file data read out of the image, all files together
    uint64_t max_entries = 0;        // files, folders and symlinks written
    bool keep_special_modes = false; // keep setuid, setgid and sticky bits (dropped by default)
};

class Ext4Reader {
  public:
    // Opens the filesystem on `device` (which must outlive the reader); checksums are verified.
    static util::Result<std::unique_ptr<Ext4Reader>> open(BlockDevice& device, std::string origin);
    ~Ext4Reader();

    // The entries of the directory at `path` ("" or "/" is the root), sorted, without . and ..
    util::Result<std::vector<Ext4Entry>> list(const std::string& path) const;
    // The entry at `path`.
    util::Result<Ext4Entry> stat(const std::string& path) const;
    // The whole contents of the regular file at `path`.
    util::Result<std::string> read_file(const std::string& path) const;
    // Copies the tree below `path` into `dest`, which must not exist or be an empty folder, and
    // appears whole or not at all (the tree is written into a temporary sibling and renamed).
    // Written through folder descriptors from single-component names (util/beneath.h), so
    // nothing is written outside `dest`; a folder reached twice (a loop) is refused, work is
    // bounded by `limits`, holes stay holes, owners are not restored, and modes and symlinks
    // are (setuid, setgid and sticky only with keep_special_modes).
    util::Result<Ext4Check> extract(const std::string& path, const std::filesystem::path& dest,
                                    const ExtractLimits& limits = {}) const;
    // Consistency check: group descriptors, bitmaps, every inode and directory block checksum,
    // every block claimed once and marked in use, link counts, '..' entries.
    util::Result<Ext4Check> check() const;

    std::string uuid() const;
    std::string label() const;

  private:
    Ext4Reader(struct_ext2_filsys* fs, std::string origin) : fs_(fs), origin_(std::move(origin)) {}
    util::Result<unsigned> lookup(const std::string& path) const;
    // The contents of inode `ino` (a file, or a symlink's target); `path` is for messages.  The
    // walks read entries by the inode they found, never by looking the name up again.
    util::Result<std::string> read_inode(unsigned ino, const std::string& path) const;
    struct Extraction;
    util::Result<void> extract_dir(Extraction& x, unsigned ino, const util::Beneath& out,
                                   const std::string& img_path, int depth) const;
    util::Result<void> extract_file(Extraction& x, unsigned ino, const std::string& img_path,
                                    int fd) const;
    struct_ext2_filsys* fs_;
    std::string origin_;
};

} // namespace wslmod::image

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
    // Copies the tree below `path` into `dest` (created; must not exist or be empty).  Owners
    // are not restored; modes and symlinks are.  Nothing is written outside `dest`.
    util::Result<Ext4Check> extract(const std::string& path, const std::filesystem::path& dest) const;
    // Consistency check: group descriptors, bitmaps, every inode and directory block checksum,
    // every block claimed once and marked in use, link counts, '..' entries.
    util::Result<Ext4Check> check() const;

    std::string uuid() const;
    std::string label() const;

  private:
    Ext4Reader(struct_ext2_filsys* fs, std::string origin) : fs_(fs), origin_(std::move(origin)) {}
    util::Result<unsigned> lookup(const std::string& path) const;
    struct_ext2_filsys* fs_;
    std::string origin_;
};

} // namespace wslmod::image

// A directory tree to pack, scanned once into a sorted list, so that everything built from it
// (ext4 layout, UUID, digests) is independent of readdir order, mtimes, atimes and owners.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::image {

struct TreeEntry {
    enum class Type { directory, file, symlink };
    std::string path; // relative, '/'-separated, no leading slash ("" is the root)
    Type type = Type::file;
    uint32_t mode = 0;            // permission bits (07777) as on disk
    uint64_t size = 0;            // files: bytes; symlinks: target length
    std::string target;           // symlinks only
    std::filesystem::path source; // the file on the host
};

struct Tree {
    std::vector<TreeEntry> entries; // parents before children, siblings sorted by name
    uint64_t file_bytes = 0;
    // SHA-256 over every entry's path, type, mode, size and symlink target (not contents).
    std::array<std::byte, 32> listing_digest{};
};

// Permission bits as on disk, or canonical: directories 0755, files 0644 (0755 when any execute
// bit is set), symlinks 0777, as a distribution's modules tree has them, whatever the umask of
// whoever wrote the files (modules images: the same inputs give the same image for every user).
enum class Modes { as_on_disk, canonical };

// The canonical permission bits for an entry of `type` whose bits on disk are `mode`.
uint32_t canonical_mode(TreeEntry::Type type, uint32_t mode);

// Scans `root`.  `skip_top` names top-level entries to leave out (e.g. "build", "source").
// Device nodes, fifos and sockets are refused: a modules tree has none.
util::Result<Tree> scan_tree(const std::filesystem::path& root,
                             const std::vector<std::string>& skip_top = {},
                             Modes modes = Modes::as_on_disk);

// Adds a symlink `name` -> `target` at the root, where sorted order puts it, and updates the
// listing digest; a root entry of that name already there is an error.
util::Result<void> add_root_symlink(Tree& tree, const std::string& name, const std::string& target);

} // namespace wslmod::image

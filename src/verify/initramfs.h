// A newc cpio archive (the initramfs format) built in memory through libarchive.
//
// The harness builds its initramfs at test time from the host's busybox-static and kmod, so no
// binary is ever committed.  Entries are written in the order added; parent directories must be
// added before their contents.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "util/error.h"
#include "util/process.h"

namespace wslmod::verify {

class Initramfs {
  public:
    void add_directory(const std::string& path);
    void add_file(const std::string& path, std::string content, unsigned mode = 0644);
    // Copies a host file's bytes (following symlinks) to `path` in the archive.
    util::Result<void> add_host_file(const std::string& path, const std::filesystem::path& host,
                                     unsigned mode = 0755);
    void add_symlink(const std::string& path, const std::string& target);
    void add_char_device(const std::string& path, unsigned major, unsigned minor);

    // Adds `host_binary` at `path` and every shared library `ldd` names, at the paths ldd gives.
    util::Result<void> add_dynamic_binary(const std::string& path,
                                          const std::filesystem::path& host_binary,
                                          util::CommandRunner& runner);

    // The archive bytes (uncompressed newc: the kernel unpacks it without a decompressor).
    util::Result<std::vector<std::byte>> build() const;

  private:
    struct Entry {
        std::string path;
        unsigned type; // AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR
        unsigned mode;
        std::string data; // file content or symlink target
        unsigned major = 0, minor = 0;
    };
    void ensure_parents(const std::string& path);
    std::vector<Entry> entries_;
};

} // namespace wslmod::verify

// Files by relative path from either a folder or the ext4 filesystem inside a disk image
// (VHDX, VHD or raw), so that callers treat WSL's tools\modules.vhd and an unpacked
// lib/modules/<release> folder alike.  Not thread-safe (libext2fs is not).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "util/error.h"

namespace wslmod::image {

class FileSource {
  public:
    virtual ~FileSource() = default;
    // The whole file at `rel` ('/'-separated, relative to the root).
    virtual util::Result<std::string> read(const std::string& rel) = 0;
    // True when a file exists at `rel`.
    virtual bool exists(const std::string& rel) = 0;
    // What this source is, for messages: the folder or image path.
    virtual std::string describe() const = 0;
};

// A folder, or an image file (format by magic).
util::Result<std::unique_ptr<FileSource>> open_file_source(const std::filesystem::path& path);

} // namespace wslmod::image

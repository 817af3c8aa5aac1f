// Reads the decompressed bytes of an .xz file, decoding its blocks on several threads when the
// file holds more than one block (liblzma's threaded decoder, 5.4 and later; `xz -T0` and Debian's
// linux-source tarballs write such files).  libarchive decodes xz on one thread, which bounds a
// kernel source extraction (1.4 GB out of 150 MB): an archive reader reads through this instead.
// Written by hand because libarchive 3.6 has no option for a threaded xz decoder, and the
// threaded decoder's loop is the few lines below.
#pragma once

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::util {

class XzFile {
  public:
    // Opens `path` for decoding on up to `threads` threads (1: liblzma's single-threaded path).
    static Result<std::unique_ptr<XzFile>> open(const std::filesystem::path& path,
                                                unsigned threads);
    ~XzFile();
    XzFile(const XzFile&) = delete;
    XzFile& operator=(const XzFile&) = delete;

    // The next decoded bytes: a view into an internal buffer, valid until the next call; empty
    // at the end of the last stream.  A damaged or truncated file is an error naming it.
    Result<std::pair<const std::byte*, size_t>> next();

  private:
    XzFile() = default;
    struct Stream;
    std::unique_ptr<Stream> s_;
    std::FILE* file_ = nullptr;
    std::string where_;
    std::vector<std::byte> in_, out_;
    bool input_done_ = false, finished_ = false;
};

// True when the file starts with the xz magic (FD 37 7A 58 5A 00).
bool is_xz_file(const std::filesystem::path& path);

} // namespace wslmod::util

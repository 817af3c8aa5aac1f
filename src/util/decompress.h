// Decompression of an in-memory buffer through libarchive's raw filters: gzip, xz, lzma, zstd,
// lz4 and bzip2, recognised by their magic.  Used for a bzImage's payload and for compressed
// kernel modules (.ko.xz, .ko.zst, .ko.gz).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace wslmod::util {

// The decompressed bytes of `data`; `origin` names it in errors.  Data that is not compressed,
// or that is damaged or truncated, is an error.  Trailing bytes after the stream are errors too:
// callers strip trailers they know (such as the size a bzImage appends to its payload).
Result<std::vector<std::byte>> decompress(std::span<const std::byte> data,
                                          const std::string& origin);

// The bytes of `data`, decompressed when its magic says so: a kernel module may be stored as
// .ko, .ko.xz, .ko.zst or .ko.gz and is read the same way.
Result<std::vector<std::byte>> plain_bytes(std::string_view data, const std::string& origin);

// True when `data` starts with a magic number decompress() knows.
bool looks_compressed(std::span<const std::byte> data);

} // namespace wslmod::util

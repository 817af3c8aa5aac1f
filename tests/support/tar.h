// Tar archives written for tests with libarchive: names, types and link targets exactly as
// given, so that a test can hand the code under test what no well-behaved tool would write
// ('..', absolute names, escaping links, device nodes, sizes past a cap).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <archive_entry.h>

namespace wslmod::test {

// One entry: `type` is AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR (device 5,1) or AE_IFIFO.
struct TarEntry {
    std::string path;
    mode_t type = AE_IFREG;
    std::string data;      // a file's contents, or the target of a symlink or hard link
    bool hardlink = false; // a regular entry that links to the file named by `data`
    uint64_t zeros = 0;    // when set, the file holds this many zero bytes instead of `data`
};

enum class TarFilter { gzip, zstd, xz };

// Writes `entries`, in order, as a pax tar compressed with `filter` to `out`, and returns `out`;
// any step libarchive refuses fails the test.
std::filesystem::path write_tar(const std::filesystem::path& out,
                                const std::vector<TarEntry>& entries,
                                TarFilter filter = TarFilter::gzip);

} // namespace wslmod::test

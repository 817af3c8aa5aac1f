// A prepared tree's headers (headers_cut.h), made once per tree and kept in the cache:
//   <cache>/headers/<tree key>/
//     .complete      the marker: the entry counts only with it (util::AtomicDir)
//     headers.json   {"format", "release", "srcarch", "files", "symlinks", "bytes", "stripped"}
//     tree/          the headers, relocatable: Kbuild finds everything relative to its own
//                    Makefile, so the folder works from any path (an image's build/, a copy
//                    in /usr/src, a .deb)
// Relocatable is checked, not assumed: no file may hold the absolute path of the folder the
// tree was prepared in.  Host programs built with -g (objtool) hold it in their DWARF, so ELF
// files that do are stripped of debug sections (`strip --strip-debug`, listed in `stripped`);
// anything else that still holds it is an error naming the file.  include/config/kernel.release
// always holds the stock release, also for a tree pinned with KERNELRELEASE=.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/prepare.h"
#include "util/process.h"

namespace wslmod::kernel {

struct Headers {
    std::filesystem::path dir; // the tree/ folder
    std::string release, srcarch;
    size_t files = 0, symlinks = 0;
    uint64_t bytes = 0; // the files' sizes added up
    std::vector<std::string> stripped;
    bool cache_hit = false;
};

util::Result<Headers> make_headers(const PreparedTree& tree, const std::filesystem::path& cache,
                                   util::CommandRunner& runner);

// Where a distro keeps the headers of `release`: <prefix>/linux-headers-<release>.
std::string distro_headers_dir(const std::string& release, const std::string& prefix = "/usr/src");

// Where in `bytes` the text `path` first occurs, or npos: the relocatability check.
size_t find_path_reference(std::string_view bytes, std::string_view path);

} // namespace wslmod::kernel

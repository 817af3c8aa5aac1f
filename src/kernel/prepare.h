// Prepares a kernel-devel tree that out-of-tree modules build against, without building the
// kernel:
//   release   from the stock kernel image (checked against the stock modules' vermagic), and
//             pinned in the tree whatever its shape (release_pin.h)
//   extract   the part of the source archive that a module build reads (source_subset.h),
//             streaming, refusing unsafe entries, xz decoded on `jobs` threads
//             (source_archive.h); a source folder's part is copied from it
//   configure the published config, `make olddefconfig`, then the drift check (drift.h)
//   prepare   `make modules_prepare` with the release pinned, and with CONFIG_DEBUG_INFO_BTF=
//             on its command line: that leaves out only tools/bpf/resolve_btfids (half of
//             modules_prepare's time, for libbpf), which serves module BTF, which needs a
//             vmlinux that no prepared tree has; the headers build it when their cut wants it
//   symvers   Module.symvers from --symvers, or recovered from the stock kernel and modules,
//             on other threads while configure and modules_prepare run
// Trees are cached in <cache>/trees/<key>/, keyed by the digests of the source, config, stock
// kernel and modules, the toolchain and the release.  An entry is built in a temporary folder,
// marked complete, then renamed into place, so a killed prepare never leaves an entry that looks
// valid.  Prepared trees are never written to again; builds use separate object folders.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kernel/compiler.h"
#include "kernel/drift.h"
#include "kernel/facts.h"
#include "util/process.h"
#include "util/timings.h"

namespace wslmod::kernel {

// The digest of each input that goes into a tree's key, in a fixed order: "source", "config",
// "stock-kernel", "stock-modules", "symvers" ("-" when not given), and the toolchain (gcc, make
// and pahole versions).  A file's digest is its SHA-256; a folder's is its listing digest
// (image::scan_tree: paths, types, modes, sizes and link targets).
struct InputDigests {
    std::string release, toolchain;
    std::vector<std::pair<std::string, std::string>> inputs;
    std::string compiler; // the chosen compiler's version text (also the start of toolchain)
};

struct PrepareSpec {
    std::string source;                  // kernel source archive (tar.*), folder, or URL
    std::string source_sha256;           // required for a URL source
    std::string config;                  // published config (plain or .gz), or URL, or
                                         // "source:<path>" for a file of the source (WSL's
                                         // arch/x86/configs/config-wsl); default
                                         // /proc/config.gz when the running kernel has one
    bool pin_on_first_use = false;       // a URL source without source_sha256 is fetched and
                                         // its digest recorded (wslmod.lock pins it afterwards)
    std::filesystem::path stock_kernel;  // bzImage; gives the release (or pass `release`)
    std::filesystem::path stock_modules; // folder or image; optional
    std::filesystem::path symvers;       // Module.symvers to use as is; optional
    std::string release;                 // overrides the stock kernel's release; optional
    std::set<std::string> allow_drift;   // symbols without CONFIG_
    std::string cc;                      // --cc; empty: kernel/compiler.h chooses
    std::filesystem::path cache;         // e.g. ~/.cache/wslmod
    unsigned jobs = 2;
    // Called with the digests before the cache is looked up or anything is extracted; its
    // error stops the prepare (`wslmod build --locked`).
    std::function<util::Result<void>(const InputDigests&)> gate;
};

// The source a tree was prepared from: kernel-tree recipes read the folders that the tree leaves
// out from it (source_folders.h).
struct TreeSource {
    std::filesystem::path path; // the archive or folder (where it is now, on a cache hit)
    std::string digest;         // its digest (input_digest) when the tree was prepared
    bool subset = false;        // the tree holds only part of it (source_subset.h)
};

struct PreparedTree {
    std::filesystem::path dir;
    std::string release, localversion; // localversion: the LOCALVERSION= that pins the release
    bool kernelrelease = false;        // or KERNELRELEASE=<release> did (release_pin.h)
    DriftReport drift;
    std::string symvers_source;        // "file", "recovered", "none"
    std::vector<std::string> warnings; // e.g. a compiler major that differs from the stock build
    bool cache_hit = false;
    std::string key;
    std::string cc = "gcc", compiler; // CC= for make, and its version text (kernel/compiler.h)
    InputDigests digests;             // empty for open_prepared_tree
    TreeSource source;
    // Wall time of this prepare per step: inputs (digests, compiler), and when it was not a
    // cache hit extract, configure, modules_prepare, symvers and publish.
    util::Timings seconds;
};

// A file's SHA-256 or a folder's listing digest, in hex, as InputDigests has them.
util::Result<std::string> input_digest(const std::filesystem::path& p);

// Progress messages ("extracting linux-6.12 ..."), for a TTY.
using Progress = std::function<void(const std::string&)>;

util::Result<PreparedTree> prepare_tree(const PrepareSpec& spec, util::CommandRunner& runner,
                                        const Progress& progress = {});

// A tree that prepare_tree published (its folder); fails unless it is complete.
util::Result<PreparedTree> open_prepared_tree(const std::filesystem::path& dir);

// The default cache root: $XDG_CACHE_HOME/wslmod or ~/.cache/wslmod.
std::filesystem::path default_cache();

} // namespace wslmod::kernel

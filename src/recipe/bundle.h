// A bundle: one file that carries a project to another machine, `NAME.wslmod.tar.zst`.  Written
// and read through libarchive (tar, pax restricted, zstd).  Entries, in byte order of their
// paths, with owner 0, mode 0644 (0755 folders) and mtime 0, so the same files give the same
// bundle:
//   wslmod.toml                      the manifest
//   wslmod.lock                      the lock (recipe/lockfile.h)
//   recipes/<name>/...               every recipe the lock names, as built
//   modules/<recipe>/<dest>/<m>.ko   the built modules (uncompressed), dest/name as the lock says
//   releases/<release>/wslmod.lock   for each further release (`export --release`): its lock,
//   releases/<release>/modules/...   and its modules, laid out as above; same recipes
//   SHA256SUMS                       "<sha256>  <path>\n" for every other file, sorted, last
// Reading is strict, because a bundle comes from somewhere else: only regular files and
// folders; no absolute path, no '.' or '..' component, no duplicate; at most 100,000 entries,
// and contents of at most twenty times the bundle's size (16 MiB at least, 4 GiB at most), so a
// decompression bomb is refused early; SHA256SUMS, wslmod.toml and wslmod.lock at most 64 MiB;
// written through folder descriptors (util/beneath.h), holes of sparse members kept; SHA256SUMS
// must list exactly the other files, each with its digest.  A bundle that breaks any of these is
// refused with the entry named, and its partial extraction is removed.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::recipe {

struct BundleFile {
    std::string path;             // inside the bundle ('/'-separated)
    std::filesystem::path source; // on this machine
};

// Writes `files` and their SHA256SUMS to `out` (through a temporary file, then renamed).
util::Result<void> write_bundle(const std::filesystem::path& out, std::vector<BundleFile> files);

// Extracts `bundle` into `dest` (which must not exist) and checks SHA256SUMS; returns the paths
// of the files (SHA256SUMS left out).  On any error `dest` is removed again.
util::Result<std::vector<std::string>> extract_bundle(const std::filesystem::path& bundle,
                                                      const std::filesystem::path& dest);

} // namespace wslmod::recipe

// Fetcher: turns a source location into a local file.  A plain path is used as is; a URL
// (http, https, ftp or file) is downloaded with curl into <cache>/sources/<sha256>, checked
// against the expected SHA-256 when one is given (a mismatch is fatal), and reused from there
// on later runs without touching the network.
#pragma once

#include <filesystem>
#include <string>

#include "util/error.h"
#include "util/process.h"

namespace wslmod::util {

// True when `location` has a URL scheme wslmod fetches.
bool is_url(const std::string& location);

// The local file for `location`.  `sha256` (lower-case hex) may be empty for a plain path, or
// for a URL whose content is not pinned (it is then still cached by its digest).
Result<std::filesystem::path> fetch(const std::string& location, const std::string& sha256,
                                    const std::filesystem::path& cache, CommandRunner& runner);

} // namespace wslmod::util

// Opening a bundle as a project for an import folder: extracted (bundle.h), then checked the way
// a bundle from someone else must be before anything of it is used.
//   - wslmod.toml and wslmod.lock are there and parse;
//   - the manifest's [output] path and its [kernel] paths must lie inside the import folder: a
//     bundle names paths of its author's machine, so those outside are dropped with a note (the
//     image goes to <dir>/modules.vhdx, the kernel inputs come from this machine's profile);
//   - every recipe the lock names is in recipes/ and unchanged since the lock, every locked
//     module is in modules/ with the vermagic of the lock's release, and every recipe the
//     manifest lists is locked; the same for each further release's releases/<release>/.
// Nothing here builds or runs anything from the bundle.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "recipe/lockfile.h"
#include "recipe/manifest.h"
#include "util/error.h"

namespace wslmod::recipe {

struct OpenedBundle {
    Manifest manifest; // paths outside the import folder dropped (see notes)
    Lock lock;
    std::map<std::string, Lock> releases; // further releases: <work>/releases/<release>/
    std::vector<std::string> notes;       // one sentence per path dropped
};

// Extracts `bundle` into `work` (which must not exist; removed again on any error) and checks
// it as a project for the import folder `dir`.
util::Result<OpenedBundle> open_bundle(const std::filesystem::path& bundle,
                                       const std::filesystem::path& work,
                                       const std::filesystem::path& dir);

} // namespace wslmod::recipe

// `wslmod bundle export` and `wslmod bundle import`: a project (manifest, lock, recipes and the
// built modules) in one file that another machine turns into the same image (recipe/bundle.h
// has the format).
//   export  in a project whose lock is current: builds nothing new (--locked), then writes the
//           bundle with every recipe the lock names and every module it built
//   import  into an empty folder: every entry and checksum is checked first, and the bundle's
//           recipes must be the ones its lock names.  When this machine's stock kernel has
//           the lock's release, or one of the further releases the bundle carries, the image
//           is assembled from the bundled modules: no make, no compiler, and the same sha256
//           as that release's lock.  The further releases are kept in the project
//           (.wslmod/releases/<release>/, laid out as in the bundle) for `wslmod upgrade`.
//           Otherwise the bundle's recipes are built for this kernel (and a new lock written), only
//           with allow_build.  A refused bundle leaves the folder as it was.
#pragma once

#include <filesystem>
#include <optional>

#include "project/build.h"
#include "recipe/manifest.h"

namespace wslmod::project {

struct ExportReport {
    std::filesystem::path bundle;
    size_t recipes = 0, modules = 0;
    std::vector<std::string> releases; // the further releases built and carried
    BuildReport build;                 // its failure, if any, is the export's
};

// `releases`: further kernel releases to build for and carry (their inputs resolved through the
// manifest with release = R: profile wsl names the tag, and {release} in the manifest's
// stock-kernel and stock-modules says where that release's stock files are).
util::Result<ExportReport> export_bundle(const recipe::Manifest& m, const RecipeOptions& options,
                                         const std::vector<std::string>& releases,
                                         const std::filesystem::path& bundle,
                                         util::CommandRunner& runner, Reporter& reporter);

struct ImportRequest {
    RecipeOptions run;
    std::filesystem::path bundle, dir; // dir: an empty folder
    bool allow_build = false;
};

struct ImportReport {
    std::string release; // this machine's stock kernel
    std::filesystem::path manifest;
    // Assembled from the bundled modules, and whether it is the image the lock names.
    std::optional<modules::ImageReport> image;
    std::string locked_image;
    bool identical = false;
    std::optional<BuildReport> built; // built here instead (another release, allow_build)
};

util::Result<ImportReport> import_bundle(const ImportRequest& request, util::CommandRunner& runner,
                                         Reporter& reporter);

// `wslmod upgrade`'s bundled build: when the project keeps one for the release its inputs now
// resolve to (.wslmod/releases/<release>/) and the project's recipes are still the ones it
// locks, the image is assembled from it (no compiling) and its lock becomes the project's.
// False when there is none to use.
util::Result<bool> assemble_bundled(const BuildInputs& in, const recipe::Manifest& m,
                                    util::CommandRunner& runner, Reporter& reporter);

} // namespace wslmod::project

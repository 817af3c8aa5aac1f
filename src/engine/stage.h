// Staging: puts a recipe's source into a fresh build folder and applies its patches, so that
// nothing a build writes ever lands in the recipe, the source cache or the prepared tree.
//   path, dkms   the folder is copied; a symlink whose target leaves it is refused
//   url          the archive (fetched and checked against its sha256 by util::fetch) is
//                extracted by the same streaming extractor as kernel sources, which refuses
//                absolute paths, '..', escaping symlinks and device nodes; its single top
//                folder is stripped
//   kernel-tree  each listed folder is copied from the kernel source (kernel/source_folders.h:
//                the prepared tree holds only part of it) to the same relative path below the
//                build folder
// Patches are applied in order with `patch -p1 --forward --batch` (the tool DKMS uses too); a
// patch that does not apply is an error naming it, with patch's own words.
#pragma once

#include <filesystem>
#include <string>

#include "engine/recipe_build.h"
#include "recipe/recipe.h"
#include "util/process.h"

namespace wslmod::engine {

// Stages `r`'s source into `build_dir` (which must not exist yet).  `tree` is the prepared
// kernel tree (kernel-tree sources); `cache` holds fetched archives and source folders.
util::Result<void> stage_source(const recipe::Recipe& r, const std::filesystem::path& build_dir,
                                const TreeRef& tree, const std::filesystem::path& cache,
                                util::CommandRunner& runner);

// Applies `r.patches` in order inside `build_dir`; the output goes to `log`.
util::Result<void> apply_patches(const recipe::Recipe& r, const std::filesystem::path& build_dir,
                                 std::string& log, util::CommandRunner& runner);

} // namespace wslmod::engine

// Installing a modules image for WSL, with generations to roll back to.  All of it happens on
// the Windows side, through Linux paths (windows.h finds them):
//
//   %USERPROFILE%\.wslconfig            [wsl2] kernel= and kernelModules= (and loadKernelModules=
//                                       when asked); every other byte is kept (wslconfig.h)
//   %LOCALAPPDATA%\wslmod\              the install root
//     state.json                        what is installed (fields below), written atomically
//     original.wslconfig                .wslconfig as it was before the first install, or
//     original.absent                   a mark that there was none
//     <release>\<id>\                   one generation: never written again once published
//       kernel                          a copy of the stock kernel (WSL counts a kernel= that
//                                       names a copy of tools\kernel as custom, and it accepts
//                                       kernelModules= only with a custom kernel)
//       modules.vhdx                    the image
//       wslconfig.before                .wslconfig just before this generation was applied
//       (wslconfig.before-absent)       (or a mark that there was none)
//
// A new generation goes into a new folder, so the image a running WSL holds open is never
// overwritten: Windows would refuse, and a half-copied image would stop every distro.
//
// state.json (format "wslmod-install-1"):
//   generations[]     oldest first: id, release, dir (relative to the root), image_sha256,
//                     kernel_sha256, kernel and modules (the Windows paths written to
//                     .wslconfig), wslconfig_sha256 (of the .wslconfig this install wrote),
//                     applied (false until .wslconfig names it), installed_at (UTC)
//   bad[]             images rolled back from: image_sha256, release, generation, at.  Installing
//                     one of them again needs --force (WSL marks its own kernel.rollback alike)
//   next_id
//
// The write order makes every crash leave the old state or the new one:
//   save the original (first time) -> copy into <id>.partial/ -> rename to <id>/ -> state.json
//   lists it (applied: false) -> .wslconfig renamed into place (the switch) -> state.json marks
//   it applied -> older generations pruned (current and previous are kept).
// Which generation is current is read from .wslconfig itself (kernelModules= names its image),
// so state.json can never disagree with what WSL will boot.  Every run first recovers: it
// removes *.partial folders and temporaries, marks a generation applied when .wslconfig names
// it, and forgets one that was listed but never switched to.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"

namespace wslmod::wsl {

struct Target {
    std::filesystem::path wslconfig; // Linux path of %USERPROFILE%\.wslconfig
    std::filesystem::path root;      // Linux path of the install root
    // The Windows path of a Linux path below the root (for .wslconfig).
    std::function<util::Result<std::string>(const std::filesystem::path&)> windows_path;
};

struct Generation {
    int id = 0;
    std::string release, dir, image_sha256, kernel_sha256, kernel, modules, wslconfig_sha256, installed_at;
    bool applied = false;
};

struct BadImage {
    std::string image_sha256, release, at;
    int generation = 0;
};

struct InstallState {
    bool exists = false;       // state.json is there
    std::vector<Generation> generations;
    std::vector<BadImage> bad;
    int next_id = 1;
    std::optional<int> current; // index into generations: the one .wslconfig names
    std::string wslconfig_kernel, wslconfig_modules; // what .wslconfig says now (unescaped)
};

// Reads state.json and .wslconfig without changing anything.
util::Result<InstallState> read_state(const Target& target);

struct InstallRequest {
    std::filesystem::path image, stock_kernel;
    std::string release;
    std::optional<std::string> load_modules; // loadKernelModules=, when asked
    bool force = false;                     // install an image that was rolled back from
};

struct InstallReport {
    Generation generation;
    bool unchanged = false; // the same image and kernel were already current
    std::vector<std::string> pruned; // generation folders removed
};

util::Result<InstallReport> install(const Target& target, const InstallRequest& request);

struct RollbackReport {
    Generation from;
    std::optional<Generation> to; // none: back to the .wslconfig before the first install
    bool byte_identical = true;   // false: .wslconfig was edited since, so only wslmod's keys changed
};

util::Result<RollbackReport> rollback(const Target& target);

struct UninstallReport {
    bool restored_bytes = true; // false: .wslconfig was edited since, so only wslmod's keys were restored
    bool original_absent = false;
    int generations_removed = 0;
};

util::Result<UninstallReport> uninstall(const Target& target);

} // namespace wslmod::wsl
